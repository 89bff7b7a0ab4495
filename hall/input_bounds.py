"""One bound for every date a user can type (日期输入范围), installed once at start-up.

Dates arrive through Django form fields (pages, the admin, django-filter's filters) and DRF
serializer fields (the API). Rather than hoping that every present and future field declares a
validator, each of those field classes gets :func:`hall.validators.validate_service_date` as a
default validator: a date outside 1949–2100 is a per-field 400 with a Chinese message wherever
it is entered. Fields that pass explicit ``validators=`` to DRF still get it (DRF replaces its
defaults in that case, so the DRF hook appends it in ``__init__``).
"""

from __future__ import annotations

from django import forms
from rest_framework import serializers

from hall.validators import validate_service_date

_INSTALLED = False


def _drf_init(original):
    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if validate_service_date not in self.validators:
            self.validators = [*self.validators, validate_service_date]

    return __init__


def install() -> None:
    """Add the service-date bound to the date fields of Django forms and of DRF (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    for field_class in (forms.DateField, forms.DateTimeField):
        field_class.default_validators = [*field_class.default_validators, validate_service_date]
    for field_class in (serializers.DateField, serializers.DateTimeField):
        field_class.__init__ = _drf_init(field_class.__init__)
    _INSTALLED = True
