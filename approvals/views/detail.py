"""The application page (办件详情): timeline, materials, and the actions the transitions table allows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from approvals import forms as f
from approvals import services
from approvals.models import FINAL_STATUSES, Application, Status
from approvals.permissions import can_act_on, can_view_personal_data
from approvals.selectors import department_approvers, department_inspectors
from approvals.transitions import (
    ACTION_LABELS,
    Action,
    TransitionNotAllowed,
    actions_for,
    check_transition,
    open_pause,
    pending_extension,
)
from approvals.views.common import load_application
from approvals.views.notices import notices_for
from hall.services.audit import audit_record, client_ip


@dataclass(frozen=True)
class ActionPage:
    """How the page offers one action: its form, its service, and how it is confirmed."""

    form: type
    service: Callable[..., Application]
    direct: bool = False  # no input: the button on the detail page posts at once
    destructive: bool = False  # refuse, withdraw, revoke: an explicit confirmation page and dialog
    form_kwargs: Callable[[Application, Any], dict] | None = None
    notice: str = ""  # the notice to print after the action
    help: str = ""


ACTION_PAGES: dict[str, ActionPage] = {
    Action.START_PREREVIEW: ActionPage(f.EmptyForm, services.application_start_prereview, direct=True),
    Action.ACCEPT: ActionPage(
        f.AcceptForm,
        services.application_accept,
        form_kwargs=lambda app, user: {"application": app},
        notice="acceptance",
        help="受理后开始计算法定办结时限。必要材料须已提交，或对可容缺材料填写承诺补交日期（容缺受理）。",
    ),
    Action.REFUSE: ActionPage(
        f.RefuseForm,
        services.application_refuse,
        destructive=True,
        notice="refusal",
        help="不予受理将出具《不予受理通知书》，告知申请人申请行政复议或提起行政诉讼的权利。",
    ),
    Action.REQUEST_SUPPLEMENT: ActionPage(
        f.SupplementRequestForm,
        services.application_request_supplement,
        form_kwargs=lambda app, user: {"application": app},
        notice="supplement",
        help="依《行政许可法》第三十二条，须一次性告知申请人需要补正的全部内容，告知后不能再次要求补正。",
    ),
    Action.SUPPLEMENT: ActionPage(f.SupplementForm, services.application_supplement, direct=True),
    Action.ACCEPT_IMMEDIATELY: ActionPage(
        f.AcceptImmediatelyForm,
        services.application_accept_immediately,
        notice="decision",
        help="即办件当场受理并办结。",
    ),
    Action.ASSIGN: ActionPage(
        f.AssignForm,
        services.application_assign,
        form_kwargs=lambda app, user: {"approvers": department_approvers(app)},
    ),
    Action.START_REVIEW: ActionPage(f.EmptyForm, services.application_start_review, direct=True),
    Action.PAUSE: ActionPage(
        f.PauseForm,
        services.application_pause,
        form_kwargs=lambda app, user: {"inspectors": department_inspectors(app)},
        notice="special",
        help="现场勘验、专家评审、听证、检验检测等特别程序所需时间不计入办理时限（第四十五条），将书面告知申请人。",
    ),
    Action.RESUME: ActionPage(f.ResumeForm, services.application_resume, help="记录特别程序的结果，恢复计时。"),
    Action.REQUEST_EXTENSION: ActionPage(
        f.ExtensionRequestForm,
        services.application_request_extension,
        help="依《行政许可法》第四十二条，延期须书面说明理由并经负责人批准；批准后办结期限才顺延，并告知申请人。",
    ),
    Action.APPROVE_EXTENSION: ActionPage(
        f.ExtensionApproveForm,
        services.application_approve_extension,
        help="批准后办结期限顺延，并短信告知申请人。",
    ),
    Action.REJECT_EXTENSION: ActionPage(
        f.ExtensionRejectForm,
        services.application_reject_extension,
        destructive=True,
        help="驳回后办结期限不变，申请人（承办人）将收到驳回理由。",
    ),
    Action.DECIDE: ActionPage(f.DecideForm, services.application_decide, notice="decision"),
    Action.COMPLETE: ActionPage(
        f.EmptyForm, services.application_complete, direct=True, help="办结后交统一出件窗口送达。"
    ),
    Action.DELIVER: ActionPage(f.DeliverForm, services.application_deliver, notice="receipt"),
    Action.WITHDRAW: ActionPage(f.WithdrawForm, services.application_withdraw, destructive=True),
    Action.REVOKE: ActionPage(f.RevokeForm, services.application_revoke, destructive=True),
}


def _buttons(application: Application, user) -> list[dict]:
    result = []
    for action in actions_for(application, user):
        page = ACTION_PAGES.get(action)
        if page is None:
            continue
        result.append(
            {"action": action, "label": ACTION_LABELS[action], "direct": page.direct, "destructive": page.destructive}
        )
    return result


@login_required
def application_detail(request, number: str):
    """办件详情: applicant, materials with files, the clock, the timeline, the allowed actions."""
    application = load_application(request, number)
    reveal = request.GET.get("reveal") == "1" and can_view_personal_data(request.user, application)
    if reveal:
        # Full ID numbers and phones are personal data: who looked is recorded (DOMAIN.md §8).
        audit_record(
            actor=request.user, action="application.personal_data_view", obj=application, ip=client_ip(request)
        )
    may_act = can_act_on(request.user, application)
    context = {
        "app": application,
        "buttons": _buttons(application, request.user),
        "notices": notices_for(application),
        "reveal": reveal,
        "can_reveal": can_view_personal_data(request.user, application),
        "may_upload": may_act and application.status not in FINAL_STATUSES and application.status != Status.COMPLETED,
        "upload_form": f.UploadForm(),
        "open_pause": open_pause(application),
        "pending_extension": pending_extension(application),
    }
    return render(request, "approvals/application_detail.html", context)


def _conflict(request, application, message: str):
    return render(request, "approvals/action_refused.html", {"app": application, "message": message}, status=409)


@login_required
def application_action(request, number: str, action: str):
    """One action on one application: GET shows its form (the confirmation), POST calls its service."""
    page = ACTION_PAGES.get(action)
    if page is None:
        raise Http404("没有该操作。")
    application = load_application(request, number)
    user = request.user
    if action not in actions_for(application, user):
        try:
            check_transition(application, action, user)  # raises with the precise reason
        except TransitionNotAllowed as exc:
            return _conflict(request, application, exc.message)
        raise PermissionDenied("您不能对该办件执行此操作。")
    kwargs = page.form_kwargs(application, user) if page.form_kwargs else {}
    form = page.form(request.POST if request.method == "POST" else None, **kwargs)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                page.service(application=application, by=user, ip=client_ip(request), **form.service_kwargs())
            except ValidationError as exc:
                f.add_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                return _conflict(request, application, exc.message)
            else:
                messages.success(request, f"已{ACTION_LABELS[action]}。")
                if page.notice:
                    messages.info(request, "可在“文书”中打印相应的告知书。")
                return redirect("application_detail", number=application.number)
        status = 400
    context = {
        "app": application,
        "form": form,
        "action": action,
        "label": ACTION_LABELS[action],
        "page": page,
        "pending_extension": pending_extension(application),
        "open_pause": open_pause(application),
    }
    return render(request, "approvals/action.html", context, status=status)


@require_POST
@login_required
def material_upload(request, number: str, material_id: int):
    """Upload one file of one material (窗口扫描 / 群众补正上传)."""
    application = load_application(request, number)
    material = next((m for m in application.materials.all() if m.pk == material_id), None)
    if material is None:
        raise Http404("没有该材料。")
    form = f.UploadForm(request.POST, request.FILES)
    upload = request.FILES.get("file")
    if not form.is_valid() or upload is None:
        messages.error(request, f"“{material.name}”：请选择要上传的文件。")
        return redirect("application_detail", number=number)
    try:
        services.material_upload(application_material=material, file=upload, by=request.user, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, f"“{material.name}”上传失败：{'；'.join(exc.messages)}")
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"“{material.name}”已上传。")
    return redirect("application_detail", number=number)
