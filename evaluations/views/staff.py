"""Staff pages: the supervisor's 好差评 page, the 差评 inbox and case page, phone callbacks."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from approvals.selectors import application_for
from evaluations import services
from evaluations.models import CaseStatus, CaseWarning, Channel, Verification
from evaluations.selectors import (
    case_for,
    cases_for,
    figures,
    open_cases_by_deadline,
    parse_period,
    period_summary,
    ranking,
    scope_for,
)
from evaluations.services import AlreadyEvaluated
from evaluations.transitions import CASE_ACTION_LABELS, CaseAction, CaseTransitionNotAllowed, case_actions_for
from evaluations.views.common import errors_of, rating_context, rating_from_post
from hall.privacy import mask_name, mask_phone
from hall.services.audit import client_ip
from hall.views import page_for_roles

RANK_DIMENSIONS = (("department", "部门"), ("window", "窗口"), ("staff", "工作人员"))


def _period(request):
    try:
        return parse_period(request.GET), {}
    except ValidationError as exc:
        return parse_period({}), errors_of(exc)


@page_for_roles("evaluation_supervision")
def supervision(request):
    """好差评监管: every rate with its formula for any period, rankings, the open 差评 by urgency."""
    (start, end), errors = _period(request)
    scope = scope_for(request.user, start, end)
    summary = period_summary(scope)
    rankings = [(label, ranking(scope, dim, summary=summary)) for dim, label in RANK_DIMENSIONS]
    # The most urgent open steps whatever the period (the partial index on due_on serves it).
    urgent = open_cases_by_deadline(request.user)
    return render(
        request,
        "evaluations/supervision.html",
        {
            "start": start,
            "end": end,
            "errors": errors,
            "figures": figures(scope, summary),
            "rankings": rankings,
            "cases": urgent,
        },
        status=400 if errors else 200,
    )


@page_for_roles("evaluation_cases")
def case_list(request):
    """差评整改: the department's inbox (a supervisor sees every department)."""
    filters = {k: request.GET.get(k, "") for k in ("status", "warning")}
    (start, end), errors = _period(request)
    if request.GET.get("start") or request.GET.get("end"):
        filters.update(start=start, end=end)
    if not filters["status"]:
        filters["status"] = "open"
    page = Paginator(cases_for(request.user, filters=filters), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/case_list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": CaseStatus.choices,
            "warnings": CaseWarning.choices,
            "errors": errors,
        },
    )


def _load_case(request, pk: int):
    case = case_for(request.user, pk)
    if case is None:
        raise Http404("没有找到该差评，或不在您的处理范围内。")
    return case


def _case_context(request, case, *, errors=None, form_action: str = "") -> dict:
    evaluation = case.evaluation
    return {
        "case": case,
        "evaluation": evaluation,
        "evaluator_name": mask_name(evaluation.evaluator_name),
        "evaluator_phone": mask_phone(evaluation.evaluator_phone),
        "actions": [(a, CASE_ACTION_LABELS[a]) for a in case_actions_for(case, request.user)],
        "verdicts": [(Verification.MISTAKEN, "误评"), (Verification.MALICIOUS, "恶意差评")],
        "errors": errors or {},
        "form_action": form_action,
        "needs_note": NOTE_ACTIONS,
    }


NOTE_ACTIONS = {
    CaseAction.CALLBACK,
    CaseAction.CONFIRM,
    CaseAction.DISPUTE,
    CaseAction.RECTIFY,
    CaseAction.UPHOLD_APPEAL,
    CaseAction.REJECT_APPEAL,
    CaseAction.CLOSE,
}


@page_for_roles("evaluation_cases")
def case_detail(request, pk: int):
    case = _load_case(request, pk)
    return render(request, "evaluations/case_detail.html", _case_context(request, case))


def _run(action: str, case, request):
    post, by, ip = request.POST, request.user, client_ip(request)
    note = post.get("note", "")
    if action == CaseAction.START_VERIFY:
        return services.case_start_verify(case=case, by=by, ip=ip)
    if action == CaseAction.CALLBACK:
        return services.case_callback(case=case, note=note, by=by, ip=ip)
    if action == CaseAction.CONFIRM:
        return services.case_confirm(case=case, note=note, by=by, ip=ip)
    if action == CaseAction.DISPUTE:
        return services.case_dispute(case=case, verdict=post.get("verdict", ""), note=note, by=by, ip=ip)
    if action == CaseAction.START_RECTIFY:
        return services.case_start_rectify(case=case, by=by, ip=ip)
    if action == CaseAction.RECTIFY:
        return services.case_rectify(case=case, note=note, files=request.FILES.getlist("files"), by=by, ip=ip)
    if action == CaseAction.CLOSE:
        return services.case_close(case=case, note=note, by=by, ip=ip)
    if action == CaseAction.UPHOLD_APPEAL:
        return services.case_uphold_appeal(case=case, note=note, by=by, ip=ip)
    if action == CaseAction.REJECT_APPEAL:
        return services.case_reject_appeal(case=case, note=note, by=by, ip=ip)
    raise CaseTransitionNotAllowed(f"未知操作“{action[:30]}”。")


@require_POST
@page_for_roles("evaluation_cases")
def case_action(request, pk: int, action: str):
    case = _load_case(request, pk)
    try:
        _run(action, case, request)
    except ValidationError as exc:
        context = _case_context(request, case, errors=errors_of(exc), form_action=action)
        return render(request, "evaluations/case_detail.html", context, status=400)
    except CaseTransitionNotAllowed as exc:
        context = _case_context(request, case, errors={"general": [exc.message]})
        return render(request, "evaluations/case_detail.html", context, status=409)
    messages.success(request, f"已{CASE_ACTION_LABELS.get(action, action)}。")
    return redirect("evaluation_case_detail", pk=pk)


@page_for_roles("evaluation_callback")
def phone_callback(request):
    """电话回访: staff record what an applicant said on the phone as an evaluation (channel phone)."""
    context = {"number": request.POST.get("number", request.GET.get("number", ""))[:24]}
    context.update(rating_context())
    status = 200
    if request.method == "POST":
        application = application_for(request.user, context["number"].strip())
        errors = {}
        if application is None:
            errors = {"number": ["未找到该办件，或不在您的办理范围内。"]}
        else:
            try:
                services.evaluation_submit_for_application(
                    application=application,
                    rating=rating_from_post(request.POST),
                    channel=Channel.PHONE,
                    by=request.user,
                    ip=client_ip(request),
                )
            except AlreadyEvaluated as exc:
                errors, status = {"general": [exc.message]}, 409
            except PermissionDenied as exc:
                errors, status = {"general": [str(exc)]}, 403
            except ValidationError as exc:
                errors = errors_of(exc)
            else:
                messages.success(request, f"已记录办件 {application.number} 的电话回访评价。")
                return redirect("evaluation_callback")
        context.update(rating_context(post=request.POST, errors=errors))
        status = status if status != 200 else 400
    return render(request, "evaluations/callback.html", context, status=status)
