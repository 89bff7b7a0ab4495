"""The window evaluator tablet (窗口评价器): bound to one window by its registered device token.

``/evaluator/activate/<token>/`` stores the token in a cookie (once, when the tablet is set up);
then ``/evaluator/`` polls ``/evaluator/pending/`` and pops the rating the moment the clerk
finishes a service; ``/evaluator/submit/`` records it, ``/evaluator/skip/`` records "未评价"
after the idle time. No staff login on the tablet: a revoked token stops everything (403).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from evaluations.models import Channel, Level
from evaluations.selectors import pending_service, tags_by_level
from evaluations.services import (
    AlreadyEvaluated,
    Rating,
    device_for_token,
    evaluation_submit_for_service,
    service_record_skip,
)
from evaluations.views.common import errors_of
from hall.models import User
from hall.queue.models import ServiceRecord
from hall.services.audit import client_ip

COOKIE = "evaluator_device"
COOKIE_AGE = 5 * 365 * 24 * 3600


def _device(request):
    return device_for_token(request.COOKIES.get(COOKIE, ""))


def _denied(request, exc, *, json_response: bool):
    message = str(exc) or "评价器未登记，请联系大厅管理员。"
    if json_response:
        return JsonResponse({"detail": message}, status=403)
    return render(request, "evaluations/refused.html", {"message": message}, status=403)


@never_cache
def activate(request, token: str):
    """Set up a tablet: check the token, keep it in a cookie, open the evaluator page."""
    try:
        device_for_token(token)
    except PermissionDenied as exc:
        return _denied(request, exc, json_response=False)
    response = redirect("evaluator")
    response.set_cookie(COOKIE, token, max_age=COOKIE_AGE, httponly=True, samesite="Lax")
    return response


@never_cache
@require_GET
def evaluator(request):
    try:
        device = _device(request)
    except PermissionDenied as exc:
        return _denied(request, exc, json_response=False)
    window = device.window
    clerks = list(User.objects.filter(window=window, is_active=True).values_list("full_name", flat=True)[:3])
    return render(
        request,
        "evaluations/evaluator.html",
        {
            "device": device,
            "window": window,
            "clerks": clerks,
            "levels": Level.choices,
            "tags_by_level": tags_by_level(),
            "idle_seconds": settings.EVALUATIONS_EVALUATOR_IDLE_SECONDS,
        },
    )


@never_cache
@require_GET
def pending(request):
    """The service to rate now, or none (polled every 2 seconds)."""
    try:
        device = _device(request)
    except PermissionDenied as exc:
        return _denied(request, exc, json_response=True)
    record = pending_service(device.window_id, idle_seconds=settings.EVALUATIONS_EVALUATOR_IDLE_SECONDS)
    if record is None:
        return JsonResponse({"service": None})
    return JsonResponse(
        {
            "service": {
                "id": record.pk,
                "ticket": record.ticket.number,
                "clerk": record.clerk.full_name if record.clerk else "",
                "finished_at": record.finished_at.isoformat(),
            }
        }
    )


def _load_json(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError({"general": "请求格式不正确。"}) from None
    if not isinstance(data, dict):
        raise ValidationError({"general": "请求格式不正确。"})
    return data


def _record_of(device, data) -> ServiceRecord:
    service_id = data.get("service")
    if not isinstance(service_id, int) or isinstance(service_id, bool):
        raise ValidationError({"service": "请指定要评价的服务。"})
    record = ServiceRecord.objects.filter(pk=service_id).first()
    if record is None or record.window_id != device.window_id:
        raise ValidationError({"service": "该服务不属于本窗口。"})
    return record


@never_cache
@require_POST
def submit(request):
    try:
        device = _device(request)
    except PermissionDenied as exc:
        return _denied(request, exc, json_response=True)
    try:
        data = _load_json(request)
        record = _record_of(device, data)
        tags = data.get("tags") or []
        if not isinstance(tags, list):
            raise ValidationError({"tags": "评价标签格式不正确。"})
        text = data.get("text") or ""
        phone = data.get("phone") or ""
        if not isinstance(text, str) or not isinstance(phone, str) or not isinstance(data.get("level"), str):
            raise ValidationError({"general": "请求格式不正确。"})
        rating = Rating(
            level=data["level"],
            tag_ids=tuple(t if isinstance(t, int) else -1 for t in tags),
            text=text,
            phone=phone.strip(),
        )
        evaluation = evaluation_submit_for_service(
            service_record=record, rating=rating, channel=Channel.EVALUATOR, device=device, ip=client_ip(request)
        )
    except AlreadyEvaluated as exc:
        return JsonResponse({"detail": exc.message}, status=409)
    except PermissionDenied as exc:
        return JsonResponse({"detail": str(exc)}, status=403)
    except ValidationError as exc:
        return JsonResponse({"errors": errors_of(exc)}, status=400)
    return JsonResponse({"id": evaluation.pk, "level": evaluation.level, "is_bad": evaluation.is_bad}, status=201)


@never_cache
@require_POST
def skip(request):
    """The idle time passed: record the service as not evaluated (未评价)."""
    try:
        device = _device(request)
    except PermissionDenied as exc:
        return _denied(request, exc, json_response=True)
    try:
        record = _record_of(device, _load_json(request))
        changed = service_record_skip(service_record=record, device=device)
    except PermissionDenied as exc:
        return JsonResponse({"detail": str(exc)}, status=403)
    except ValidationError as exc:
        return JsonResponse({"errors": errors_of(exc)}, status=400)
    return JsonResponse({"skipped": changed})
