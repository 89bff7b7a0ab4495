"""Citizens' pages: sign-up, online application, my applications, public tracking (办件查询)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from approvals.api import TrackThrottle  # one budget for the page and the API
from approvals.forms import OnlineApplyForm, SignupForm, TrackForm, add_service_errors
from approvals.models import ApplicantType, IdType
from approvals.selectors import application_track, applications_for
from approvals.services import application_submit_online, citizen_register
from approvals.transitions import TransitionNotAllowed
from approvals.views.common import R, paginate, roles_required
from hall.catalog.selectors import current_version
from hall.privacy import mask_name
from hall.public_cache import public_page
from hall.ratelimit import rate_limited
from hall.services.audit import client_ip
from hall.views import page_for_roles


@rate_limited("approvals_register")  # one budget with the register API
def signup(request):
    """群众注册: phone, password, real name and ID number; then logged in."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = citizen_register(
                    phone=data.get("phone", "").strip(),
                    password=data["password"],
                    full_name=data.get("full_name", ""),
                    id_number=data.get("id_number", "").strip(),
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                messages.success(request, "注册成功，欢迎使用网上办事服务。")
                return redirect(request.GET["next"] if _safe_next(request) else "my_applications")
        status = 400
    return render(request, "approvals/signup.html", {"form": form}, status=status)


def _safe_next(request) -> bool:
    target = request.GET.get("next", "")
    return target.startswith("/") and not target.startswith("//")


@roles_required(R.PUBLIC)
def apply_online(request, code: str):
    """网上申请 for a matter whose online depth allows it; materials are uploaded next."""
    version = current_version(code)
    if version is None:
        raise Http404("该事项没有已发布的版本。")
    user = request.user
    initial = {
        "applicant_type": ApplicantType.NATURAL_PERSON,
        "applicant_name": user.full_name,
        "applicant_id_type": IdType.RESIDENT_ID,
        "applicant_id_number": user.id_number,
        "applicant_phone": user.phone,
    }
    form = OnlineApplyForm(request.POST if request.method == "POST" else None, initial=initial, version=version)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                application = application_submit_online(
                    version=version,
                    by=user,
                    applicant=form.applicant_data(),
                    sub_item=form.chosen_sub_item(),
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"申请已提交，办件编号 {application.number}。请逐项上传申请材料。")
                return redirect("application_detail", number=application.number)
        status = 400
    materials = list(version.materials.select_related("sub_item"))
    return render(
        request, "approvals/apply.html", {"version": version, "form": form, "materials": materials}, status=status
    )


@page_for_roles("my_applications")
def my_applications(request):
    """我的办件: the citizen's own applications, each with its timeline."""
    queryset = applications_for(request.user).prefetch_related("events")
    return render(request, "approvals/my_applications.html", {"page": paginate(request, queryset, 10)})


@public_page()
def track(request):
    """Public tracking (办件进度查询): number + phone → status and timeline, applicant masked."""
    if request.method not in ("GET", "POST"):
        raise PermissionDenied("不支持的请求。")
    form = TrackForm(
        request.POST if request.method == "POST" else None, initial={"number": request.GET.get("number", "")[:24]}
    )
    context = {"form": form, "result": None, "searched": False}
    status = 200
    if request.method == "POST":
        throttle = TrackThrottle()
        if not throttle.allow_request(request, None):
            wait = int(throttle.wait() or 60)
            context["throttled"] = f"查询过于频繁，请 {wait} 秒后再试。"
            return render(request, "approvals/track.html", context, status=429)
        context["searched"] = True
        if form.is_valid():
            application = application_track(number=form.cleaned_data["number"], phone=form.cleaned_data["phone"])
            if application is not None:
                context["result"] = application
                context["masked_name"] = mask_name(application.applicant_name)
            else:
                status = 404
        else:
            status = 400
    return render(request, "approvals/track.html", context, status=status)
