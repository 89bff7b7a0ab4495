"""Pages of work orders: the dispatch board, the department inbox, the list, one order with its
timeline and allowed actions, the 办不成事 intake, the front-desk quick entry, the hotline import
and the figures. Thin: check access, parse, call one selector or service, render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from evaluations.workorders import extensions, selectors, services
from evaluations.workorders import forms as f
from evaluations.workorders.frontdesk import front_desk_record
from evaluations.workorders.importer import SYNC_MAX_BYTES, hotline_import_create, hotline_import_run, progress_of
from evaluations.workorders.metrics import METRICS, figures_for
from evaluations.workorders.models import HotlineImport, Kind, Source, Status, WorkOrderAttachment
from evaluations.workorders.permissions import can_view_personal_data
from evaluations.workorders.transitions import (
    ACTION_LABELS,
    Action,
    TransitionNotAllowed,
    actions_for,
    check_transition,
)
from evaluations.workorders.uploads import attachment_open_for, attachment_upload
from hall.metrics import Scope
from hall.models import Department, User
from hall.services.audit import audit_record, client_ip

R = User.Role
STAFF = (R.CLERK, R.APPROVER, R.INSPECTOR, R.SUPERVISOR, R.LEADER, R.ADMIN)
BOARD_ROLES = (R.SUPERVISOR, R.LEADER)
INTAKE_ROLES = (R.CLERK, R.SUPERVISOR)
IMPORT_ROLES = (R.SUPERVISOR, R.ADMIN)
FIGURE_ROLES = (R.SUPERVISOR, R.LEADER, R.ADMIN)
# Drill-down filters the list keeps without showing a control for them.
HIDDEN_FILTERS = (
    "dispatched_from",
    "dispatched_to",
    "closed_from",
    "closed_to",
    "on_time",
    "market_entity",
    "department",
    "site",
    "warning_level",
)


def roles_required(*roles: str):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied("您的角色无权访问此页面。")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _load(request, number: str):
    order = selectors.order_for(request.user, number)
    if order is None:
        raise Http404("没有找到该工单。")
    return order


@dataclass(frozen=True)
class ActionPage:
    form: type
    service: object
    direct: bool = False
    destructive: bool = False
    help: str = ""


ACTION_PAGES = {
    Action.DISPATCH: ActionPage(
        f.DispatchForm, services.workorder_dispatch, help="派至承办部门；部门签收后开始办理，或说明理由退回。"
    ),
    Action.SIGN: ActionPage(f.EmptyForm, services.workorder_sign, direct=True),
    Action.RETURN: ActionPage(
        f.ReasonForm,
        services.workorder_return,
        destructive=True,
        help="不属于本部门职责等情形可退回大厅重新派单，须说明理由。",
    ),
    Action.REPLY: ActionPage(f.ReplyForm, services.workorder_reply, help="答复后由大厅于下一个工作日回访诉求人。"),
    Action.CALLBACK: ActionPage(
        f.CallbackForm, services.workorder_callback, help="回访不满意的工单退回承办部门重办一次，重新计算办理期限。"
    ),
    Action.CLOSE: ActionPage(f.EmptyForm, services.workorder_close, direct=True),
    Action.REQUEST_EXTENSION: ActionPage(
        f.ExtensionRequestForm,
        extensions.workorder_request_extension,
        help="延期须说明理由，经大厅负责人批准后办理期限才顺延。",
    ),
    Action.APPROVE_EXTENSION: ActionPage(f.NoteForm, extensions.workorder_approve_extension),
    Action.REJECT_EXTENSION: ActionPage(f.ReasonForm, extensions.workorder_reject_extension, destructive=True),
    Action.SUPERVISE: ActionPage(
        f.NoteForm, extensions.workorder_supervise, help="对超期工单督办，承办部门将收到督办通知。"
    ),
}


def _buttons(order, user) -> list[dict]:
    return [
        {
            "action": a,
            "label": ACTION_LABELS[a],
            "direct": ACTION_PAGES[a].direct,
            "destructive": ACTION_PAGES[a].destructive,
        }
        for a in actions_for(order, user)
        if a in ACTION_PAGES
    ]


# --- Lists ---------------------------------------------------------------------------------------------


@roles_required(*BOARD_ROLES)
def board(request):
    """派单台: new, returned and overdue orders first, deadline colours."""
    return render(request, "workorders/board.html", {"board": selectors.board(request.user), "now": timezone.now()})


@roles_required(R.APPROVER)
def inbox(request):
    """部门工单: what the department must sign for and handle, most urgent first."""
    page = Paginator(selectors.inbox(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "workorders/inbox.html", {"page": page, "now": timezone.now()})


@roles_required(*STAFF)
def order_list(request):
    """工单查询: filters shared with the API and the figures' drill-down."""
    filters = {k: v for k, v in request.GET.items() if k != "page"}
    for key in ("on_time", "market_entity"):
        if key in filters:
            filters[key] = filters[key] == "true"
    for key in ("received_from", "received_to", "dispatched_from", "dispatched_to", "closed_from", "closed_to"):
        if filters.get(key):
            try:
                filters[key] = date.fromisoformat(filters[key])
            except ValueError:
                filters.pop(key)
                messages.error(request, "日期格式不正确，已忽略该条件。")
    for key in ("department", "site"):
        if filters.get(key) and not str(filters[key]).isdigit():
            filters.pop(key)
    page = Paginator(selectors.order_list(request.user, filters=filters), 30).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "workorders/list.html",
        {
            "page": page,
            "query": params.urlencode(),
            "statuses": Status.choices,
            "kinds": Kind.choices,
            "sources": Source.choices,
            "get": request.GET,
            "now": timezone.now(),
            "hidden": [(k, v) for k, v in request.GET.items() if k in HIDDEN_FILTERS],
        },
    )


