"""Reads of evaluations shared by the pages and the API, with their joins applied (constant queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from evaluations import metrics
from evaluations.models import CASE_OPEN_STATUSES, BadReviewCase, CaseStatus, CaseWarning, Evaluation, ReasonTag
from evaluations.permissions import case_scope, evaluation_scope
from hall.metrics import Scope, rate
from hall.queue.models import ServiceRecord

MAX_PERIOD_DAYS = 3 * 366


def parse_period(params, *, default_start: date | None = None) -> tuple[date, date]:
    """``start``/``end`` (YYYY-MM-DD) from a query, defaulting to this year so far; ValidationError per field."""
    today = timezone.localdate()
    errors = {}
    values = {}
    for name, default in (("start", default_start or date(today.year, 1, 1)), ("end", today)):
        raw = (params.get(name) or "").strip()
        if not raw:
            values[name] = default
            continue
        try:
            values[name] = date.fromisoformat(raw[:10])
        except ValueError:
            errors[name] = "日期格式应为 YYYY-MM-DD。"
    if not errors and values["end"] < values["start"]:
        errors["end"] = "结束日期不能早于开始日期。"
    if not errors and (values["end"] - values["start"]).days > MAX_PERIOD_DAYS:
        errors["end"] = "统计期间不能超过 3 年。"
    if errors:
        raise ValidationError(errors)
    return values["start"], values["end"]


def scope_for(user, start: date, end: date) -> Scope:
    """A department's approver sees their department's figures; the hall sees the county."""
    from evaluations.permissions import DEPARTMENT_ROLES

    department_id = user.department_id if getattr(user, "role", None) in DEPARTMENT_ROLES else None
    return Scope(start=start, end=end, department_id=department_id)


@dataclass(frozen=True)
class Figure:
    code: str
    name: str
    unit: str
    formula: str
    value: object
    numerator: int | None = None
    denominator: int | None = None


@dataclass
class PeriodSummary:
    """Everything the supervisor page shows for a period, from one grouped scan of the rollups."""

    totals: dict
    groups: list[dict]
    counts: dict  # completed / departments / matters / devices, from one query (metrics.scope_counts)


def period_summary(scope: Scope) -> PeriodSummary:
    """One GROUP BY department × window × staff × matter over the period's rollups (whole months
    from the monthly rollup, edge days from the daily one; two queries at most), plus one query for
    the completed applications and the catalog / device counts together."""
    groups = metrics.summed_groups(scope, ("department_id", "window_id", "staff_id", "matter_id"))
    totals = {name: sum(g[name] for g in groups) for name in metrics.SUM_FIELDS}
    totals["good"] = totals["very_satisfied"] + totals["satisfied"]
    counts = metrics.scope_counts(scope)
    totals["completed"] = counts["completed"]
    return PeriodSummary(totals=totals, groups=groups, counts=counts)


def figures(scope: Scope, summary: PeriodSummary | None = None) -> list[Figure]:
    """Every 好差评 figure of the scope with its formula, computed from :func:`period_summary`
    (the same numerators and denominators as ``evaluations.metrics``); no further query."""
    summary = summary or period_summary(scope)
    data = summary.totals
    result = [
        Figure("evaluations.count", "评价数", "件", metrics.METRIC_BY_CODE["evaluations.count"].formula, data["total"])
    ]
    for definition in metrics.RATES:
        num, den = definition.numerator(data), definition.denominator(data)
        result.append(Figure(definition.code, definition.name, "%", definition.formula, rate(num, den), num, den))
    for code, column in (("evaluations.bad_count", "bad"), ("evaluations.rectified_count", "rectified")):
        metric = metrics.METRIC_BY_CODE[code]
        result.append(Figure(code, metric.name, metric.unit, metric.formula, data[column]))
    departments = {g["department_id"] for g in summary.groups if g["total"] and g["department_id"]}
    matters = {g["matter_id"] for g in summary.groups if g["total"] and g["matter_id"]}
    for code, evaluated, catalog in (
        ("evaluations.department_coverage", len(departments), summary.counts["departments"]),
        ("evaluations.matter_coverage", len(matters), summary.counts["matters"]),
    ):
        metric = metrics.METRIC_BY_CODE[code]
        result.append(
            Figure(code, metric.name, metric.unit, metric.formula, rate(evaluated, catalog), evaluated, catalog)
        )
    metric = metrics.METRIC_BY_CODE["evaluations.devices"]
    result.append(Figure(metric.code, metric.name, metric.unit, metric.formula, summary.counts["devices"]))
    return result


@dataclass(frozen=True)
class RankRow:
    key: object
    label: str
    total: int
    good_rate: object
    bad: int
    rectified: int
    confirmed: int


def ranking(scope: Scope, dimension: str, limit: int = 10, summary: PeriodSummary | None = None) -> list[RankRow]:
    """Departments / windows / staff ordered by 好评率 then volume (from the period summary, one
    query for the labels)."""
    summary = summary or period_summary(scope)
    field = f"{dimension}_id"
    merged: dict = {}
    for g in summary.groups:
        key = g[field]
        if not key:
            continue
        acc = merged.setdefault(key, dict.fromkeys(("total", "good", "bad", "rectified", "confirmed"), 0))
        acc["total"] += g["total"]
        acc["good"] += g["very_satisfied"] + g["satisfied"]
        acc["bad"] += g["bad"]
        acc["rectified"] += g["rectified"]
        acc["confirmed"] += g["confirmed"]
    ordered = sorted(
        (k for k, v in merged.items() if v["total"]),
        key=lambda k: (-(rate(merged[k]["good"], merged[k]["total"]) or 0), -merged[k]["total"]),
    )[:limit]
    labels = metrics._labels(dimension, ordered)
    return [
        RankRow(
            key,
            labels.get(key, str(key)),
            merged[key]["total"],
            rate(merged[key]["good"], merged[key]["total"]),
            merged[key]["bad"],
            merged[key]["rectified"],
            merged[key]["confirmed"],
        )
        for key in ordered
    ]


def cases_for(user, *, filters: dict | None = None) -> QuerySet:
    """差评 cases in ``user``'s scope, most urgent first, with everything a list row shows."""
    filters = filters or {}
    rows = BadReviewCase.objects.select_related(
        "evaluation", "evaluation__window", "evaluation__staff", "evaluation__application", "department", "site"
    ).prefetch_related(Prefetch("evaluation__tags", queryset=ReasonTag.objects.all()))
    condition = case_scope(user)
    if condition is not None:
        rows = rows.filter(condition)
    if filters.get("status") in CaseStatus.values:
        rows = rows.filter(status=filters["status"])
    elif filters.get("status") == "open":
        rows = rows.exclude(status__in=[CaseStatus.CLOSED, CaseStatus.INVALIDATED])
    if filters.get("warning") in CaseWarning.values:
        rows = rows.filter(warning_level=filters["warning"])
    if filters.get("start"):
        rows = rows.filter(evaluation__rated_on__gte=filters["start"])
    if filters.get("end"):
        rows = rows.filter(evaluation__rated_on__lte=filters["end"])
    if filters.get("department"):
        rows = rows.filter(department_id=filters["department"])
    return rows.order_by("due_on", "-created_at", "-id")


