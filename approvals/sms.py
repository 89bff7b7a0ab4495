"""SMS gateways (短信网关): the pluggable backends ``settings.SMS_BACKEND`` names.

The outbox and its delivery live in :mod:`approvals.services.notify`; the default
``RecordingBackend`` sends nothing: the outbox row is the record a developer or tester reads.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class BaseSmsBackend:
    """A gateway: ``send`` raises on failure; whatever it returns is ignored."""

    def send(self, *, phone: str, body: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class RecordingBackend(BaseSmsBackend):
    """Development: the message is only recorded (the outbox row), nothing leaves the system."""

    def send(self, *, phone: str, body: str) -> None:
        logger.info("SMS recorded for %s****%s: %s", phone[:3], phone[-4:], body)


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
