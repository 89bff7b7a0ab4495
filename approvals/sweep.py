"""The deadline sweep (时限预警): warning cards, 容缺 reminders and art. 32 deemed acceptance, set-based.

A fixed handful of SQL statements whatever the number of applications:
1. the distinct promised limits of running clocks (one SELECT), to turn each limit into the last
   deadline that is yellow today (a few dates computed in Python from one calendar snapshot);
2. three UPDATEs setting red / yellow / none where the level differs;
3. two INSERT … SELECT creating the notifications of newly reached levels for the handler and for
   the department heads (``approvals.DepartmentHead``), deduplicated by
   ``warn-<id>-<level>`` per recipient (the notification table's unique constraint), then one
   UPDATE remembering the level notified;
4. one SELECT + one INSERT + one UPDATE for 容缺 promises falling due (one SMS per material);
5. one UPDATE flagging applications unanswered for 5 working days as deemed accepted (art. 32).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, DateField, F, Q, Value, When
from django.utils import timezone

from approvals import clock
from approvals.models import (
    CLOCK_OPEN_STATUSES,
    PRE_ACCEPTANCE_STATUSES,
    Application,
    ApplicationMaterial,
    ClockState,
    DepartmentHead,
    WarningLevel,
)
from approvals.sms import sms_enqueue_many
from hall.models import Notification
from hall.services.audit import audit_record
from hall.workdays import WorkingCalendar, current_calendar


@dataclass
class SweepResult:
    red: int = 0
    yellow: int = 0
    cleared: int = 0
    notifications: int = 0
    promise_reminders: int = 0
    deemed_accepted: int = 0

    def __str__(self) -> str:
        return (
            f"red={self.red} yellow={self.yellow} cleared={self.cleared} notifications={self.notifications} "
            f"reminders={self.promise_reminders} deemed_accepted={self.deemed_accepted}"
        )


def _yellow_cutoff_case(limits: list[int], today: date, calendar: WorkingCalendar) -> Case:
    """Per promised limit, the last deadline that is yellow today: today + threshold working days."""
    by_threshold: dict[int, list[int]] = {}
    for limit in limits:
        by_threshold.setdefault(clock.yellow_threshold_days(limit), []).append(limit)
    whens = [
        When(promised_limit_days__in=group, then=Value(calendar.add_working_days(today, threshold)))
        for threshold, group in sorted(by_threshold.items())
    ]
    return Case(*whens, default=Value(today), output_field=DateField())


def _insert_warning_notifications() -> int:
    """Notify handlers and department heads of levels reached and not yet announced (2 INSERTs)."""
    app = Application._meta.db_table
    note = Notification._meta.db_table
    head = DepartmentHead._meta.db_table
    level_sql = "CASE a.warning_level WHEN 'red' THEN 'danger' ELSE 'warning' END"
    title_sql = (
        "'办件 ' || a.number || CASE a.warning_level WHEN 'red' THEN ' 已超期（红牌）' ELSE ' 即将到期（黄牌）' END"
    )
    body_sql = "'承诺办结期限：' || CAST(a.promised_deadline AS VARCHAR(10)) || '，请尽快办理。'"
    common = f"""
        SELECT {{recipient}}, {level_sql}, {title_sql}, {body_sql}, '', 'warn-' || CAST(a.id AS VARCHAR(20))
               || '-' || a.warning_level, %s
        FROM {app} a {{join}}
        WHERE a.clock_state = 'running' AND a.warning_level IN ('yellow', 'red')
              AND a.warned_level <> a.warning_level AND {{condition}}
        ON CONFLICT DO NOTHING
    """
    insert = f"INSERT INTO {note} (recipient_id, level, title, body, link, dedupe_key, created_at) "
    now = timezone.now()
    created = 0
    with connection.cursor() as cursor:
        cursor.execute(
            insert + common.format(recipient="a.handler_id", join="", condition="a.handler_id IS NOT NULL"), [now]
        )
        created += max(cursor.rowcount, 0)
        cursor.execute(
            insert
            + common.format(
                recipient="h.user_id",
                join=f"JOIN {head} h ON h.department_id = a.department_id",
                condition="(a.handler_id IS NULL OR h.user_id <> a.handler_id)",
            ),
            [now],
        )
        created += max(cursor.rowcount, 0)
    return created


def applications_sweep_warnings(*, today: date | None = None, calendar: WorkingCalendar | None = None) -> SweepResult:
    """Set the warning level (黄牌/红牌) of every running clock and notify each level once;
    remind applicants of 容缺 promises falling due; flag unanswered applications as deemed
    accepted (art. 32). Idempotent: running it twice changes and sends nothing more."""
    today = today or timezone.localdate()
    calendar = calendar or current_calendar()
    result = SweepResult()
    running = Application.objects.filter(clock_state=ClockState.RUNNING, status__in=CLOCK_OPEN_STATUSES)
    with transaction.atomic():
        limits = list(running.order_by().values_list("promised_limit_days", flat=True).distinct())
        cutoff = _yellow_cutoff_case(limits, today, calendar)
        result.red = (
            running.filter(promised_deadline__lt=today)
            .exclude(warning_level=WarningLevel.RED)
            .update(warning_level=WarningLevel.RED)
        )
        if limits:
            result.yellow = (
                running.alias(cutoff=cutoff)
                .filter(promised_deadline__gte=today, promised_deadline__lte=F("cutoff"))
                .exclude(warning_level=WarningLevel.YELLOW)
                .update(warning_level=WarningLevel.YELLOW)
            )
            result.cleared = (
                running.alias(cutoff=cutoff)
                .filter(promised_deadline__gt=F("cutoff"))
                .exclude(warning_level=WarningLevel.NONE)
                .update(warning_level=WarningLevel.NONE)
            )
        result.notifications = _insert_warning_notifications()
        running.filter(warning_level__in=[WarningLevel.YELLOW, WarningLevel.RED]).exclude(
            warned_level=F("warning_level")
        ).update(warned_level=F("warning_level"))
        result.promise_reminders = _remind_promises(today, calendar)
        result.deemed_accepted = _flag_deemed_accepted(today, calendar)
        audit_record(actor=None, action="application.sweep_warnings", note=f"{today:%Y-%m-%d} {result}")
    return result


def _remind_promises(today: date, calendar: WorkingCalendar) -> int:
    """SMS the applicant once per 容缺 material whose promised date is within the reminder period."""
    horizon = calendar.add_working_days(today, settings.APPROVALS_PROMISE_REMINDER_DAYS)
    due = ApplicationMaterial.objects.filter(
        state=ApplicationMaterial.State.MISSING_PROMISED,
        reminded_at__isnull=True,
        promise_due_on__lte=horizon,
        application__status__in=CLOCK_OPEN_STATUSES,
    )
    rows = list(
        due.values_list(
            "pk", "name", "promise_due_on", "application_id", "application__number", "application__applicant_phone"
        )
    )
    if not rows:
        return 0
    sms_enqueue_many(
        (
            phone,
            f"您的办件 {number} 容缺受理的材料“{name}”承诺于 {due_on:%Y年%m月%d日} 前补交，请按时提交。",
            app_id,
            f"promise-{pk}",
        )
        for pk, name, due_on, app_id, number, phone in rows
    )
    ApplicationMaterial.objects.filter(pk__in=[row[0] for row in rows]).update(reminded_at=timezone.now())
    return len(rows)


def _flag_deemed_accepted(today: date, calendar: WorkingCalendar) -> int:
    """Art. 32: received (or supplemented) and unanswered for N working days → deemed accepted."""
    latest = clock.latest_receipt_without_answer(today, settings.APPROVALS_ANSWER_PERIOD_DAYS, calendar=calendar)
    return (
        Application.objects.filter(status__in=PRE_ACCEPTANCE_STATUSES, deemed_accepted=False)
        .filter(Q(supplemented_at__isnull=True, received_on__lte=latest) | Q(supplemented_at__date__lte=latest))
        .update(deemed_accepted=True)
    )
