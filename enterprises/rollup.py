"""The daily rollup of the register (登记流量 ``EntityFlow``) that the stock and flow figures read.

Counting 300,000 entities at a date takes a scan; summing one row per day and type does not. The
register's services call :func:`flows_record` in the same transaction as the change (an upsert
that adds, so concurrent writers do not lose counts); bulk paths (load data) call
:func:`rollup_rebuild`, which recomputes it from the register in three statements.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection, transaction
from django.db.models import Count

# (day, entity_type, site_id or None) → (registered, deregistered)
FlowKey = tuple[date, str, int | None]


def flows_record(registered: Iterable[FlowKey] = (), deregistered: Iterable[FlowKey] = ()) -> None:
    """Add to the rollup: one upsert for all the keys given."""
    totals: dict[tuple, list[int]] = {}
    for day, entity_type, site_id in registered:
        totals.setdefault((day, entity_type, site_id or 0), [0, 0])[0] += 1
    for day, entity_type, site_id in deregistered:
        totals.setdefault((day, entity_type, site_id or 0), [0, 0])[1] += 1
    _upsert(totals)


def _upsert(totals: dict[tuple, list[int]]) -> None:
    if not totals:
        return
    from enterprises.models import EntityFlow

    table = connection.ops.quote_name(EntityFlow._meta.db_table)
    # The table name is the model's own constant, quoted; every value is a bound parameter.
    columns = "(day, entity_type, site_key, registered, deregistered) VALUES (%s, %s, %s, %s, %s)"
    conflict = "ON CONFLICT (day, entity_type, site_key) DO UPDATE SET"
    adds = (
        f"registered = {table}.registered + EXCLUDED.registered, "
        f"deregistered = {table}.deregistered + EXCLUDED.deregistered"
    )
    sql = f"INSERT INTO {table} {columns} {conflict} {adds}"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(d, t, s, r, x) for (d, t, s), (r, x) in sorted(totals.items())])


def rollup_rebuild() -> int:
    """Recompute the rollup from the register (after bulk loads or deletions); returns its rows."""
    from enterprises.models import EntityFlow, MarketEntity

    totals: dict[tuple, list[int]] = {}
    for day, entity_type, site_id, n in (
        MarketEntity.objects.values_list("registered_on", "entity_type", "site_id").annotate(n=Count("id")).order_by()
    ):
        totals.setdefault((day, entity_type, site_id or 0), [0, 0])[0] += n
    for day, entity_type, site_id, n in (
        MarketEntity.objects.filter(deregistered_on__isnull=False)
        .values_list("deregistered_on", "entity_type", "site_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        totals.setdefault((day, entity_type, site_id or 0), [0, 0])[1] += n
    with transaction.atomic():
        EntityFlow.objects.all().delete()
        EntityFlow.objects.bulk_create(
            (
                EntityFlow(day=d, entity_type=t, site_key=s, registered=r, deregistered=x)
                for (d, t, s), (r, x) in totals.items()
            ),
            batch_size=5000,
        )
    return len(totals)
