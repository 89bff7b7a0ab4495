"""The pre-review clock (预审答复时限, 行政许可法 art. 32) and deemed acceptance (逾期视为受理).

Once the materials arrive — a window receipt (窗口接件), an online submission (网上申请) or the
applicant's complete supplement (补正) — the bureau has 5 working days
(``settings.APPROVALS_ANSWER_PERIOD_DAYS``) to accept, refuse, or send the one complete
supplement notice. ``Application.answer_deadline`` is the last of those working days. The sweep
warns on that day (黄牌, the same colour as the legal clock's) and, once it has passed, accepts
the application in the bureau's name: accepted from the day the materials arrived, the promised
clock counted from that day, audited, the applicant told by SMS and in 消息.

Everything here is set-based: a fixed handful of queries whatever the number of applications.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import Case, F, When
from django.urls import reverse
from django.utils import timezone

from approvals import clock
from approvals.models import (
    PRE_ACCEPTANCE_STATUSES,
    Application,
    ApplicationEvent,
    ClockState,
    DepartmentHead,
    Status,
    WarningLevel,
)
from approvals.services.common import _snapshot
from approvals.services.notify import ApplicantMessage, applicants_notify_many
from approvals.signals import application_transitioned
from approvals.transitions import TRANSITIONS, Action
from hall.models import AuditLog, Notification, User
from hall.workdays import WorkingCalendar


def answer_deadline_for(received_on: date, *, calendar: WorkingCalendar) -> date:
    """The last working day to answer materials received on ``received_on`` (the day itself is not counted)."""
    return calendar.add_working_days(received_on, settings.APPROVALS_ANSWER_PERIOD_DAYS)


def materials_received_on(app: Application) -> date:
    """The day the materials the bureau must answer arrived: the supplement's day once supplemented,
    else the receipt. Art. 32 counts a deemed acceptance from this day."""
    if app.status == Status.SUPPLEMENTED and app.supplemented_at is not None:
        return timezone.localdate(app.supplemented_at)
    return app.received_on


def answer_period_over(app: Application, today: date) -> bool:
    """True when the application is unanswered and its answer deadline has passed (视为受理)."""
    return app.status in PRE_ACCEPTANCE_STATUSES and app.answer_deadline is not None and today > app.answer_deadline


def _fill_missing_deadlines(calendar: WorkingCalendar) -> int:
    """Applications received before the pre-review clock existed get their deadline (one UPDATE per
    distinct receipt day; a no-op once filled)."""
    missing = Application.objects.filter(status__in=PRE_ACCEPTANCE_STATUSES, answer_deadline__isnull=True)
    filled = 0
    for day in missing.order_by().values_list("received_on", flat=True).distinct():
        filled += missing.filter(received_on=day, supplemented_at__isnull=True).update(
            answer_deadline=answer_deadline_for(day, calendar=calendar)
        )
    for app in missing.filter(supplemented_at__isnull=False).only("pk", "status", "received_on", "supplemented_at"):
        Application.objects.filter(pk=app.pk).update(
            answer_deadline=answer_deadline_for(materials_received_on(app), calendar=calendar)
        )
        filled += 1
    return filled


def applications_deem_accepted(*, today: date, calendar: WorkingCalendar) -> int:
    """Accept in the bureau's name every application whose answer deadline passed (视为受理), once.

    Rows a clerk is acting on right now are skipped (``skip_locked``): the clerk's own action, or
    the next sweep, settles them. Call inside a transaction.
    """
    _fill_missing_deadlines(calendar)
    due = list(
        Application.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status__in=PRE_ACCEPTANCE_STATUSES, answer_deadline__lt=today)
        .select_related("matter_version")
        .order_by("pk")
    )
    if not due:
        return 0
    now = timezone.now()
    events, audits, messages, moved = [], [], [], []
    for app in due:
        # The table has a row for every pre-acceptance status; the sweep is its only actor.
        to_status = TRANSITIONS[(app.status, Action.DEEM_ACCEPT)].to_status
        before, from_status = _snapshot(app), app.status
        received_on = materials_received_on(app)
        app.status = to_status
        app.deemed_accepted = True
        app.accepted_on = received_on
        app.accepted_at = app.supplemented_at if from_status == Status.SUPPLEMENTED else app.received_at
        app.clock_state = ClockState.RUNNING
        app.promised_deadline, app.legal_deadline = clock.deadlines_for(app, calendar=calendar)
        app.warning_level = clock.warning_level_on(
            today, app.promised_deadline, app.promised_limit_days, calendar=calendar
        )
        app.warned_level = WarningLevel.NONE
        note = (
            f"材料于 {received_on:%Y-%m-%d} 收到，至 {app.answer_deadline:%Y-%m-%d} 未受理、不予受理或一次性告知补正，"
            "依《行政许可法》第三十二条视为受理，自收到材料之日起计算办理时限。"
        )
        events.append(
            ApplicationEvent(
                application=app,
                action=Action.DEEM_ACCEPT,
                from_status=from_status,
                to_status=app.status,
                actor=None,
                actor_repr="系统",
                note=note,
            )
        )
        audits.append(
            AuditLog(
                actor=None,
                actor_repr="系统",
                action=f"application.{Action.DEEM_ACCEPT}",
                object_type=app._meta.label_lower,
                object_id=str(app.pk),
                object_repr=str(app)[:200],
                before=before,
                after=_snapshot(app),
                note=note[:500],
            )
        )
        messages.append(
            ApplicantMessage(
                application_id=app.pk,
                number=app.number,
                phone=app.applicant_phone,
                applicant_user_id=app.applicant_user_id,
                body=f"您的办件 {app.number}（{app.matter_version.name}）自 {received_on:%Y年%m月%d日} 起视为受理"
                f"（行政许可法第三十二条），承诺办结期限为 {app.promised_deadline:%Y年%m月%d日}。",
                dedupe_key=f"deemed-accepted-{app.pk}",
            )
        )
        moved.append((app, from_status))
    # One UPDATE per (acceptance day, deadlines, level): a handful, whatever the number of rows.
    # ``accepted_at`` reads the old row (SET sees the values before the UPDATE).
    groups: dict[tuple, list[int]] = {}
    for app in due:
        key = (app.accepted_on, app.promised_deadline, app.legal_deadline, app.warning_level)
        groups.setdefault(key, []).append(app.pk)
    for (accepted_on, promised, legal, level), ids in groups.items():
        Application.objects.filter(pk__in=ids).update(
            status=Status.ACCEPTED,
            deemed_accepted=True,
            accepted_on=accepted_on,
            accepted_at=Case(When(status=Status.SUPPLEMENTED, then=F("supplemented_at")), default=F("received_at")),
            clock_state=ClockState.RUNNING,
            promised_deadline=promised,
            legal_deadline=legal,
            warning_level=level,
            warned_level=WarningLevel.NONE,
            updated_at=now,
        )
    ApplicationEvent.objects.bulk_create(events)
    AuditLog.objects.bulk_create(audits)
    applicants_notify_many(messages)
    for app, from_status in moved:
        application_transitioned.send(
            sender=Application,
            application=app,
            action=Action.DEEM_ACCEPT,
            from_status=from_status,
            to_status=app.status,
            by=None,
        )
    return len(due)


def applications_warn_answer_due(*, today: date) -> int:
    """黄牌 on the last working day to answer, and tell the staff once per answer period: the clerk
    who received it, the department's heads and the site's supervisors. Returns notifications created."""
    unanswered = Application.objects.filter(status__in=PRE_ACCEPTANCE_STATUSES, answer_deadline__isnull=False)
    # A deadline moved later (the calendar was corrected) takes the yellow card back.
    unanswered.filter(answer_deadline__gt=today).exclude(warning_level=WarningLevel.NONE).update(
        warning_level=WarningLevel.NONE
    )
    last_day = unanswered.filter(answer_deadline__lte=today)
    last_day.exclude(warning_level=WarningLevel.YELLOW).update(warning_level=WarningLevel.YELLOW)
    pending = list(
        last_day.exclude(warned_level=WarningLevel.YELLOW).values_list(
            "pk", "number", "answer_deadline", "received_by_id", "department_id", "site_id"
        )
    )
    if not pending:
        return 0
    heads: dict[int, list[int]] = {}
    for department_id, user_id in DepartmentHead.objects.filter(
        department_id__in={row[4] for row in pending}
    ).values_list("department_id", "user_id"):
        heads.setdefault(department_id, []).append(user_id)
    supervisors: dict[int, list[int]] = {}
    for site_id, user_id in User.objects.filter(
        role=User.Role.SUPERVISOR, is_active=True, site_id__in={row[5] for row in pending}
    ).values_list("site_id", "pk"):
        supervisors.setdefault(site_id, []).append(user_id)
    rows = []
    for pk, number, deadline, received_by_id, department_id, site_id in pending:
        recipients = {received_by_id, *heads.get(department_id, []), *supervisors.get(site_id, [])} - {None}
        for user_id in recipients:
            rows.append(
                Notification(
                    recipient_id=user_id,
                    level=Notification.Level.WARNING,
                    title=f"办件 {number} 今日须答复（预审时限）",
                    body=f"请于 {deadline:%Y-%m-%d} 前受理、不予受理或一次性告知补正；逾期依法视为受理，"
                    "并自收到材料之日起计算办理时限。",
                    link=reverse("application_detail", args=[number]),
                    dedupe_key=f"answer-due-{pk}-{deadline:%Y%m%d}",
                )
            )
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    Application.objects.filter(pk__in=[row[0] for row in pending]).update(warned_level=WarningLevel.YELLOW)
    return len(created)
