"""Figures of the matter catalog and its reforms (事项与改革).

The catalog is small (hundreds of matters), so these read the published versions directly through
``hall.catalog.selectors``; they describe the catalog as it stands, whatever the period, except the
matters handled at towns and villages, which come from the application rollup of the period.
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from hall.catalog.models import (
    CatalogEdition,
    HandlingType,
    LicenceReformMeasure,
    MatterVersion,
    OnlineDepth,
    SubItem,
    ThemeService,
)
from hall.catalog.selectors import edition_comparison
from hall.metrics import Metric, Row, Scope, rate
from hall.models import Site
from reports.metrics.base import list_url, memoized
from reports.models import ApplicationDailyRollup

SOURCE = "事项清单（hall.catalog：已发布的事项版本、业务办理项、主题服务、清单版本）"
PUBLISHED = MatterVersion.Status.PUBLISHED


def _published(scope: Scope):
    queryset = MatterVersion.objects.filter(status=PUBLISHED)
    if scope.department_id is not None:
        queryset = queryset.filter(Q(department_id=scope.department_id) | Q(department__parent_id=scope.department_id))
    return queryset


def _totals(scope: Scope) -> dict:
    def compute():
        published = _published(scope)
        totals = published.aggregate(
            matters=Count("id"),
            immediate=Count("id", filter=Q(handling_type=HandlingType.IMMEDIATE)),
            depth4=Count("id", filter=Q(online_depth=OnlineDepth.IV)),
            depth3_plus=Count("id", filter=Q(online_depth__in=[OnlineDepth.III, OnlineDepth.IV])),
            zero_visit=Count("id", filter=Q(site_visits=0)),
            commitment=Count("id", filter=Q(commitment_allowed=True)),
            reform=Count("id", filter=~Q(licence_reform_measure="")),
            legal=Sum("legal_limit_days"),
            promised=Sum("promised_limit_days"),
        )
        totals["sub_items"] = SubItem.objects.filter(version__in=published).count()
        totals["themes"] = ThemeService.objects.filter(is_active=True).count()
        return {k: v or 0 for k, v in totals.items()}

    return memoized(("catalog", scope.department_id), compute)


def _count_by(scope: Scope, field: str, labels: dict) -> list[Row]:
    rows = _published(scope).values(field).annotate(n=Count("id")).order_by(field)
    return [Row(str(r[field]), labels.get(r[field], str(r[field])), r["n"]) for r in rows]


def _by_department(scope: Scope) -> list[Row]:
    rows = (
        _published(scope)
        .values("department_id", "department__name", "department__sort_order")
        .annotate(n=Count("id"))
        .order_by("department__sort_order", "department_id")
    )
    return [Row(str(r["department_id"]), r["department__name"], r["n"]) for r in rows]


def _comparison() -> dict | None:
    def compute():
        editions = list(CatalogEdition.objects.order_by("-effective_date", "-id")[:2])
        if len(editions) < 2:
            return None
        return edition_comparison(editions[1], editions[0])

    return memoized(("catalog", "comparison"), compute)


def _cut(name: str):
    def value(scope: Scope):
        figures = _comparison()
        return figures[name] if figures else 0

    return value


def _town_matters(scope: Scope) -> int:
    def compute():
        queryset = ApplicationDailyRollup.objects.filter(
            day__range=(scope.start, scope.end),
            site_level__in=[Site.Level.TOWN, Site.Level.VILLAGE],
            received__gt=0,
        )
        if scope.site_ids is not None:
            queryset = queryset.filter(site_id__in=sorted(scope.site_ids))
        if scope.department_id is not None:
            queryset = queryset.filter(
                Q(department_id=scope.department_id) | Q(department__parent_id=scope.department_id)
            )
        return queryset.values("matter_id").distinct().count()

    return memoized(("catalog", "town", scope), compute)


def _delegations(scope: Scope):
    """Delegations in force at the end of the period (事项下放/委托/代收代办), if the catalog has them."""
    from django.apps import apps

    try:
        model = apps.get_model("catalog", "MatterDelegation")
    except LookupError:
        return None
    queryset = model.objects.filter(effective_date__lte=scope.end).filter(
        Q(revoked_date__isnull=True) | Q(revoked_date__gt=scope.end)
    )
    if scope.site_ids is not None:
        queryset = queryset.filter(site_id__in=sorted(scope.site_ids))
    return model, queryset


def _delegated(scope: Scope) -> int:
    found = _delegations(scope)
    return 0 if found is None else found[1].values("matter_id").distinct().count()


def _delegated_breakdown(scope: Scope, dimension: str) -> list[Row]:
    found = _delegations(scope)
    if found is None:
        return []
    model, queryset = found
    if dimension == "kind":
        labels = dict(model.Kind.choices)
        rows = queryset.values("kind").annotate(n=Count("matter_id", distinct=True)).order_by("kind")
        return [Row(r["kind"], labels.get(r["kind"], r["kind"]), r["n"]) for r in rows]
    if dimension == "site":
        rows = (
            queryset.values("site_id", "site__name").annotate(n=Count("matter_id", distinct=True)).order_by("site_id")
        )
        return [Row(str(r["site_id"]), r["site__name"], r["n"]) for r in rows]
    return []


def simple(code, name, unit, formula, value, *, dimensions=(), breakdown=None, headline=False, drill=True):
    return Metric(
        code=code,
        name=name,
        unit=unit,
        formula=formula,
        section="事项与改革",
        source=SOURCE,
        value=value,
        dimensions=dimensions,
        breakdown=breakdown,
        drilldown=(lambda scope: list_url("catalog_home")) if drill else None,
        headline=headline,
    )


def _dimension_only(expected: str, rows):
    def breakdown(scope: Scope, dimension: str) -> list[Row]:
        return rows(scope) if dimension == expected else []

    return breakdown


METRICS = [
    simple(
        "catalog.matters",
        "政务服务事项数（大项）",
        "项",
        "当前已发布的事项数（每个事项计其已发布版本一次）",
        lambda s: _totals(s)["matters"],
        dimensions=("department",),
        breakdown=_dimension_only("department", _by_department),
        headline=True,
    ),
    simple(
        "catalog.sub_items",
        "业务办理项数（小项）",
        "项",
        "已发布事项版本下的业务办理项数",
        lambda s: _totals(s)["sub_items"],
    ),
    simple(
        "catalog.depth4_share",
        "全程网办（Ⅳ级）事项占比",
        "%",
        "网上办理深度为Ⅳ级的已发布事项数 ÷ 已发布事项数 × 100%",
        lambda s: rate(_totals(s)["depth4"], _totals(s)["matters"]),
        dimensions=("kind",),
        breakdown=_dimension_only("kind", lambda s: _count_by(s, "online_depth", dict(OnlineDepth.choices))),
        headline=True,
    ),
    simple(
        "catalog.depth3_share",
        "“最多跑一次”（Ⅲ级及以上）事项占比",
        "%",
        "网上办理深度为Ⅲ级或Ⅳ级的已发布事项数 ÷ 已发布事项数 × 100%",
        lambda s: rate(_totals(s)["depth3_plus"], _totals(s)["matters"]),
    ),
    simple(
        "catalog.zero_visit",
        "零跑动事项数",
        "项",
        "到办事现场次数为 0 的已发布事项数",
        lambda s: _totals(s)["zero_visit"],
        dimensions=("kind",),
        breakdown=_dimension_only(
            "kind", lambda s: [Row(r.key, f"{r.key} 次", r.value) for r in _count_by(s, "site_visits", {})]
        ),
    ),
    simple(
        "catalog.immediate",
        "即办件事项数",
        "项",
        "办件类型为即办件的已发布事项数",
        lambda s: _totals(s)["immediate"],
    ),
    simple(
        "catalog.compression",
        "承诺时限压缩率",
        "%",
        "Σ（法定办结时限 − 承诺办结时限）÷ Σ 法定办结时限 × 100%（已发布事项）",
        lambda s: rate(_totals(s)["legal"] - _totals(s)["promised"], _totals(s)["legal"]),
        headline=True,
    ),
    simple(
        "catalog.guides",
        "“一事一指南”数",
        "份",
        "已发布事项版本各生成一份办事指南，即已发布事项数",
        lambda s: _totals(s)["matters"],
    ),
    simple(
        "catalog.themes",
        "“一件事一次办”主题服务数",
        "项",
        "启用中的主题服务（一件事）数",
        lambda s: _totals(s)["themes"],
    ),
    simple(
        "catalog.commitment",
        "告知承诺事项数",
        "项",
        "实行告知承诺的已发布事项数",
        lambda s: _totals(s)["commitment"],
    ),
    simple(
        "catalog.licence_reform",
        "“证照分离”改革事项数",
        "项",
        "改革举措为直接取消审批、审批改为备案、实行告知承诺或优化审批服务的已发布事项数",
        lambda s: _totals(s)["reform"],
        dimensions=("kind",),
        breakdown=_dimension_only(
            "kind",
            lambda s: [r for r in _count_by(s, "licence_reform_measure", dict(LicenceReformMeasure.choices)) if r.key],
        ),
    ),
    simple(
        "catalog.materials_cut",
        "“四减”压减申请材料",
        "个",
        "最近两个清单版本共有事项中，新版本不再要求的材料数",
        _cut("materials_removed"),
    ),
    simple(
        "catalog.steps_cut",
        "“四减”简化审批环节",
        "个",
        "最近两个清单版本共有事项中，办理环节减少的个数之和",
        _cut("steps_removed"),
    ),
    simple(
        "catalog.days_cut",
        "“四减”压缩审批时限",
        "个工作日",
        "最近两个清单版本共有事项的承诺办结时限减少的工作日数之和",
        _cut("days_cut"),
    ),
    simple(
        "catalog.visits_cut",
        "“四减”减少跑动次数",
        "次",
        "最近两个清单版本共有事项的到办事现场次数减少之和",
        _cut("visits_cut"),
    ),
    simple(
        "catalog.town_matters",
        "乡镇（街道）、村（社区）办理事项数",
        "项",
        "期内在乡镇（街道）便民服务中心或村（社区）便民服务站有接件的不同事项数（下放与代收代办事项）",
        _town_matters,
        drill=False,
    ),
    simple(
        "catalog.delegated",
        "下放（委托）乡镇、园区事项数",
        "项",
        "统计期末仍有效的事项下放、委托或代收代办记录所涉的不同事项数",
        _delegated,
        dimensions=("kind", "site"),
        breakdown=_delegated_breakdown,
    ),
]
