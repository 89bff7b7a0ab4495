"""Celery tasks of reports: thin, idempotent wrappers (rollup rebuilds, the annual export)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from reports.rollups import rollups_rebuild, rollups_rebuild_recent
from reports.selectors import dashboards_warm


@shared_task(name="reports.rebuild_rollups")
def rebuild_rollups(first_day: str | None = None, last_day: str | None = None, days: int = 7) -> str:
    """Nightly (and after the hall's day close): rebuild the last ``days`` days, or a given range.
    Idempotent: a rebuild replaces the days' rows with the same counts."""
    if first_day and last_day:
        run = rollups_rebuild(
            first_day=date.fromisoformat(first_day), last_day=date.fromisoformat(last_day), trigger="task"
        )
    else:
        run = rollups_rebuild_recent(days=days)
    dashboards_warm()
    return f"{run.first_day}..{run.last_day}: {run.application_rows}+{run.queue_rows}"


@shared_task(name="reports.refresh_today")
def refresh_today() -> str:
    """Every few minutes in opening hours: today's rollup rows, for the live dashboards."""
    today = timezone.localdate()
    run = rollups_rebuild(first_day=today, last_day=today, trigger="today")
    dashboards_warm(today)
    return f"{run.first_day}: {run.application_rows}+{run.queue_rows}"


@shared_task(name="reports.warm_dashboards")
def warm_dashboards() -> str:
    """Every 5 minutes: the dashboards' snapshots (看板快照), also out of opening hours, when online
    evaluations and work orders still change figures but today's rollup is not refreshed."""
    return f"{dashboards_warm()} 个看板快照已更新"


@shared_task(name="reports.export_annual")
def export_annual(job_id: int) -> str:
    """Write the annual summary of one export job (年度数据汇总表); a finished job is left alone."""
    from reports.exports.jobs import export_job_run

    return export_job_run(job_id=job_id)
