"""Rollups and figures: every rate read from the rollups equals the same rate counted directly from
the evaluation rows (generated data); rebuilding twice gives the same table; the sweep run twice
notifies nobody twice."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.db.models import Q
from django.utils import timezone

from approvals.load import generate_applications
from approvals.models import Application
from evaluations import metrics
from evaluations.load import generate_evaluations
from evaluations.models import (
    BAD_LEVELS,
    GOOD_LEVELS,
    BadReviewCase,
    CaseStatus,
    Channel,
    Evaluation,
    EvaluationRollup,
    EvaluatorType,
    Subject,
)
from evaluations.rollups import rollups_rebuild
from evaluations.selectors import figures
from evaluations.sweep import cases_sweep
from evaluations.tests.conftest import serve
from hall.catalog.models import MatterVersion
from hall.metrics import Scope, rate
from hall.models import Department, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(people, window):
    today = timezone.localdate()
    generate_applications(count=400, seed=7, today=today)
    for _ in range(25):
        serve(window, people["clerk"])
    counts = generate_evaluations(seed=11, today=today)
    assert counts["evaluations"] > 250 and counts["cases"] > 0
    return Scope(start=date(today.year - 1, 1, 1), end=today)


def direct(scope: Scope) -> dict[str, int]:
    """The same figures counted straight from the rows (no rollup involved)."""
    first = Evaluation.objects.filter(
        is_follow_up=False, superseded_by__isnull=True, rated_on__gte=scope.start, rated_on__lte=scope.end
    )
    bad = first.filter(level__in=BAD_LEVELS)
    real_name = bad.filter(~Q(evaluator_type=EvaluatorType.ANONYMOUS) | ~Q(evaluator_phone=""))
    cases = BadReviewCase.objects.filter(evaluation__in=first)
    return {
        "total": first.count(),
        "good": first.filter(level__in=GOOD_LEVELS).count(),
        "bad": bad.count(),
        "confirmed": cases.filter(verification="true").count(),
        "rectified": cases.filter(rectified_at__isnull=False).count(),
        "bad_real_name": real_name.count(),
        "called_back": cases.filter(evaluation__in=real_name, called_back_at__isnull=False).count(),
        "active": first.filter(subject=Subject.APPLICATION).exclude(channel=Channel.PHONE).count(),
        "completed": Application.objects.filter(completed_on__gte=scope.start, completed_on__lte=scope.end).count(),
        "departments": first.exclude(department=None).values("department").distinct().count(),
        "matters": first.exclude(matter=None).values("matter").distinct().count(),
    }


@pytest.mark.parametrize("from_mid_month", [False, True])
def test_every_rate_from_the_rollups_equals_the_direct_count(generated, from_mid_month):
    scope = generated
    if from_mid_month:  # edge days from the daily rollup, whole months from the monthly one
        scope = Scope(start=date(scope.start.year, 3, 17), end=scope.end - timedelta(days=3))
    d = direct(scope)
    assert d["confirmed"] and d["rectified"] and d["called_back"]
    value = {m.code: m.value for m in metrics.METRICS}
    assert value["evaluations.count"](scope) == d["total"]
    assert value["evaluations.bad_count"](scope) == d["bad"]
    assert value["evaluations.rectified_count"](scope) == d["rectified"]
    assert value["evaluations.good_rate"](scope) == rate(d["good"], d["total"])
    assert value["evaluations.bad_rate"](scope) == rate(d["bad"], d["total"])
    assert value["evaluations.rectification_rate"](scope) == rate(d["rectified"], d["confirmed"])
    assert value["evaluations.callback_rate"](scope) == rate(d["called_back"], d["bad_real_name"])
    assert value["evaluations.active_rate"](scope) == rate(d["active"], d["completed"])
    departments = Department.objects.filter(kind=Department.Kind.DEPARTMENT, is_active=True).count()
    assert value["evaluations.department_coverage"](scope) == rate(d["departments"], departments)
    matters = MatterVersion.objects.filter(status="published").values("matter").distinct().count()
    assert value["evaluations.matter_coverage"](scope) == rate(d["matters"], matters)
    # The supervisor page shows the same figures (read through its one grouped scan).
    for shown in figures(scope):
        assert shown.value == value[shown.code](scope), shown.code


def test_breakdowns_add_up_and_a_department_scope_narrows(generated):
    scope = generated
    rows = metrics.METRIC_BY_CODE["evaluations.count"].breakdown(scope, "department")
    assert sum(r.value for r in rows) == metrics.METRIC_BY_CODE["evaluations.count"].value(scope)
    department_id = int(next(r.key for r in rows if r.key != "0" and r.value))
    narrowed = Scope(start=scope.start, end=scope.end, department_id=department_id)
    expected = Evaluation.objects.filter(is_follow_up=False, department_id=department_id).count()
    assert metrics.METRIC_BY_CODE["evaluations.count"].value(narrowed) == expected


def _table():
    return sorted(EvaluationRollup.objects.values_list(*[f.attname for f in EvaluationRollup._meta.fields][1:]))


def test_rebuilding_twice_gives_the_same_table(generated):
    scope = generated
    before = _table()
    rollups_rebuild(start=scope.start, end=scope.end)
    once = _table()
    rollups_rebuild(start=scope.start, end=scope.end)
    assert once == _table() == before
    assert sum(r[7] for r in once) == Evaluation.objects.filter(is_follow_up=False).count()


def test_the_sweep_run_twice_notifies_nobody_twice(generated, people, window):
    from evaluations.services import evaluation_submit_for_service
    from evaluations.tests.conftest import bad

    for _ in range(3):
        evaluation_submit_for_service(service_record=serve(window, people["clerk"]), rating=bad())
    today = timezone.localdate() + timedelta(days=60)  # every open step is overdue by then
    first = cases_sweep(today=today)
    notes = Notification.objects.filter(dedupe_key__startswith="evalcase-").count()
    assert first.changed > 0 and first.notifications > 0
    second = cases_sweep(today=today)
    assert second.changed == 0 and second.notifications == 0
    assert Notification.objects.filter(dedupe_key__startswith="evalcase-").count() == notes
    open_cases = BadReviewCase.objects.filter(status__in=[CaseStatus.SUBMITTED, CaseStatus.RECTIFYING])
    assert all(c.warning_level == "red" for c in open_cases)
    # One INSERT … SELECT reaches both: the department's approver and, overdue, the supervisor —
    # once each per case and level.
    for user in (people["approver"], people["supervisor"]):
        keys = list(
            Notification.objects.filter(recipient=user, dedupe_key__startswith="evalcase-").values_list(
                "dedupe_key", flat=True
            )
        )
        assert keys and len(keys) == len(set(keys)), user.username


def test_generate_load_makes_evaluations_and_the_rebuild_command_is_repeatable(people):
    from django.core.management import call_command

    call_command("generate_load", applications=80, evaluations=True, seed=5, stdout=StringIO())
    assert Evaluation.objects.filter(is_load_data=True).exists()
    today = timezone.localdate()
    out = StringIO()
    call_command("rebuild_evaluation_rollups", "--from", f"{today.year - 1}-01-01", "--to", str(today), stdout=out)
    first = _table()
    call_command("rebuild_evaluation_rollups", "--from", f"{today.year - 1}-01-01", "--to", str(today), stdout=out)
    assert _table() == first and "已重算" in out.getvalue()
    call_command("generate_load", applications=1, delete=True, stdout=StringIO())
    assert not Evaluation.objects.filter(is_load_data=True).exists()
