"""The deadline sweep (时限预警): warning cards, 容缺 reminders and art. 32 deemed acceptance, set-based.

A fixed handful of SQL statements whatever the number of applications:
1. the distinct promised limits of running clocks (one SELECT), to turn each limit into the last
   deadline that is yellow today (a few dates computed in Python from one calendar snapshot),
   giving one SQL CASE for the level of every row;
2. two INSERT … SELECT creating the notifications of newly reached levels for the handler and for
   the department heads (``approvals.DepartmentHead``), deduplicated by ``warn-<id>-<level>`` per
   recipient (the notification table's unique constraint);
3. one UPDATE setting the level and the level announced where either differs;
4. one SELECT + one INSERT + one UPDATE for 容缺 promises falling due (one SMS per material);
5. one UPDATE flagging applications unanswered for 5 working days as deemed accepted (art. 32).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, CharField, F, Q, Value, When
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
    changed: int = 0
    notifications: int = 0
    promise_reminders: int = 0
    deemed_accepted: int = 0

    def __str__(self) -> str:
        return (
            f"changed={self.changed} notifications={self.notifications} "
            f"reminders={self.promise_reminders} deemed_accepted={self.deemed_accepted}"
        )


def _level_case(limits: list[int], today: date, calendar: WorkingCalendar) -> Case:
    """The level each running clock should show today, as one SQL CASE.

    Per promised limit, the last deadline that is yellow today is today + threshold working days;
    limits sharing a threshold share one WHEN.
    """
    by_threshold: dict[int, list[int]] = {}
    for limit in limits:
        by_threshold.setdefault(clock.yellow_threshold_days(limit), []).append(limit)
    yellow = [
        When(
            promised_limit_days__in=group,
            promised_deadline__lte=calendar.add_working_days(today, threshold),
            then=Value(WarningLevel.YELLOW),
        )
        for threshold, group in sorted(by_threshold.items())
    ]
    return Case(
        When(promised_deadline__lt=today, then=Value(WarningLevel.RED)),
        *yellow,
        default=Value(WarningLevel.NONE),
        output_field=CharField(),
    )


def _insert_warning_notifications(pending_sql: str, params: tuple) -> int:
    """Notify handlers and department heads of the levels in ``pending_sql`` (2 INSERT … SELECT).

    ``pending_sql`` selects (id, number, promised_deadline, handler_id, department_id, level_now)
    of the rows reaching a level not yet announced; the notification table's unique
    (recipient, dedupe_key) makes a repeat a no-op.
    """
    note = Notification._meta.db_table
    head = DepartmentHead._meta.db_table
    level_sql = "CASE p.level_now WHEN 'red' THEN 'danger' ELSE 'warning' END"
    title_sql = "'办件 ' || p.number || CASE p.level_now WHEN 'red' THEN ' 已超期（红牌）' ELSE ' 即将到期（黄牌）' END"
    body_sql = "'承诺办结期限：' || CAST(p.promised_deadline AS VARCHAR(10)) || '，请尽快办理。'"
    key_sql = "'warn-' || CAST(p.id AS VARCHAR(20)) || '-' || p.level_now"
    insert = f"INSERT INTO {note} (recipient_id, level, title, body, link, dedupe_key, created_at) "
    # Only constant SQL fragments and the ORM-compiled subquery are joined; values go as params.
    select = f"SELECT {{recipient}}, {level_sql}, {title_sql}, {body_sql}, '', {key_sql}, %s FROM ({pending_sql}) p "  # noqa: S608
    now = timezone.now()
    created = 0
    with connection.cursor() as cursor:
        cursor.execute(
            insert + select.format(recipient="p.handler_id") + "WHERE p.handler_id IS NOT NULL ON CONFLICT DO NOTHING",
            [now, *params],
        )
        created += max(cursor.rowcount, 0)
        cursor.execute(
            insert
            + select.format(recipient="h.user_id")
            + f"JOIN {head} h ON h.department_id = p.department_id "
            + "WHERE p.handler_id IS NULL OR h.user_id <> p.handler_id ON CONFLICT DO NOTHING",
            [now, *params],
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
    warn_levels = [WarningLevel.YELLOW, WarningLevel.RED]
    with transaction.atomic():
        limits = list(running.order_by().values_list("promised_limit_days", flat=True).distinct())
        level = _level_case(limits, today, calendar)
        rows = running.order_by().alias(new_level=level)
        # Rows reaching a level not yet announced: notify first, then remember it in the same UPDATE.
        pending = (
            rows.filter(new_level__in=warn_levels)
            .exclude(warned_level=F("new_level"))
            .annotate(level_now=level)
            .values_list("id", "number", "promised_deadline", "handler_id", "department_id", "level_now")
        )
        sql, params = pending.query.sql_with_params()
        result.notifications = _insert_warning_notifications(sql, params)
        # One UPDATE for every row whose level or announced level must change. Only unindexed
        # columns change, so PostgreSQL can update in place (HOT, see the table's fillfactor).
        result.changed = rows.filter(
            ~Q(warning_level=F("new_level")) | (Q(new_level__in=warn_levels) & ~Q(warned_level=F("new_level")))
        ).update(
            warning_level=level,
            warned_level=Case(
                When(new_level__in=warn_levels, then=level), default=F("warned_level"), output_field=CharField()
            ),
        )
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
