"""Pages of market-entity registration: the register, the entity page, the 企业开办 intake and bundle
page, the public notice of 简易注销 with its objection form, the figures and the import. Thin: parse,
call one selector or service, render; a refused input is re-rendered with its messages (HTTP 400)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from approvals.transitions import actions_for
from approvals.views.common import paginate, query_without, roles_required
from enterprises import forms, selectors, services
from enterprises.hours import format_minutes
from enterprises.metrics import METRICS
from enterprises.models import Deregistration, Dormancy, EntityImport, EntityStatus, StartupBundle, StartupTask
from hall.metrics import Scope
from hall.models import Site, User
from hall.privacy import mask_id_number
from hall.services.audit import client_ip
from hall.views import page_for_roles
from hall.workdays import current_calendar

R = User.Role
REGISTER_STAFF = (R.CLERK, R.SUPERVISOR)


def _site(user) -> Site:
    if not user.site_id:
        raise PermissionDenied("您的账号未设置工作场所。")
    return Site.objects.select_related("division").get(pk=user.site_id)


# --- The register ----------------------------------------------------------------------------------


@page_for_roles("entity_list")
def entity_list(request):
    """市场主体登记名录: search by name, code, type, status and dates; ID numbers masked."""
    form = forms.EntitySearchForm(request.GET or None)
    params = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.entity_search(**{k: v for k, v in params.items() if v})
    page = paginate(request, queryset)
    for entity in page.object_list:
        entity.masked_id = mask_id_number(entity.legal_representative_id_number)
    return render(
        request,
        "enterprises/entity_list.html",
        {"form": form, "page": page, "query": query_without(request, "page")},
        status=400 if form.errors else 200,
    )


def _entity_page(request, entity, *, status=200, **forms_by_name):
    context = {
        "entity": entity,
        "masked_id": mask_id_number(entity.legal_representative_id_number),
        "can_act": request.user.role in REGISTER_STAFF,
        "change_form": forms.ChangeForm(),
        "deregistration_form": forms.DeregistrationForm(
            initial={"kind": Deregistration.Kind.ORDINARY} if entity.status == EntityStatus.REVOKED else None
        ),
        "revoke_form": forms.RevokeForm(),
        "dormancy_form": forms.DormancyForm(),
        "extend_form": forms.DormancyExtendForm(),
        "convert_form": forms.ConvertForm(),
        "open_dormancy": next((d for d in entity.dormancies.all() if d.state != Dormancy.State.ENDED), None),
        **forms_by_name,
    }
    return render(request, "enterprises/entity_detail.html", context, status=status)


@page_for_roles("entity_list")
def entity_detail(request, pk: int):
    entity = selectors.entity_with_history(pk)
    if entity is None:
        raise Http404("没有找到该市场主体。")
    return _entity_page(request, entity)


@require_POST
@roles_required(*REGISTER_STAFF)
def entity_act(request, pk: int, act: str):
    """One registration act on the entity page: 变更, 注销, 歇业, 歇业延期, 个转企, 吊销."""
    entity = selectors.entity_with_history(pk)
    if entity is None:
        raise Http404("没有找到该市场主体。")
    ip = client_ip(request)
    form_classes = {
        "change": ("change_form", forms.ChangeForm),
        "deregister": ("deregistration_form", forms.DeregistrationForm),
        "dormancy": ("dormancy_form", forms.DormancyForm),
        "extend": ("extend_form", forms.DormancyExtendForm),
        "convert": ("convert_form", forms.ConvertForm),
        "revoke": ("revoke_form", forms.RevokeForm),
    }
    if act not in form_classes:
        raise Http404("未知的登记行为。")
    name, form_class = form_classes[act]
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if act == "change":
                services.entity_change(entity=entity, changes=form.changes(), by=request.user, ip=ip)
                messages.success(request, "变更登记已完成。")
            elif act == "deregister":
                record = services.deregistration_file(entity=entity, by=request.user, ip=ip, **data)
                messages.success(
                    request,
                    f"已进入简易注销公示，公示期至 {record.notice_ends_on:%Y-%m-%d}。"
                    if record.state == Deregistration.State.IN_NOTICE
                    else "注销登记已完成。",
                )
            elif act == "revoke":
                services.entity_revoke(entity=entity, by=request.user, ip=ip, **data)
                messages.success(request, "吊销营业执照已记录，该主体已退出实有主体统计。")
            elif act == "dormancy":
                services.dormancy_file(entity=entity, by=request.user, ip=ip, **data)
                messages.success(request, "歇业备案已完成。")
            elif act == "extend":
                current = entity.dormancies.exclude(state=Dormancy.State.ENDED).order_by("-starts_on").first()
                if current is None:
                    raise ValidationError({"ends_on": "没有可以延期的歇业备案。"})
                services.dormancy_extend(dormancy=current, ends_on=data["ends_on"], by=request.user, ip=ip)
                messages.success(request, "歇业延期已备案。")
            else:
                enterprise = services.entity_convert(
                    entity=entity, data=data, by=request.user, site=_site(request.user), ip=ip
                )
                messages.success(request, f"个转企已完成，新企业统一社会信用代码 {enterprise.credit_code}。")
                return redirect("entity_detail", pk=enterprise.pk)
            return redirect("entity_detail", pk=entity.pk)
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
            messages.error(request, "；".join(exc.messages))
    return _entity_page(request, entity, status=400, **{name: form, "open_act": act})


# --- 企业开办 ---------------------------------------------------------------------------------------


@page_for_roles("startup_list")
def startup_list(request):
    state = request.GET.get("state", "")
    state = state if state in StartupBundle.State.values else ""
    page = paginate(request, selectors.startup_list(state=state, returned=request.GET.get("returned") == "1"))
    return render(
        request,
        "enterprises/startup_list.html",
        {"page": page, "state": state, "query": query_without(request, "page")},
    )


@roles_required(*REGISTER_STAFF)
def startup_intake(request):
    """企业开办一窗受理 at the 企业开办专区: one submission opens every task."""
    form = forms.StartupIntakeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                startup = services.startup_bundle_receive(
                    registration=form.registration(),
                    phone=form.cleaned_data["phone"],
                    postal_delivery=form.cleaned_data["postal_delivery"],
                    postal_address=form.cleaned_data["postal_address"],
                    by=request.user,
                    ip=client_ip(request),
                )
                messages.success(request, f"企业开办已受理（{startup.bundle.number}），各项任务已同步推送。")
                return redirect("startup_detail", number=startup.bundle.number)
            except ValidationError as exc:
                forms.add_service_errors(form, exc)
    return render(request, "enterprises/startup_intake.html", {"form": form}, status=status)


def _startup_or_404(number: str) -> StartupBundle:
    startup = selectors.startup_detail(number)
    if startup is None:
        raise Http404("没有找到该企业开办申请。")
    return startup


@page_for_roles("startup_list")
def startup_detail(request, number: str, *, status: int = 200, return_form=None, delivery_form=None):
    """企业开办 bundle page: tasks with department, window and status; elapsed working hours vs target."""
    startup = _startup_or_404(number)
    calendar = current_calendar()
    now = timezone.now()
    elapsed = startup.elapsed_minutes
    if elapsed is None:
        elapsed = (
            calendar.working_minutes_between(startup.submitted_at, now)
            if startup.state == StartupBundle.State.OPEN
            else 0
        )
    tasks = list(startup.tasks.all())
    for task in tasks:
        task.can_finish = startup.state == StartupBundle.State.OPEN and bool(
            actions_for(task.application, request.user)
        )
    context = {
        "startup": startup,
        "tasks": tasks,
        "elapsed": elapsed,
        "elapsed_label": format_minutes(elapsed),
        "target_label": format_minutes(startup.target_minutes),
        "remaining_seconds": max(startup.target_minutes - elapsed, 0) * 60,
        "ticking": startup.state == StartupBundle.State.OPEN and calendar.is_open(now),
        "over_target": elapsed > startup.target_minutes,
        "masked_id": mask_id_number(startup.legal_representative_id_number),
        "can_act": request.user.role in REGISTER_STAFF,
        "return_form": return_form or forms.ReturnForm(),
        "delivery_form": delivery_form or forms.DeliveryForm(),
        "finish_form": forms.TaskFinishForm(),
    }
    return render(request, "enterprises/startup_detail.html", context, status=status)


@require_POST
@roles_required(R.CLERK, R.APPROVER, R.SUPERVISOR)
def startup_task_finish(request, number: str, task_id: int):
    task = get_object_or_404(
        StartupTask.objects.select_related("startup__bundle"), pk=task_id, startup__bundle__number=number
    )
    form = forms.TaskFinishForm(request.POST)
    form.is_valid()
    try:
        services.startup_task_finish(
            task=task,
            by=request.user,
            e_licence_number=form.cleaned_data.get("e_licence_number", ""),
            ip=client_ip(request),
        )
        messages.success(request, f"“{task.get_kind_display()}”已办理。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return startup_detail(request, number, status=400)
    return redirect("startup_detail", number=number)


@require_POST
@roles_required(*REGISTER_STAFF)
def startup_act(request, number: str, act: str):
    """退件, 重新提交, 邮寄单号 on the bundle page."""
    startup = _startup_or_404(number)
    ip = client_ip(request)
    try:
        if act == "return":
            form = forms.ReturnForm(request.POST)
            if not form.is_valid():
                return startup_detail(request, number, status=400, return_form=form)
            services.startup_return(startup=startup, reason=form.cleaned_data["reason"], by=request.user, ip=ip)
            messages.success(request, "已退件，退件理由已记录。")
        elif act == "resubmit":
            services.startup_resubmit(startup=startup, by=request.user, ip=ip)
            messages.success(request, "已重新提交，开始重新计时。")
        elif act == "post":
            form = forms.DeliveryForm(request.POST)
            if not form.is_valid():
                return startup_detail(request, number, status=400, delivery_form=form)
            services.startup_delivery_record(
                startup=startup, tracking_number=form.cleaned_data["tracking_number"], by=request.user, ip=ip
            )
            messages.success(request, "邮寄单号已记录。")
        else:
            raise Http404("未知操作。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return startup_detail(request, number, status=400)
    return redirect("startup_detail", number=number)


# --- Public notice of 简易注销 ---------------------------------------------------------------------


def notice_list(request):
    """简易注销公示 (public, no login): entities in their 20-day notice, each with an objection form."""
    page = paginate(request, selectors.entities_in_notice())
    return render(request, "enterprises/notice_list.html", {"page": page})


def objection(request, pk: int):
    """异议 to one 简易注销 during its notice (public)."""
    record = get_object_or_404(Deregistration.objects.select_related("entity"), pk=pk)
    form = forms.ObjectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.objection_file(deregistration=record, ip=client_ip(request), **form.cleaned_data)
                return render(request, "enterprises/objection_done.html", {"record": record})
            except ValidationError as exc:
                forms.add_service_errors(form, exc)
    return render(request, "enterprises/objection.html", {"record": record, "form": form}, status=status)


# --- Figures and import ----------------------------------------------------------------------------


@page_for_roles("enterprise_figures")
def figures(request):
    """市场主体统计: every figure with its formula, by type where it has one, with drill-down."""
    today = timezone.localdate()
    form = forms.FiguresForm(request.GET or None, initial={"start": date(today.year, 1, 1), "end": today})
    start, end = date(today.year, 1, 1), today
    status = 200
    if request.GET:
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        else:
            status = 400
    scope = Scope(start=start, end=end)
    rows = []
    for metric in METRICS:
        rows.append(
            {
                "metric": metric,
                "value": metric.value(scope),
                "by_type": metric.breakdown(scope, "entity_type") if metric.breakdown else [],
                "drilldown": metric.drilldown(scope) if metric.drilldown else None,
            }
        )
    return render(request, "enterprises/figures.html", {"form": form, "rows": rows, "scope": scope}, status=status)


@roles_required(*REGISTER_STAFF)
def import_upload(request):
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                record = services.entity_import_create(
                    upload=form.cleaned_data["file"], by=request.user, ip=client_ip(request)
                )
                return redirect("entity_import", pk=record.pk)
            except ValidationError as exc:
                forms.add_service_errors(form, exc)
    recent = EntityImport.objects.select_related("uploaded_by").order_by("-created_at")[:10]
    return render(
        request, "enterprises/import.html", {"form": form, "recent": recent, "headers": services.HEADERS}, status=status
    )


@roles_required(*REGISTER_STAFF)
def import_status(request, pk: int):
    """The import's progress (htmx polls the fragment while it runs) and its errors by row."""
    record = get_object_or_404(EntityImport, pk=pk)
    progress = cache.get(services.progress_key(record.pk)) or {
        "processed": record.total_rows,
        "total": record.total_rows,
    }
    total = progress.get("total") or 0
    percent = int(progress.get("processed", 0) * 100 / total) if total else (100 if record.state == "done" else 0)
    context = {"record": record, "progress": progress, "percent": min(percent, 100)}
    template = (
        "enterprises/_import_status.html" if request.headers.get("HX-Request") else "enterprises/import_status.html"
    )
    return render(request, template, context)