def open_cases_by_deadline(user, limit: int = 20) -> list[BadReviewCase]:
    """The most urgent open steps (核实/整改/复核) by deadline. The ids come first from the partial
    index ``badreviewcase_open_due_idx`` alone, then only those rows are joined (3 queries)."""
    # Exactly the index's predicate (the open statuses always have a due date, a CHECK says so).
    rows = BadReviewCase.objects.filter(status__in=CASE_OPEN_STATUSES)
    condition = case_scope(user)
    if condition is not None:
        rows = rows.filter(condition)
    ids = list(rows.order_by("due_on", "id").values_list("id", flat=True)[:limit])
    found = (
        BadReviewCase.objects.filter(pk__in=ids)
        .select_related("evaluation", "evaluation__window", "evaluation__application", "department")
        .prefetch_related(Prefetch("evaluation__tags", queryset=ReasonTag.objects.all()))
    )
    return sorted(found, key=lambda c: (c.due_on, c.pk))


def case_for(user, pk: int) -> BadReviewCase | None:
    rows = BadReviewCase.objects.select_related(
        "evaluation__application",
        "evaluation__window",
        "evaluation__staff",
        "evaluation__evaluator_user",
        "department",
        "site",
    ).prefetch_related("events__actor", "evidence", "evaluation__tags", "evaluation__follow_ups")
    condition = case_scope(user)
    if condition is not None:
        rows = rows.filter(condition)
    return rows.filter(pk=pk).first()


def evaluations_for(user) -> QuerySet:
    rows = Evaluation.objects.select_related("window", "application", "case", "department").prefetch_related("tags")
    condition = evaluation_scope(user)
    if condition is not None:
        rows = rows.filter(condition)
    return rows.order_by("-rated_at", "-id")


def evaluated_application_ids(application_ids) -> set[int]:
    """Which of these applications already have their evaluation (one query)."""
    return set(
        Evaluation.objects.filter(
            application_id__in=list(application_ids), subject="application", is_follow_up=False
        ).values_list("application_id", flat=True)
    )


def tags_by_level() -> dict[str, list[ReasonTag]]:
    result: dict[str, list[ReasonTag]] = {}
    for tag in ReasonTag.objects.filter(is_active=True).order_by("level", "sort_order", "id"):
        result.setdefault(tag.level, []).append(tag)
    return result


def pending_service(window_id: int, *, idle_seconds: int) -> ServiceRecord | None:
    """The service the window's evaluator should ask about now: finished within the idle time, not rated."""
    since = timezone.now() - timedelta(seconds=idle_seconds)
    return (
        ServiceRecord.objects.select_related("ticket", "clerk")
        .filter(window_id=window_id, evaluation_status=ServiceRecord.EvaluationStatus.PENDING, finished_at__gte=since)
        .order_by("-finished_at")
        .first()
    )


def public_monthly(year: int) -> tuple[list[str], list[dict]]:
    """好差评公示: per department and month, counts and 好评率 (no personal data). Two queries."""
    from hall.models import Department

    scope = Scope(start=date(year, 1, 1), end=date(year, 12, 31))
    rows = (
        metrics.evaluation_rollups(scope)
        .order_by()
        .annotate(month=metrics.TruncMonth("day"))
        .values("department_id", "month")
        .annotate(**metrics._sums())
    )
    names = dict(Department.objects.filter(kind=Department.Kind.DEPARTMENT, is_active=True).values_list("pk", "name"))
    table: dict[int, dict] = {pk: {"name": name, "months": {}} for pk, name in names.items()}
    months = set()
    for row in rows:
        entry = table.get(row["department_id"])
        if entry is None:
            continue
        key = row["month"].month if hasattr(row["month"], "month") else int(str(row["month"])[5:7])
        months.add(key)
        good = row["very_satisfied"] + row["satisfied"]
        entry["months"][key] = {
            "total": row["total"],
            "good_rate": rate(good, row["total"]),
            "bad": row["bad"],
            "rectified": row["rectified"],
        }
    ordered = sorted(months)
    result = []
    for entry in table.values():
        entry["cells"] = [entry["months"].get(m) for m in ordered]
        result.append(entry)
    return [f"{m} 月" for m in ordered], result
