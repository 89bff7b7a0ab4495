"""Daily rollups of evaluations (好差评日汇总) and of completed applications (办结日汇总).

Both are rebuilt for a range of days by one DELETE and one INSERT … SELECT … GROUP BY each, under
one PostgreSQL advisory lock so that a day's refresh and a range rebuild never interleave. The
same statement serves the task run on commit of each evaluation or case step (one day) and
``manage.py rebuild_evaluation_rollups`` (any range): the table is always exactly what the rows say.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import IntegerField, Sum
from django.db.models.functions import Coalesce, TruncMonth

from evaluations.models import CompletionRollup, EvaluationMonthlyRollup, EvaluationRollup

logger = logging.getLogger(__name__)
LOCK_KEY = 74_010  # pg_advisory_xact_lock key of the rollup tables
BATCH_WORK_MEM = "256MB"

_BAD = "e.level IN ('dissatisfied', 'very_dissatisfied')"
_REAL_NAME = "(e.evaluator_type <> 'anonymous' OR e.evaluator_phone <> '')"
_FIRST = "NOT e.is_follow_up"


def _level(level: str) -> str:
    return f"SUM(CASE WHEN {_FIRST} AND e.level = '{level}' THEN 1 ELSE 0 END)"


# Only constant SQL is assembled here; the range is passed as parameters. The redundant
# "s.supersedes_id IS NOT NULL" lets the anti-join read the few superseding rows from the non-null
# end of the supersedes_id index instead of scanning every evaluation a second time.
EVALUATION_SELECT = f"""
SELECT e.rated_on, e.site_id, COALESCE(e.department_id, 0), COALESCE(e.window_id, 0),
       COALESCE(e.staff_id, 0), COALESCE(e.matter_id, 0), e.channel,
       SUM(CASE WHEN {_FIRST} THEN 1 ELSE 0 END),
       {_level("very_satisfied")}, {_level("satisfied")}, {_level("basically_satisfied")},
       {_level("dissatisfied")}, {_level("very_dissatisfied")},
       SUM(CASE WHEN {_FIRST} AND {_BAD} THEN 1 ELSE 0 END),
       SUM(CASE WHEN {_FIRST} AND {_BAD} AND {_REAL_NAME} THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.verification = 'true' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.rectified_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.called_back_at IS NOT NULL AND {_REAL_NAME} THEN 1 ELSE 0 END),
       SUM(CASE WHEN {_FIRST} AND e.subject = 'application' AND e.channel <> 'phone' THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.is_follow_up THEN 1 ELSE 0 END)
FROM evaluations_evaluation e
LEFT JOIN evaluations_badreviewcase c ON c.evaluation_id = e.id
WHERE e.rated_on >= %s AND e.rated_on <= %s
  AND NOT EXISTS (SELECT 1 FROM evaluations_evaluation s WHERE s.supersedes_id = e.id AND s.supersedes_id IS NOT NULL)
GROUP BY e.rated_on, e.site_id, COALESCE(e.department_id, 0), COALESCE(e.window_id, 0),
         COALESCE(e.staff_id, 0), COALESCE(e.matter_id, 0), e.channel
"""  # noqa: S608
EVALUATION_COLUMNS = (
    "day, site_id, department_id, window_id, staff_id, matter_id, channel, total, very_satisfied, satisfied, "
    "basically_satisfied, dissatisfied, very_dissatisfied, bad, bad_real_name, confirmed, rectified, called_back, "
    "applications_evaluated, follow_ups"
)

COMPLETION_SELECT = """
SELECT a.completed_on, a.site_id, a.department_id, v.matter_id, COUNT(*)
FROM approvals_application a
JOIN catalog_matterversion v ON v.id = a.matter_version_id
WHERE a.completed_on >= %s AND a.completed_on <= %s
GROUP BY a.completed_on, a.site_id, a.department_id, v.matter_id
"""


MONTHLY_KEYS = ("site_id", "department_id", "window_id", "staff_id", "matter_id")
SUMS = (
    "total",
    "very_satisfied",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "very_dissatisfied",
    "bad",
    "bad_real_name",
    "confirmed",
    "rectified",
    "called_back",
    "applications_evaluated",
    "follow_ups",
)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def _rebuild_months(cursor, start: date, end: date) -> int:
    """Recompute the monthly rows of every month touching ``start``..``end`` from the daily rows."""
    first, last = first_of_month(start), first_of_month(end)
    table = EvaluationMonthlyRollup._meta.db_table
    cursor.execute(f"DELETE FROM {table} WHERE month >= %s AND month <= %s", [first, last])  # noqa: S608
    last_day = (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    grouped = (
        EvaluationRollup.objects.filter(day__gte=first, day__lte=last_day)
        .order_by()
        .annotate(m=TruncMonth("day"))
        .values("m", *MONTHLY_KEYS)
        .annotate(**{f"s_{name}": Coalesce(Sum(name), 0, output_field=IntegerField()) for name in SUMS})
    )
    sql, params = grouped.query.sql_with_params()
    columns = ", ".join(("month", *MONTHLY_KEYS, *SUMS))
    cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)
    return max(cursor.rowcount, 0)


@dataclass
class RebuildResult:
    evaluation_rows: int = 0
    completion_rows: int = 0
    monthly_rows: int = 0

    def __str__(self) -> str:
        return (
            f"evaluation_rows={self.evaluation_rows} monthly_rows={self.monthly_rows} "
            f"completion_rows={self.completion_rows}"
        )


def _lock() -> None:
    """Serialise rebuilds; a range of a year groups millions of rows: give the transaction the
    memory of a batch job (the server's default of a few MB spills the GROUP BY to disk)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            cursor.execute(f"SET LOCAL work_mem = '{BATCH_WORK_MEM}'")


def rollups_rebuild(*, start: date, end: date) -> RebuildResult:
    """Recompute both rollup tables for ``start``..``end`` inclusive. Idempotent and exact."""
    if end < start:
        raise ValueError("end must not be before start")
    result = RebuildResult()
    evaluation_table = EvaluationRollup._meta.db_table
    completion_table = CompletionRollup._meta.db_table
    params = [start, end]
    with transaction.atomic(), connection.cursor() as cursor:
        _lock()
        cursor.execute(f"DELETE FROM {evaluation_table} WHERE day >= %s AND day <= %s", [start, end])  # noqa: S608
        cursor.execute(f"INSERT INTO {evaluation_table} ({EVALUATION_COLUMNS}) {EVALUATION_SELECT}", params)
        result.evaluation_rows = max(cursor.rowcount, 0)
        result.monthly_rows = _rebuild_months(cursor, start, end)
        cursor.execute(f"DELETE FROM {completion_table} WHERE day >= %s AND day <= %s", [start, end])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {completion_table} (day, site_id, department_id, matter_id, completed) {COMPLETION_SELECT}",
            [start, end],
        )
        result.completion_rows = max(cursor.rowcount, 0)
    return result


def rollup_refresh_day(*, day: date) -> RebuildResult:
    """The task's body: one day, exactly (safe to run twice or concurrently)."""
    return rollups_rebuild(start=day, end=day)


def rollup_enqueue(day: date) -> None:
    """Refresh ``day``'s rollups after the current transaction commits (never before)."""
    iso = day.isoformat()

    def _send() -> None:
        from evaluations.tasks import refresh_rollups

        try:
            refresh_rollups.delay(iso)
        except Exception:  # a broker outage must not fail the request; the nightly rebuild repairs it
            logger.exception("could not enqueue the evaluation rollup refresh of %s", iso)

    transaction.on_commit(_send)
