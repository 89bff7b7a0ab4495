"""Citizens' pages: the rating page behind QR codes and SMS links, my evaluations, the public disclosure."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from approvals.models import Application
from evaluations.links import read_link_token
from evaluations.models import CASE_HANDLED_STATUSES, Channel, Evaluation, Subject
from evaluations.selectors import evaluations_for, public_monthly
from evaluations.services import (
    AlreadyEvaluated,
    evaluation_follow_up,
    evaluation_submit_for_application,
    evaluation_submit_for_service,
)
from evaluations.views.common import errors_of, rating_context, rating_from_post
from hall.models import User
from hall.queue.models import ServiceRecord
from hall.services.audit import client_ip
from hall.views import page_for_roles

VIA_CHANNELS = {"sms": Channel.SMS, "qr": Channel.QR, "pc": Channel.PC, "mobile": Channel.MOBILE}


def _refused(request, message: str, status: int):
    return render(request, "evaluations/refused.html", {"message": message}, status=status)


def _target(target):
    """The row a link rates, with what the page shows about it; None when it no longer exists."""
    if target.kind == "application":
        return Application.objects.select_related("matter_version", "department", "site").filter(pk=target.pk).first()
    if target.kind == "service":
        return (
            ServiceRecord.objects.select_related("ticket", "window__site", "window__department", "clerk")
            .filter(pk=target.pk)
            .first()
        )
    return Evaluation.objects.select_related("case", "application", "window").filter(pk=target.pk).first()


def _already(target, obj) -> str | None:
    if target.kind == "application":
        if Evaluation.objects.filter(application=obj, subject=Subject.APPLICATION, is_follow_up=False).exists():
            return f"办件 {obj.number} 已评价，每个办件只能评价一次（一事一评）。感谢您的参与！"
    elif target.kind == "service":
        if Evaluation.objects.filter(service_record=obj, subject=Subject.SERVICE, is_follow_up=False).exists():
            return f"排队号 {obj.ticket.number} 的这次服务已评价，每次服务只能评价一次（一次一评）。"
    else:
        if obj.follow_ups.exists():
            return "该差评已追评，每条差评只能追评一次。"
        case = getattr(obj, "case", None)
        if case is None or case.status not in CASE_HANDLED_STATUSES:
            return "差评尚在处理中，处理完毕后才可以追评。"
    return None


@never_cache
def rate_by_link(request, token: str):
    """扫码/短信评价: a signed link to one application, one window service or one 追评."""
    if request.method not in ("GET", "POST"):
        return _refused(request, "不支持的请求。", 405)
    try:
        target = read_link_token(token)
    except ValidationError as exc:
        return _refused(request, errors_of(exc)["token"][0], 400)
    obj = _target(target)
    if obj is None:
        return _refused(request, "评价对象不存在。", 404)
    already = _already(target, obj)
    if already:
        return _refused(request, already, 409)
    channel = VIA_CHANNELS.get(request.GET.get("via", ""), Channel.QR)
    user = request.user if request.user.is_authenticated and request.user.role == User.Role.PUBLIC else None
    context = {"target": target, "obj": obj, "token": token, "via": request.GET.get("via", "")}
    if request.method == "POST":
        rating = rating_from_post(request.POST)
        try:
            if target.kind == "application":
                evaluation = evaluation_submit_for_application(
                    application=obj, rating=rating, channel=channel, by=user, ip=client_ip(request)
                )
            elif target.kind == "service":
                evaluation = evaluation_submit_for_service(
                    service_record=obj, rating=rating, channel=channel, by=user, ip=client_ip(request)
                )
            else:
                evaluation = evaluation_follow_up(
                    evaluation=obj, rating=rating, channel=channel, by=user, via_link=True, ip=client_ip(request)
                )
        except AlreadyEvaluated as exc:
            return _refused(request, exc.message, 409)
        except PermissionDenied as exc:
            return _refused(request, str(exc) or "无权评价。", 403)
        except ValidationError as exc:
            context.update(
                rating_context(post=request.POST, errors=errors_of(exc), follow_up=target.kind == "follow_up")
            )
            return render(request, "evaluations/rate.html", context, status=400)
        return render(request, "evaluations/thanks.html", {"evaluation": evaluation})
    context.update(rating_context(follow_up=target.kind == "follow_up"))
    return render(request, "evaluations/rate.html", context)


@page_for_roles("my_evaluations")
def my_evaluations(request):
    """我的评价: the citizen's own evaluations, the progress of their 差评 and the 追评 they may add."""
    rows = list(evaluations_for(request.user).prefetch_related("follow_ups")[:200])
    return render(request, "evaluations/my_evaluations.html", {"rows": rows, "handled": CASE_HANDLED_STATUSES})


def public_disclosure(request):
    """好差评公示: monthly figures per department, open to everyone, no personal data."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    if not 2000 <= year <= today.year + 1:
        year = today.year
    months, rows = public_monthly(year)
    return render(
        request,
        "evaluations/public.html",
        {"year": year, "months": months, "rows": rows, "years": range(today.year, today.year - 5, -1)},
    )