# --- One order -------------------------------------------------------------------------------------------


@roles_required(*STAFF)
def detail(request, number: str):
    """工单详情: the request, the clock, the timeline with every actor, the allowed actions."""
    order = _load(request, number)
    reveal = request.GET.get("reveal") == "1" and can_view_personal_data(request.user, order)
    if reveal:
        audit_record(actor=request.user, action="workorder.personal_data_view", obj=order, ip=client_ip(request))
    return render(
        request,
        "workorders/detail.html",
        {
            "order": order,
            "buttons": _buttons(order, request.user),
            "reveal": reveal,
            "can_reveal": can_view_personal_data(request.user, order),
            "events": list(order.events.all()),
            "attachments": list(order.attachments.all()),
            "now": timezone.now(),
        },
    )


def _conflict(request, order, message: str):
    return render(request, "workorders/refused.html", {"order": order, "message": message}, status=409)


@roles_required(*STAFF)
def action(request, number: str, action: str):
    """One action on one order: GET shows its form, POST calls its service (400/403/409 on refusal)."""
    page = ACTION_PAGES.get(action)
    if page is None:
        raise Http404("没有该操作。")
    order = _load(request, number)
    user = request.user
    if action not in actions_for(order, user):
        try:
            check_transition(order, action, user)
        except TransitionNotAllowed as exc:
            return _conflict(request, order, exc.message)
        raise PermissionDenied("您不能对该工单执行此操作。")
    form = page.form(request.POST or None, request.FILES or None) if request.method == "POST" else page.form()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    page.service(order=order, by=user, ip=client_ip(request), **form.service_kwargs())
                    upload = request.FILES.get("attachment")
                    if upload is not None:
                        attachment_upload(order=order, file=upload, purpose="reply", by=user, ip=client_ip(request))
            except ValidationError as exc:
                f.add_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                return _conflict(request, order, exc.message)
            else:
                messages.success(request, f"已{ACTION_LABELS[action]}。")
                return redirect("workorder_detail", number=order.number)
        status = 400
    return render(
        request,
        "workorders/action.html",
        {"order": order, "form": form, "action": action, "label": ACTION_LABELS[action], "page": page},
        status=status,
    )


@roles_required(*STAFF)
def attachment_download(request, number: str, attachment_id: int):
    order = _load(request, number)
    attachment = get_object_or_404(WorkOrderAttachment, pk=attachment_id, order=order)
    handle = attachment_open_for(user=request.user, attachment=attachment, ip=client_ip(request))
    return FileResponse(handle, content_type=attachment.content_type, filename=attachment.original_name)


