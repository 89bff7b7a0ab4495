"""Reads of the matter catalog (事项清单): published versions, guides, search facets."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum

from hall.catalog.models import (
    CatalogEdition,
    HandlingType,
    LicenceReformMeasure,
    Material,
    MatterType,
    MatterVersion,
    OnlineDepth,
    ProcessStep,
    SubItem,
    ThemeService,
)
from hall.models import Department


def published_versions() -> QuerySet[MatterVersion]:
    """Every currently published version (已发布), with its matter and department joined."""
    return MatterVersion.objects.filter(status=MatterVersion.Status.PUBLISHED).select_related("matter", "department")


def version_with_details(queryset: QuerySet[MatterVersion]) -> QuerySet[MatterVersion]:
    """Prefetch what a guide shows: co-departments, sub-items, materials and process steps."""
    return queryset.select_related("matter", "department", "published_by").prefetch_related(
        "co_departments",
        Prefetch("sub_items", queryset=SubItem.objects.order_by("sort_order", "id")),
        Prefetch("materials", queryset=Material.objects.select_related("sub_item").order_by("sort_order", "id")),
        Prefetch("steps", queryset=ProcessStep.objects.order_by("order")),
        "matter__theme_services",
    )


def current_version(code: str) -> MatterVersion | None:
    """The published version of the matter with implementation code ``code`` (当前有效版本), or None.

    Materials, sub-items and steps are prefetched, so reading them costs no further queries.
    """
    return version_with_details(published_versions()).filter(matter__code=code).first()


def maintained_versions() -> QuerySet[MatterVersion]:
    """Per matter, the version the bureau maintains (在维护版本): its draft if any, else the published."""
    drafts = MatterVersion.objects.filter(status=MatterVersion.Status.DRAFT)
    return (
        MatterVersion.objects.filter(
            Q(status=MatterVersion.Status.DRAFT)
            | Q(status=MatterVersion.Status.PUBLISHED) & ~Q(matter__in=drafts.values("matter"))
        )
        .select_related("matter", "department", "edition")
        .order_by("matter__code")
    )


@dataclass(frozen=True)
class MatterSearch:
    """The facets of the public catalog search (事项检索) — the same for the guide page and the API."""

    q: str = ""
    department: int | None = None
    theme: str = ""
    service_object: str = ""
    matter_type: str = ""
    online_depth: str = ""
    immediate: bool | None = None
    online_apply: bool = False  # only matters that can be applied for online (网上申请: depth Ⅲ/Ⅳ)


# Depths at which the portal takes a full online application (网上申请).
ONLINE_APPLY_DEPTHS = (OnlineDepth.III, OnlineDepth.IV)


def search_published_versions(search: MatterSearch, queryset: QuerySet[MatterVersion] | None = None):
    """Published versions matching the search, ordered by department then code; one query."""
    versions = published_versions() if queryset is None else queryset
    q = search.q.strip()
    if q:
        condition = Q()
        for term in q.split()[:5]:
            condition &= (
                Q(name__icontains=term)
                | Q(keywords__icontains=term)
                | Q(matter__code__icontains=term)
                | Q(basic_code__icontains=term)
            )
        versions = versions.filter(condition)
    if search.department:
        versions = versions.filter(department_id=search.department)
    if search.theme:
        versions = versions.filter(matter__theme_services__code=search.theme, matter__theme_services__is_active=True)
    if search.service_object:
        # JSON containment is PostgreSQL-only; a quoted substring works on both backends.
        versions = versions.filter(service_objects__icontains=f'"{search.service_object}"')
    if search.matter_type:
        versions = versions.filter(matter_type=search.matter_type)
    if search.online_depth:
        versions = versions.filter(online_depth=search.online_depth)
    if search.online_apply:
        versions = versions.filter(supports_online_handling=True, online_depth__in=ONLINE_APPLY_DEPTHS)
    if search.immediate is not None:
        condition = Q(handling_type=HandlingType.IMMEDIATE)
        versions = versions.filter(condition if search.immediate else ~condition)
    return versions.order_by("department__sort_order", "matter__code")


def active_themes() -> QuerySet[ThemeService]:
    """Theme services (一件事) with their matters' published versions, for the guide pages."""
    return ThemeService.objects.filter(is_active=True).prefetch_related(
        Prefetch(
            "matters__versions",
            queryset=MatterVersion.objects.filter(status=MatterVersion.Status.PUBLISHED).select_related("department"),
            to_attr="published",
        )
    )


def catalog_departments():
    """Departments that have at least one published matter, for the search facet."""
    # EXISTS rather than a join + DISTINCT over every published version (5,000 at county scale).
    published = MatterVersion.objects.filter(department=OuterRef("pk"), status=MatterVersion.Status.PUBLISHED)
    return Department.objects.filter(Exists(published), kind=Department.Kind.DEPARTMENT).order_by("sort_order", "id")


# --- Statistics for supervisors (事项清单统计) ------------------------------------------------------


def _counts(queryset, field: str, choices=None) -> list[dict]:
    rows = queryset.values(field).annotate(n=Count("id")).order_by(field)
    labels = dict(choices.choices) if choices is not None else {}
    return [{"key": r[field], "label": labels.get(r[field], r[field]), "count": r["n"]} for r in rows]


