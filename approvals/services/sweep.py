"""The deadline sweep (时限预警): art. 32 deemed acceptance, warning cards, 容缺 reminders, set-based.

A fixed handful of SQL statements whatever the number of applications:
0. the pre-review clock (:mod:`approvals.services.prereview`): applications whose answer deadline
   passed are deemed accepted (one locking SELECT, one UPDATE, three INSERTs), then the last
   working day to answer gets its yellow card and the staff are told once;
1. the distinct promised limits of running clocks (one SELECT), to turn each limit into the last
   deadline that is yellow today (a few dates computed in Python from one calendar snapshot),
   giving one SQL CASE for the level of every row;
2. two INSERT … SELECT creating the notifications of newly reached levels for the handler and for
   the department heads (``approvals.DepartmentHead``), deduplicated by ``warn-<id>-<level>`` per
   recipient (the notification table's unique constraint);
3. one UPDATE setting the level and the level announced where either differs;
4. one SELECT + two INSERTs + one UPDATE for 容缺 promises falling due (one SMS and 消息 per material).
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
    Application,
    ApplicationMaterial,
    ClockState,
    DepartmentHead,
    WarningLevel,
)
from approvals.services.notify import ApplicantMessage, applicants_notify_many
from approvals.services.prereview import applications_deem_accepted, applications_warn_answer_due
from hall.models import Notification
from hall.services.audit import audit_record
from hall.workdays import WorkingCalendar, current_calendar


@dataclass
class SweepResult:
    changed: int = 0
    notifications: int = 0
    promise_reminders: int = 0
    deemed_accepted: int = 0
    answer_warnings: int = 0

    def __str__(self) -> str:
        return (
            f"changed={self.changed} notifications={self.notifications} "
            f"reminders={self.promise_reminders} deemed_accepted={self.deemed_accepted} "
            f"answer_warnings={self.answer_warnings}"
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
    """Deem accepted the applications left unanswered past their answer deadline (art. 32) and
    warn on the last day to answer; set the warning level (黄牌/红牌) of every running clock and
    notify each level once; remind applicants of 容缺 promises falling due. Idempotent: running
    it twice changes and sends nothing more."""
    today = today or timezone.localdate()
    calendar = calendar or current_calendar()
    result = SweepResult()
    running = Application.objects.filter(clock_state=ClockState.RUNNING, status__in=CLOCK_OPEN_STATUSES)
    warn_levels = [WarningLevel.YELLOW, WarningLevel.RED]
    with transaction.atomic():
        # First, so that the clocks it starts get their level below in the same run.
        result.deemed_accepted = applications_deem_accepted(today=today, calendar=calendar)
        result.answer_warnings = applications_warn_answer_due(today=today)
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
            "pk",
            "name",
            "promise_due_on",
            "application_id",
            "application__number",
            "application__applicant_phone",
            "application__applicant_user_id",
        )
    )
    if not rows:
        return 0
    applicants_notify_many(
        [
            ApplicantMessage(
                application_id=app_id,
                number=number,
                phone=phone,
                applicant_user_id=user_id,
                body=f"您的办件 {number} 容缺受理的材料“{name}”承诺于 {due_on:%Y年%m月%d日} 前补交，请按时提交。",
                dedupe_key=f"promise-{pk}",
                level=Notification.Level.WARNING,
            )
            for pk, name, due_on, app_id, number, phone, user_id in rows
        ]
    )
    ApplicationMaterial.objects.filter(pk__in=[row[0] for row in rows]).update(reminded_at=timezone.now())
    return len(rows)