# --- Intake and front desk -----------------------------------------------------------------------------


@roles_required(*INTAKE_ROLES)
def intake(request):
    """办不成事反映窗口 intake (the source can be changed for letters and online complaints)."""
    initial = {"source": Source.UNRESOLVED_WINDOW, "kind": Kind.COMPLAINT}
    form = f.IntakeForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            user = request.user
            data = form.order_input(window=user.window, site_id=user.site_id)
            try:
                with transaction.atomic():
                    order, _ = services.workorder_receive(data=data, by=user, ip=client_ip(request))
                    if form.cleaned_data.get("attachment"):
                        attachment_upload(
                            order=order,
                            file=form.cleaned_data["attachment"],
                            purpose="content",
                            by=user,
                            ip=client_ip(request),
                        )
            except ValidationError as exc:
                f.add_service_errors(form, exc)
            else:
                messages.success(request, f"已登记工单 {order.number}。")
                return redirect("workorder_detail", number=order.number)
        status = 400
    return render(request, "workorders/intake.html", {"form": form}, status=status)


@roles_required(*INTAKE_ROLES)
def frontdesk(request):
    """前台快速登记: keyboard only; Enter saves and the cursor returns to the first field."""
    user = request.user
    form = f.FrontDeskForm(request.POST or None, site=user.site)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                record = front_desk_record(
                    kind=d["kind"],
                    topic=d["topic"],
                    outcome=d["outcome"],
                    window=d["window"],
                    staff=d["staff"],
                    by=user,
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                f.add_service_errors(form, exc)
            else:
                messages.success(request, f"已登记：{record.get_kind_display()}「{record.topic}」。")
                target = request.POST.get("next", "")
                if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                    target = reverse("workorder_frontdesk")  # never an open redirect
                return redirect(target)
        status = 400
    return render(request, "workorders/frontdesk.html", {"form": form}, status=status)


# --- Hotline import ------------------------------------------------------------------------------------


@roles_required(*IMPORT_ROLES)
def hotline_import(request):
    """12345 热线工单导入: small files at once, large ones by a Celery task with a progress bar."""
    form = f.ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = hotline_import_create(upload=upload, by=request.user, ip=client_ip(request))
            except ValidationError as exc:
                f.add_service_errors(form, exc)
            else:
                if upload.size <= SYNC_MAX_BYTES:
                    hotline_import_run(import_id=job.pk)
                else:
                    from evaluations.workorders.tasks import import_hotline

                    transaction.on_commit(lambda: import_hotline.delay(job.pk))
                return redirect("workorder_import_detail", import_id=job.pk)
        status = 400
    recent = HotlineImport.objects.order_by("-created_at")[:10]
    return render(request, "workorders/import.html", {"form": form, "recent": recent}, status=status)


@roles_required(*IMPORT_ROLES)
def hotline_import_detail(request, import_id: int):
    job = get_object_or_404(HotlineImport, pk=import_id)
    progress = progress_of(job)
    if request.GET.get("format") == "json":
        return JsonResponse(progress)
    return render(request, "workorders/import_detail.html", {"job": job, "progress": progress})


# --- Figures -------------------------------------------------------------------------------------------


@roles_required(*FIGURE_ROLES)
def figures(request):
    """工单统计: every figure of any period with its formula and a drill-down to the orders."""
    today = timezone.localdate()
    data = request.GET if request.GET.get("start") else {"start": today.replace(month=1, day=1), "end": today}
    form = f.PeriodForm(data)
    rows, scope = [], None
    department = request.GET.get("department")
    if form.is_valid():
        dept_id = int(department) if department and department.isdigit() else None
        scope = Scope(start=form.cleaned_data["start"], end=form.cleaned_data["end"], department_id=dept_id)
        values = figures_for(scope)
        rows = [
            {"metric": m, "value": values[m.code], "drilldown": m.drilldown(scope) if m.drilldown else None}
            for m in METRICS
        ]
    status = 200 if form.is_valid() else 400
    departments = Department.objects.filter(kind=Department.Kind.DEPARTMENT).order_by("sort_order", "id")
    return render(
        request,
        "workorders/figures.html",
        {"form": form, "rows": rows, "scope": scope, "departments": departments, "department": department or ""},
        status=status,
    )
