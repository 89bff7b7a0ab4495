"""Celery tasks of evaluations: thin, idempotent wrappers over services."""

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from evaluations.rollups import rollup_refresh_day, rollups_rebuild
from evaluations.sweep import cases_sweep


@shared_task(name="evaluations.refresh_rollups")
def refresh_rollups(day: str) -> str:
    """Recompute one day's 好差评 and 办结 rollups (enqueued on commit of each evaluation or case step)."""
    return str(rollup_refresh_day(day=date.fromisoformat(day)))


@shared_task(name="evaluations.rebuild_recent_rollups")
def rebuild_recent_rollups(days: int = 35) -> str:
    """Nightly: rebuild the last ``days`` days exactly (repairs any refresh a broker outage lost)."""
    today = timezone.localdate()
    return str(rollups_rebuild(start=today - timedelta(days=days), end=today))


@shared_task(name="evaluations.sweep_cases")
def sweep_cases(today: str | None = None) -> str:
    """Every 15 minutes: deadline colours of 差评 cases, notified once per level; idle services skipped."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return str(cases_sweep(today=day))
