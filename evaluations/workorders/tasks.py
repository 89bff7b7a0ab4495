"""Celery tasks of work orders: thin, idempotent wrappers over services."""

from celery import shared_task

from evaluations.workorders.hotline import reply_push
from evaluations.workorders.importer import hotline_import_run
from evaluations.workorders.sweep import workorders_sweep_warnings


@shared_task(name="workorders.sweep_warnings")
def sweep_warnings() -> dict:
    """Every 15 minutes: deadline colours, notifications once per level, escalation (工单预警)."""
    return workorders_sweep_warnings()


@shared_task(name="workorders.push_hotline_reply", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def push_hotline_reply(reply_id: int) -> str:
    """Push one reply back to the 12345 platform; a reply already sent is skipped."""
    return reply_push(reply_id=reply_id)


@shared_task(name="workorders.import_hotline")
def import_hotline(import_id: int) -> str:
    """Import one uploaded 12345 export (all rows or none); a finished import is not run again."""
    return hotline_import_run(import_id=import_id)


@shared_task(name="workorders.refresh_rollups")
def refresh_rollups(days: list[str]) -> int:
    """Recompute the daily rollups (工单日汇总) of the ISO ``days`` touched by a commit; idempotent."""
    from datetime import date

    from evaluations.workorders.rollups import rollup_recompute_days

    return rollup_recompute_days(days=[date.fromisoformat(d) for d in days])
