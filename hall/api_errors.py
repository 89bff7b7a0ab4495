"""One error shape for the whole API: 4xx with a message per field, in Chinese, never a 500
for bad input. Django's ValidationError (raised by services) becomes a 400."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail=detail)
    if isinstance(exc, ProtectedError):
        return Response({"detail": "该记录仍被其他数据引用，不能删除。"}, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)
