"""Reads of work orders shared by pages and the API: the board, the inbox, one order, figures."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from evaluations.workorders.models import (
    ACTIVE_STATUSES,
    Status,
    WarningLevel,
    WorkOrder,
    WorkOrderAttachment,
    WorkOrderEvent,
)
from evaluations.workorders.permissions import department_ids, orders_visible_to

BOARD_SECTION_SIZE = 20
LIST_RELATED = ("department", "site", "matter")


def order_for(user, number: str) -> WorkOrder | None:
    """One order in ``user``'s scope with its timeline and files (3 queries), else None."""
    return (
        orders_visible_to(user)
        .select_related("department", "site", "window", "matter", "received_by", "pending_extension_by")
        .prefetch_related(
            Prefetch(
                "events", queryset=WorkOrderEvent.objects.select_related("department").order_by("created_at", "id")
            ),
            Prefetch("attachments", queryset=WorkOrderAttachment.objects.order_by("uploaded_at", "id")),
            "applications",
        )
        .filter(number=number)
        .first()
    )


def board(user) -> dict:
    """The supervisor's dispatch board (派单台): new, returned and overdue orders first, each list
    capped and read through the partial indexes of active orders; a fixed number of queries."""
    base = orders_visible_to(user, WorkOrder.objects.select_related(*LIST_RELATED)).order_by("deadline_at", "id")
    # One index-only scan of the active orders gives every counter (status × card).
    grouped = (
        orders_visible_to(user, WorkOrder.objects.filter(status__in=ACTIVE_STATUSES))
        .order_by()
        .values_list("status", "warning_level")
        .annotate(n=Count("*"))
    )
    counts: dict[str, int] = {}
    red: dict[str, int] = {}
    for status, level, n in grouped:
        counts[status] = counts.get(status, 0) + n
        red[level] = red.get(level, 0) + n
    n = BOARD_SECTION_SIZE
    return {
        "returned": list(base.filter(status=Status.RETURNED)[:n]),
        "new": list(base.filter(status=Status.RECEIVED)[:n]),
        "overdue": list(base.filter(status__in=ACTIVE_STATUSES, warning_level=WarningLevel.RED)[:n]),
        "due_soon": list(base.filter(status__in=ACTIVE_STATUSES, warning_level=WarningLevel.YELLOW)[:n]),
        "to_call_back": list(base.filter(status=Status.REPLIED)[:n]),
        "to_close": list(base.filter(status=Status.CALLED_BACK)[:n]),
        "counts": {s: counts.get(s, 0) for s in ACTIVE_STATUSES},
        "levels": {lv: red.get(lv, 0) for lv in WarningLevel.values},
        "section_size": n,
    }


def inbox(user) -> QuerySet:
    """The department inbox (部门工单): orders to sign for and in handling, most urgent first."""
    ids = department_ids(user)
    return (
        WorkOrder.objects.filter(department_id__in=ids, status__in=[Status.DISPATCHED, Status.IN_HANDLING])
        .select_related(*LIST_RELATED)
        .order_by("deadline_at", "id")
    )


def order_list(user, *, filters: dict) -> QuerySet:
    """Orders in scope, filtered by the list page's / API's / figures' drill-down parameters."""
    qs = orders_visible_to(user, WorkOrder.objects.select_related(*LIST_RELATED))
    mapping = {
        "status": "status",
        "kind": "kind",
        "source": "source",
        "department": "department_id",
        "site": "site_id",
        "warning_level": "warning_level",
        "received_from": "received_on__gte",
        "received_to": "received_on__lte",
        "dispatched_from": "dispatched_on__gte",
        "dispatched_to": "dispatched_on__lte",
        "closed_from": "closed_on__gte",
        "closed_to": "closed_on__lte",
        "on_time": "on_time",
        "market_entity": "is_market_entity",
    }
    for key, lookup in mapping.items():
        value = filters.get(key)
        if value not in (None, ""):
            qs = qs.filter(**{lookup: value})
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(number=q.upper()) | Q(hotline_number=q))
    return qs.order_by("-received_at", "-id")
