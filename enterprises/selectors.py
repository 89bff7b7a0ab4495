"""Reads of the register pages and API, with their relations loaded (query count flat in the rows)."""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from enterprises.models import Deregistration, Dormancy, MarketEntity, StartupBundle


def entity_search(
    *,
    q: str = "",
    entity_type: str = "",
    status: str = "",
    on: date | None = None,
    registered_from: date | None = None,
    registered_to: date | None = None,
    deregistered_from: date | None = None,
    deregistered_to: date | None = None,
    dormant_from: date | None = None,
    dormant_to: date | None = None,
) -> QuerySet:
    """登记名录查询: by name (contains) or exact credit code, type, status, existence on a date."""
    queryset = MarketEntity.objects.select_related("site")
    q = q.strip()
    if q:
        queryset = (
            queryset.filter(credit_code=q.upper())
            if len(q) == 18 and q.isalnum()
            else queryset.filter(name__contains=q)
        )
    if entity_type:
        queryset = queryset.filter(entity_type=entity_type)
    if status:
        queryset = queryset.filter(status=status)
    if on:
        queryset = queryset.filter(
            Q(registered_on__lte=on) & (Q(deregistered_on__isnull=True) | Q(deregistered_on__gt=on))
        )
    if registered_from:
        queryset = queryset.filter(registered_on__gte=registered_from)
    if registered_to:
        queryset = queryset.filter(registered_on__lte=registered_to)
    if deregistered_from:
        queryset = queryset.filter(deregistered_on__gte=deregistered_from)
    if deregistered_to:
        queryset = queryset.filter(deregistered_on__lte=deregistered_to)
    if dormant_from or dormant_to:
        # Entities with a dormancy filing (歇业备案, not an extension) starting in the range.
        filings = Dormancy.objects.filter(entity=OuterRef("pk"), extends__isnull=True)
        if dormant_from:
            filings = filings.filter(starts_on__gte=dormant_from)
        if dormant_to:
            filings = filings.filter(starts_on__lte=dormant_to)
        queryset = queryset.filter(Exists(filings))
    return queryset.order_by("-registered_on", "-id")


def entity_with_history(pk: int) -> MarketEntity | None:
    return (
        MarketEntity.objects.select_related("site", "converted_from", "converted_to")
        .prefetch_related("acts__application", "acts__related_entity", "dormancies", "deregistrations")
        .filter(pk=pk)
        .first()
    )


def entities_in_notice() -> QuerySet:
    """简易注销公示: the deregistrations in their public notice now."""
    return (
        Deregistration.objects.filter(state=Deregistration.State.IN_NOTICE)
        .select_related("entity")
        .order_by("notice_ends_on", "id")
    )


def startup_list(*, state: str = "", returned: bool = False) -> QuerySet:
    queryset = StartupBundle.objects.select_related("bundle", "entity").filter(is_load_data=False)
    if state:
        queryset = queryset.filter(state=state)
    if returned:
        queryset = queryset.filter(return_count__gt=0)
    return queryset.order_by("-created_at")


def startup_detail(number: str) -> StartupBundle | None:
    return (
        StartupBundle.objects.select_related("bundle", "entity", "site")
        .prefetch_related(
            "tasks__application__department",
            "tasks__window",
            "tasks__done_window",
            "returns",
        )
        .filter(bundle__number=number)
        .first()
    )