def catalog_statistics() -> dict:
    """Counts over the published catalog; every figure computed from the versions, none typed in."""
    published = MatterVersion.objects.filter(status=MatterVersion.Status.PUBLISHED)
    totals = published.aggregate(
        total=Count("id"),
        immediate=Count("id", filter=Q(handling_type=HandlingType.IMMEDIATE)),
        legal=Sum("legal_limit_days"),
        promised=Sum("promised_limit_days"),
        online=Count("id", filter=Q(supports_online_handling=True)),
        commitment=Count("id", filter=Q(commitment_allowed=True)),
    )
    legal, promised = totals["legal"] or 0, totals["promised"] or 0
    by_department = [
        {"label": r["department__name"], "count": r["n"], "immediate": r["immediate"]}
        for r in published.values("department__name", "department__sort_order")
        .annotate(n=Count("id"), immediate=Count("id", filter=Q(handling_type=HandlingType.IMMEDIATE)))
        .order_by("department__sort_order", "department__name")
    ]
    reform = [r for r in _counts(published, "licence_reform_measure", LicenceReformMeasure) if r["key"]]
    return {
        "total": totals["total"],
        "sub_items": SubItem.objects.filter(version__status=MatterVersion.Status.PUBLISHED).count(),
        "immediate": totals["immediate"],
        "immediate_share": _share(totals["immediate"], totals["total"]),
        "online": totals["online"],
        "commitment": totals["commitment"],
        "legal_days": legal,
        "promised_days": promised,
        "compression": _share(legal - promised, legal),
        "by_type": _counts(published, "matter_type", MatterType),
        "by_department": by_department,
        "by_depth": _counts(published, "online_depth", OnlineDepth),
        "by_visits": [{**r, "label": f"{r['key']} 次"} for r in _counts(published, "site_visits")],
        "by_reform": reform,
        "themes": ThemeService.objects.filter(is_active=True).count(),
    }


def _share(part: float, whole: float) -> float | None:
    return round(part / whole * 100, 1) if whole else None


def edition_versions(edition: CatalogEdition) -> dict[int, MatterVersion]:
    """Matter id → the latest version of that matter in an edition (any status)."""
    versions = (
        MatterVersion.objects.filter(edition=edition)
        .select_related("matter")
        .prefetch_related(Prefetch("materials", queryset=Material.objects.only("id", "name", "version_id")))
        .annotate(step_count=Count("steps", distinct=True))
        .order_by("matter_id", "version")
    )
    return {v.matter_id: v for v in versions}  # later versions overwrite earlier ones


def edition_comparison(old: CatalogEdition, new: CatalogEdition) -> dict:
    """The "四减" of a revision (减材料、减环节、减时限、减跑动), computed over matters in both editions."""
    before, after = edition_versions(old), edition_versions(new)
    common = sorted(set(before) & set(after), key=lambda m: after[m].matter.code)
    figures = {
        "matters_compared": len(common),
        "matters_added": len(set(after) - set(before)),
        "matters_dropped": len(set(before) - set(after)),
        "materials_removed": 0,
        "materials_added": 0,
        "steps_removed": 0,
        "legal_days_before": 0,
        "promised_days_before": 0,
        "promised_days_after": 0,
        "days_cut": 0,
        "visits_before": 0,
        "visits_after": 0,
        "visits_cut": 0,
        "zero_visit_before": 0,
        "zero_visit_after": 0,
        "changed": [],
    }
    for matter_id in common:
        a, b = before[matter_id], after[matter_id]
        names_a = [m.name for m in a.materials.all()]
        names_b = [m.name for m in b.materials.all()]
        removed = len([n for n in names_a if n not in names_b])
        added = len([n for n in names_b if n not in names_a])
        steps_removed = max(a.step_count - b.step_count, 0)
        days_cut = a.promised_limit_days - b.promised_limit_days
        visits_cut = a.site_visits - b.site_visits
        figures["materials_removed"] += removed
        figures["materials_added"] += added
        figures["steps_removed"] += steps_removed
        figures["promised_days_before"] += a.promised_limit_days
        figures["promised_days_after"] += b.promised_limit_days
        figures["legal_days_before"] += a.legal_limit_days
        figures["days_cut"] += days_cut
        figures["visits_before"] += a.site_visits
        figures["visits_after"] += b.site_visits
        figures["visits_cut"] += visits_cut
        figures["zero_visit_before"] += a.site_visits == 0
        figures["zero_visit_after"] += b.site_visits == 0
        if removed or added or steps_removed or days_cut or visits_cut:
            figures["changed"].append(
                {
                    "code": b.matter.code,
                    "name": b.name,
                    "materials_removed": removed,
                    "materials_added": added,
                    "steps_removed": steps_removed,
                    "days_before": a.promised_limit_days,
                    "days_after": b.promised_limit_days,
                    "visits_before": a.site_visits,
                    "visits_after": b.site_visits,
                }
            )
    figures["days_cut_share"] = _share(figures["days_cut"], figures["promised_days_before"])
    return figures
