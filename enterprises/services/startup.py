"""企业开办 one-window bundle (企业开办一窗通办), built on the applications' theme intake (一件事).

One intake at the 企业开办专区 calls ``theme_application_receive``, which opens one linked
application (办件) per matter of the configured theme; this module keeps the registration data
beside it, gives each application its task kind and window, and times the bundle in the hall's
opening hours. The tasks move through the applications' own transitions: ``startup_task_finish``
only calls the approvals services in order, and ``on_application_transitioned`` (connected in
``EnterprisesConfig.ready``) reacts to them — 设立登记 approved puts the entity on the register,
the last task done finishes the bundle.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from approvals.models import Application, ApplicationMaterial, Decision, Status
from approvals.services import (
    ApplicantData,
    MaterialState,
    application_accept,
    application_accept_immediately,
    application_complete,
    application_decide,
    application_start_review,
    theme_application_receive,
)
from enterprises.hours import target_minutes
from enterprises.models import EntityType, StartupBundle, StartupReturn, StartupTask, TaskKind
from enterprises.services.exits import deregistration_on_decision
from enterprises.services.register import entity_register, validate_entity_fields
from hall.catalog.models import HandlingType, Material, MatterVersion, ThemeService
from hall.models import Site, User, Window
from hall.services.audit import audit_record, model_snapshot
from hall.workdays import current_calendar

DEFAULT_THEME_CODE = "QYKBYC"
DONE_STATUSES = (Status.COMPLETED, Status.DELIVERED)
CLOSED_STATUSES = (Status.NOT_ACCEPTED, Status.WITHDRAWN, Status.REVOKED)
STARTUP_ZONE = "企业开办专区"
# Matter name keywords → task kind (the catalog names matters in the words of the bureau).
TASK_KEYWORDS = (
    ("设立登记", TaskKind.REGISTRATION),
    ("印章", TaskKind.SEAL),
    ("刻制", TaskKind.SEAL),
    ("发票", TaskKind.INVOICE),
    ("涉税", TaskKind.INVOICE),
    ("社保", TaskKind.SOCIAL_INSURANCE),
    ("参保", TaskKind.SOCIAL_INSURANCE),
    ("公积金", TaskKind.HOUSING_FUND),
    ("开户", TaskKind.BANK),
)


def startup_theme() -> ThemeService | None:
    code = getattr(settings, "ENTERPRISES_STARTUP_THEME_CODE", DEFAULT_THEME_CODE)
    return ThemeService.objects.filter(code=code, is_active=True).first()


def task_kind_for(matter_name: str) -> str:
    return next((kind for word, kind in TASK_KEYWORDS if word in matter_name), TaskKind.OTHER)


def _task_window(app: Application, windows: list[Window]) -> Window | None:
    """The 企业开办专区 window of the task's department, else the zone's first window."""
    return next((w for w in windows if w.department_id == app.department_id), windows[0] if windows else None)


def startup_bundle_receive(
    *,
    registration: dict[str, Any],
    phone: str,
    by,
    postal_delivery: bool = False,
    postal_address: str = "",
    ip: str | None = None,
) -> StartupBundle:
    """Take a 企业开办 submission at the 企业开办专区 (complete submission: the clock starts now)."""
    errors: dict[str, str] = {}
    clean = validate_entity_fields(registration, errors)
    if clean.get("entity_type") == EntityType.INDIVIDUAL:
        errors["entity_type"] = "个体工商户请办理个体工商户设立登记，企业开办适用于企业。"
    if by.role == User.Role.CLERK and not Window.objects.filter(pk=by.window_id, zone__name=STARTUP_ZONE).exists():
        errors["window"] = f"企业开办须在{STARTUP_ZONE}的窗口受理，请引导申请人到{STARTUP_ZONE}。"
    if postal_delivery and len(postal_address.strip()) < 4:
        errors["postal_address"] = "选择免费寄递须填写寄递地址。"
    if errors:
        raise ValidationError(errors)
    theme = startup_theme()
    if theme is None:
        raise ValidationError({"theme_service": "尚未设置“企业开办”主题服务，请联系系统管理员。"})
    # The entity does not exist yet: its future legal representative applies (申请人).
    applicant = ApplicantData(
        applicant_type="natural",
        name=clean["legal_representative"],
        phone=phone,
        id_type="resident_id",
        id_number=clean["legal_representative_id_number"],
    )
    # A complete submission (材料齐全): every material of every matter is provided.
    materials = [
        MaterialState(material_id=pk, state=ApplicationMaterial.State.PROVIDED)
        for pk in Material.objects.filter(
            version__matter__theme_services=theme, version__status=MatterVersion.Status.PUBLISHED
        ).values_list("pk", flat=True)
    ]
    with transaction.atomic():
        bundle = theme_application_receive(theme_service=theme, applicant=applicant, by=by, materials=materials, ip=ip)
        calendar = current_calendar()
        now = timezone.now()
        startup = StartupBundle.objects.create(
            bundle=bundle,
            **clean,
            phone=phone,
            site_id=by.site_id,
            submitted_at=now,
            target_minutes=target_minutes(calendar),
            postal_delivery=postal_delivery,
            postal_address=postal_address.strip() if postal_delivery else "",
        )
        windows = list(Window.objects.filter(site_id=by.site_id, zone__name=STARTUP_ZONE).order_by("number"))
        apps = list(bundle.applications.select_related("matter_version").order_by("id"))
        StartupTask.objects.bulk_create(
            StartupTask(
                startup=startup,
                application=app,
                kind=task_kind_for(app.matter_version.name),
                window=_task_window(app, windows),
            )
            for app in apps
        )
        # Front desk takes the complete submission: 承诺件 are accepted at once (综合受理),
        # 即办件 are done on the spot by their window.
        for app in apps:
            if app.matter_version.handling_type != HandlingType.IMMEDIATE:
                application_accept(application=app, by=by, ip=ip)
        audit_record(actor=by, action="startup.receive", obj=startup, after=model_snapshot(startup), ip=ip)
    return startup


def _locked(startup: StartupBundle) -> StartupBundle:
    return StartupBundle.objects.select_for_update().get(pk=startup.pk)


def startup_task_finish(
    *,
    task: StartupTask,
    by,
    document_number: str = "",
    e_licence_number: str = "",
    ip: str | None = None,
) -> StartupTask:
    """Do a task at a window: the approvals transitions it still needs, each checked by its table.

    即办件: 即办办结; 承诺件 (设立登记, a formal review done on the spot): 开始审查, 准予决定 with the
    e-licence, 办结. A role the table does not allow gets the table's own refusal.
    """
    with transaction.atomic():
        startup = _locked(task.startup)
        if startup.state == StartupBundle.State.RETURNED:
            raise ValidationError({"task": "该企业开办申请已退件，须重新提交后才能继续办理。"})
        app = Application.objects.select_related("matter_version").get(pk=task.application_id)
        if app.status in DONE_STATUSES:
            raise ValidationError({"task": f"“{task.get_kind_display()}”已办结。"})
        if app.matter_version.handling_type == HandlingType.IMMEDIATE and app.status == Status.RECEIVED:
            application_accept_immediately(
                application=app,
                by=by,
                document_number=document_number,
                e_certificate_number=e_licence_number,
                ip=ip,
            )
            return StartupTask.objects.get(pk=task.pk)
        if app.status in (Status.RECEIVED, Status.SUPPLEMENTED):
            app = application_accept(application=app, by=by, ip=ip)
        if app.status == Status.ACCEPTED:
            app = application_start_review(application=app, by=by, ip=ip)
        if app.status == Status.UNDER_REVIEW:
            number = (
                document_number.strip()
                or f"{app.site.short_name or app.site.name}准字〔{timezone.localdate():%Y}〕{app.number}号"
            )
            app = application_decide(
                application=app,
                approved=True,
                document_number=number,
                e_certificate_number=e_licence_number,
                by=by,
                ip=ip,
            )
            # 统一窗口出件: the back office decides; a window hands the result out and completes it.
            if not by.window_id and by.role != User.Role.SUPERVISOR:
                return StartupTask.objects.get(pk=task.pk)
        if app.status == Status.DECIDED:
            application_complete(application=app, by=by, ip=ip)
        else:
            raise ValidationError(
                {"task": f"办件 {app.number} 当前状态为“{app.get_status_display()}”，请在办件页办理。"}
            )
    return StartupTask.objects.get(pk=task.pk)


def on_application_transitioned(sender, *, application, action, from_status, to_status, by, **kwargs) -> None:
    """Receiver of ``approvals.signals.application_transitioned`` (inside the transition's transaction)."""
    if to_status == Status.DECIDED:
        deregistration_on_decision(application=application, by=by)
    if application.bundle_id is None:
        return  # only applications of a 一件事 bundle are 企业开办 tasks: no query for the rest
    task = StartupTask.objects.select_related("startup").filter(application_id=application.pk).first()
    if task is None:
        return
    if to_status == Status.DECIDED and application.decision == Decision.APPROVED and task.kind == TaskKind.REGISTRATION:
        _register_entity(task, application, by)
    if to_status in DONE_STATUSES and task.done_at is None:
        _task_done(task, by)


def _register_entity(task: StartupTask, application: Application, by) -> None:
    startup = _locked(task.startup)
    if startup.entity_id is not None:
        return
    entity = entity_register(
        data={
            "name": startup.name,
            "entity_type": startup.entity_type,
            "legal_representative": startup.legal_representative,
            "legal_representative_id_number": startup.legal_representative_id_number,
            "registered_capital": startup.registered_capital,
            "address": startup.address,
            "industry": startup.industry,
            "contact_phone": startup.phone,
        },
        site=Site.objects.select_related("division").get(pk=startup.site_id),
        by=by,
        application=application,
    )
    startup.entity = entity
    startup.e_licence_number = application.e_certificate_number
    startup.e_licence_with_registration = bool(application.e_certificate_number)
    startup.save(update_fields=["entity", "e_licence_number", "e_licence_with_registration"])


def _task_done(task: StartupTask, by) -> None:
    now = timezone.now()
    task.done_at = now
    task.done_window_id = getattr(by, "window_id", None) or task.window_id
    task.save(update_fields=["done_at", "done_window"])
    startup = _locked(task.startup)
    if task.kind == TaskKind.SEAL and not startup.seal_made:
        startup.seal_made = True
        startup.save(update_fields=["seal_made"])
    open_tasks = (
        StartupTask.objects.filter(startup=startup, done_at__isnull=True)
        .exclude(application__status__in=CLOSED_STATUSES)
        .exists()
    )
    if open_tasks or startup.state == StartupBundle.State.FINISHED:
        return
    calendar = current_calendar()
    before = model_snapshot(startup)
    startup.state = StartupBundle.State.FINISHED
    startup.finished_at = now
    startup.finished_on = timezone.localdate(now)
    startup.elapsed_minutes = calendar.working_minutes_between(startup.submitted_at, now)
    startup.within_target = startup.elapsed_minutes <= startup.target_minutes
    startup.save()
    audit_record(actor=by, action="startup.finish", obj=startup, before=before, after=model_snapshot(startup))


def startup_return(*, startup: StartupBundle, reason: str, by, ip: str | None = None) -> StartupBundle:
    """退件: the submission goes back to the applicant with a reason; it is counted and reported."""
    if len(reason.strip()) < 4:
        raise ValidationError({"reason": "退件须写明理由（不少于 4 个字）。"})
    with transaction.atomic():
        startup = _locked(startup)
        if startup.state != StartupBundle.State.OPEN:
            raise ValidationError({"reason": f"当前状态为“{startup.get_state_display()}”，不能退件。"})
        before = model_snapshot(startup)
        startup.state = StartupBundle.State.RETURNED
        startup.return_count += 1
        startup.save(update_fields=["state", "return_count"])
        StartupReturn.objects.create(startup=startup, reason=reason.strip(), returned_by=by, returned_at=timezone.now())
        audit_record(
            actor=by, action="startup.return", obj=startup, before=before, after=model_snapshot(startup), ip=ip
        )
    return startup


def startup_resubmit(*, startup: StartupBundle, by, ip: str | None = None) -> StartupBundle:
    """The corrected submission is complete again: the working-hours clock starts afresh."""
    with transaction.atomic():
        startup = _locked(startup)
        if startup.state != StartupBundle.State.RETURNED:
            raise ValidationError({"state": "只有已退件的申请可以重新提交。"})
        now = timezone.now()
        before = model_snapshot(startup)
        startup.state = StartupBundle.State.OPEN
        startup.submitted_at = now
        startup.save(update_fields=["state", "submitted_at"])
        StartupReturn.objects.filter(startup=startup, resubmitted_at__isnull=True).update(resubmitted_at=now)
        audit_record(
            actor=by, action="startup.resubmit", obj=startup, before=before, after=model_snapshot(startup), ip=ip
        )
    return startup


def startup_delivery_record(
    *, startup: StartupBundle, tracking_number: str, by, ip: str | None = None
) -> StartupBundle:
    """免费寄递: the tracking number of the posted licence and seal."""
    number = tracking_number.strip()
    if not 6 <= len(number) <= 40 or not number.isalnum():
        raise ValidationError({"tracking_number": "请填写 6 至 40 位的邮寄单号（字母或数字）。"})
    with transaction.atomic():
        startup = _locked(startup)
        if not startup.postal_delivery:
            raise ValidationError({"tracking_number": "申请人未选择免费寄递，无需填写邮寄单号。"})
        if startup.entity_id is None:
            raise ValidationError({"tracking_number": "设立登记尚未核准，暂不能寄递营业执照。"})
        before = model_snapshot(startup)
        startup.tracking_number = number
        startup.save(update_fields=["tracking_number"])
        audit_record(actor=by, action="startup.post", obj=startup, before=before, after=model_snapshot(startup), ip=ip)
    return startup
