"""Celery tasks of market-entity registration: thin, idempotent wrappers over services."""

from datetime import date

from celery import shared_task
from django.utils import timezone


@shared_task(name="enterprises.sweep_deregistrations")
def sweep_deregistrations(today: str | None = None) -> int:
    """Daily: deregister 简易注销 whose 20-day public notice ended without objection."""
    from enterprises.services import deregistrations_sweep

    return deregistrations_sweep(today=date.fromisoformat(today) if today else timezone.localdate())


@shared_task(name="enterprises.sweep_dormancies")
def sweep_dormancies(today: str | None = None) -> dict:
    """Daily: start filed dormancies, resume ended ones, remind registrants before the end (歇业)."""
    from enterprises.services import dormancies_sweep

    result = dormancies_sweep(today=date.fromisoformat(today) if today else timezone.localdate())
    return {"started": result.started, "resumed": result.resumed, "reminded": result.reminded}


@shared_task(name="enterprises.run_import")
def run_entity_import(import_id: int) -> str:
    """Import one uploaded workbook (all or nothing); running it twice does nothing more."""
    from enterprises.models import EntityImport
    from enterprises.services import entity_import_run
    from hall.models import Site

    record = EntityImport.objects.select_related("uploaded_by").get(pk=import_id)
    site = Site.objects.select_related("division").get(pk=record.uploaded_by.site_id)
    return entity_import_run(entity_import=record, site=site, by=record.uploaded_by).state
