"""Reads of evaluations shared by the pages and the API, with their joins applied (constant queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from evaluations import metrics
from evaluations.models import BadReviewCase, CaseStatus, CaseWarning, Evaluation, ReasonTag
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


def figures(scope: Scope) -> list[Figure]:
    """Every 好差评 figure of the scope with its formula: 2 queries for the sums, 4 for coverage and devices."""
    data = metrics.totals(scope)
    result = [
        Figure("evaluations.count", "评价数", "件", metrics.METRIC_BY_CODE["evaluations.count"].formula, data["total"])
    ]
    for definition in metrics.RATES:
        num, den = definition.numerator(data), definition.denominator(data)
        result.append(Figure(definition.code, definition.name, "%", definition.formula, rate(num, den), num, den))
    for code in ("evaluations.bad_count", "evaluations.rectified_count"):
        metric = metrics.METRIC_BY_CODE[code]
        result.append(Figure(code, metric.name, metric.unit, metric.formula, metric.value(scope)))
    for code in ("evaluations.department_coverage", "evaluations.matter_coverage", "evaluations.devices"):
        metric = metrics.METRIC_BY_CODE[code]
        result.append(Figure(code, metric.name, metric.unit, metric.formula, metric.value(scope)))
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


def ranking(scope: Scope, dimension: str, limit: int = 10) -> list[RankRow]:
    """Departments / windows / staff ordered by 好评率 then volume (one query plus one for labels)."""
    rows = []
    for key, label, d in metrics.grouped_totals(scope, dimension):
        if not key or not d["total"]:
            continue
        rows.append(
            RankRow(key, label, d["total"], rate(d["good"], d["total"]), d["bad"], d["rectified"], d["confirmed"])
        )
    rows.sort(key=lambda r: (-(r.good_rate or 0), -r.total))
    return rows[:limit]


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
