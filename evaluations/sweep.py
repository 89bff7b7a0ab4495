"""The 差评 deadline sweep (差评时限预警), set-based like the applications sweep.

A fixed handful of SQL statements whatever the number of open cases:
1. one SQL CASE gives every open case its colour today (即将到期 when at most
   ``EVALUATIONS_WARNING_DAYS`` working days remain, 已超期 after the deadline);
2. one INSERT … SELECT notifies the department's approvers of each newly reached level and, for an
   overdue one, escalates to the hall supervisors — deduplicated by ``evalcase-<id>-<status>-<level>``
   per recipient (the notification table's unique constraint), so a second run sends nothing;
3. one UPDATE stores the level and the level announced where either differs;
4. one UPDATE records window services the evaluator showed too long ago as not evaluated (未评价).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, CharField, F, Q, Value, When
from django.utils import timezone

from evaluations.models import CASE_OPEN_STATUSES, BadReviewCase, CaseWarning
from hall.models import Notification, User
from hall.queue.models import ServiceRecord
from hall.services.audit import audit_record
from hall.workdays import WorkingCalendar, current_calendar

WARN_LEVELS = [CaseWarning.YELLOW, CaseWarning.RED]


@dataclass
class CaseSweepResult:
    changed: int = 0
    notifications: int = 0
    skipped_services: int = 0

    def __str__(self) -> str:
        return f"changed={self.changed} notifications={self.notifications} skipped={self.skipped_services}"


def _level_case(today: date, calendar: WorkingCalendar) -> Case:
    last_yellow = calendar.add_working_days(today, settings.EVALUATIONS_WARNING_DAYS)
    return Case(
        When(due_on__lt=today, then=Value(CaseWarning.RED)),
        When(due_on__lte=last_yellow, then=Value(CaseWarning.YELLOW)),
        default=Value(CaseWarning.NONE),
        output_field=CharField(),
    )


def _notify(pending_sql: str, params: tuple) -> int:
    """Notify, in ONE INSERT … SELECT, the department's approvers of every level reached and the
    supervisors of the overdue ones; the unique (recipient, dedupe_key) makes a repeat a no-op."""
    note = Notification._meta.db_table
    user = User._meta.db_table
    title = "'差评#' || CAST(p.id AS VARCHAR(20)) || CASE p.level_now WHEN 'red' THEN ' 已超期' ELSE ' 即将到期' END"
    body = "'本环节期限：' || CAST(p.due_on AS VARCHAR(10)) || '，请尽快处理。'"
    key = "'evalcase-' || CAST(p.id AS VARCHAR(20)) || '-' || p.status || '-' || p.level_now"
    link = "'/evaluations/cases/' || CAST(p.id AS VARCHAR(20)) || '/'"
    level = "CASE p.level_now WHEN 'red' THEN 'danger' ELSE 'warning' END"
    # Only constant SQL fragments and the ORM-compiled subquery are joined; values go as params.
    # The pending cases are computed once (MATERIALIZED), not rescanned for every recipient.
    sql = (
        f"WITH p (id, status, due_on, department_id, level_now) AS MATERIALIZED ({pending_sql}) "  # noqa: S608
        f"INSERT INTO {note} (recipient_id, level, title, body, link, dedupe_key, created_at) "
        f"SELECT u.id, {level}, {title}, {body}, {link}, {key}, %s FROM p JOIN {user} u ON "
        "u.is_active AND ((u.role = 'approver' AND u.department_id = p.department_id) "
        "OR (u.role = 'supervisor' AND p.level_now = 'red')) "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, timezone.now()])
        return max(cursor.rowcount, 0)


def cases_sweep(*, today: date | None = None, calendar: WorkingCalendar | None = None) -> CaseSweepResult:
    """Colour every open 差评 case and notify each level once; skip idle window services.
    Idempotent: running it twice changes and sends nothing more."""
    today = today or timezone.localdate()
    calendar = calendar or current_calendar()
    result = CaseSweepResult()
    open_cases = BadReviewCase.objects.filter(status__in=CASE_OPEN_STATUSES, due_on__isnull=False)
    with transaction.atomic():
        level = _level_case(today, calendar)
        rows = open_cases.order_by().alias(new_level=level)
        pending = (
            rows.filter(new_level__in=WARN_LEVELS)
            .exclude(warned_level=F("new_level"))
            .annotate(level_now=level)
            .values_list("id", "status", "due_on", "department_id", "level_now")
        )
        sql, params = pending.query.sql_with_params()
        result.notifications = _notify(sql, params)
        result.changed = rows.filter(
            ~Q(warning_level=F("new_level")) | (Q(new_level__in=WARN_LEVELS) & ~Q(warned_level=F("new_level")))
        ).update(
            warning_level=level,
            warned_level=Case(
                When(new_level__in=WARN_LEVELS, then=level), default=F("warned_level"), output_field=CharField()
            ),
        )
        idle = timezone.now() - timedelta(seconds=settings.EVALUATIONS_EVALUATOR_IDLE_SECONDS)
        result.skipped_services = ServiceRecord.objects.filter(
            evaluation_status=ServiceRecord.EvaluationStatus.PENDING, finished_at__lt=idle
        ).update(evaluation_status=ServiceRecord.EvaluationStatus.SKIPPED)
        audit_record(actor=None, action="evaluation_case.sweep", note=f"{today:%Y-%m-%d} {result}")
    return result
