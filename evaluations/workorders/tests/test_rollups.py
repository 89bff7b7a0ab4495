"""The daily rollups (工单日汇总): rebuilt exactly and repeatably, kept current after each commit;
and 差评转办 (a 差评 routed as a work order), off by default, one order per evaluation."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from evaluations.models import Evaluation
from evaluations.services import evaluation_submit_for_service
from evaluations.signals import bad_review_submitted
from evaluations.tests.conftest import bad, serve, window  # noqa: F401 (the ``window`` fixture)
from evaluations.workorders import services
from evaluations.workorders.load import generate_workorders
from evaluations.workorders.metrics import figures_for
from evaluations.workorders.models import FrontDeskDayRollup, Source, WorkOrder, WorkOrderDayRollup
from evaluations.workorders.rollups import _PendingDays
from evaluations.workorders.tasks import refresh_rollups
from hall.metrics import Scope

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)


def table() -> tuple[list, list]:
    """Both rollup tables, as sorted lists of rows (None sorts first)."""
    fields = [f.name for f in WorkOrderDayRollup._meta.concrete_fields if f.name != "id"]
    orders = sorted(WorkOrderDayRollup.objects.values_list(*fields), key=repr)
    desk = sorted(
        FrontDeskDayRollup.objects.values_list("day", "site_id", "department_id", "kind", "records"), key=repr
    )
    return orders, desk


def test_rebuild_twice_gives_the_same_table_and_repairs_it(people):
    generate_workorders(count=300, today=TODAY, seed=5, batch_size=300)
    generated = table()
    assert generated[0] and generated[1]
    scope = Scope(start=date(2025, 12, 1), end=TODAY)
    figures = figures_for(scope)

    call_command("rebuild_workorder_rollups", "--from", "2025-01-01", "--to", "2026-12-31")
    first = table()
    call_command("rebuild_workorder_rollups", "--from", "2025-01-01", "--to", "2026-12-31")
    assert table() == first == generated

    # A damaged table (a day lost, a count wrong) is rebuilt exactly; so is the whole span by default.
    some = WorkOrderDayRollup.objects.order_by("day").first()
    WorkOrderDayRollup.objects.filter(day=some.day).delete()
    WorkOrderDayRollup.objects.filter(pk=WorkOrderDayRollup.objects.order_by("-day").first().pk).update(received=999)
    call_command("rebuild_workorder_rollups")
    assert table() == first
    assert figures_for(scope) == figures


def test_rebuild_refuses_bad_dates(people):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="日期格式"):
        call_command("rebuild_workorder_rollups", "--from", "2026-13-01", "--to", "2026-12-31")
    with pytest.raises(CommandError, match="不能早于"):
        call_command("rebuild_workorder_rollups", "--from", "2026-12-01", "--to", "2026-11-01")


@pytest.fixture
def eager_tasks():
    """Tasks run in-process when enqueued (the app the shared tasks are bound to, as the worker's)."""
    conf = refresh_rollups.app.conf  # namespaced "CELERY_" keys take precedence over the short ones
    conf.CELERY_TASK_ALWAYS_EAGER = True
    try:
        yield
    finally:
        conf.CELERY_TASK_ALWAYS_EAGER = False


def test_each_commit_refreshes_the_days_it_touches(people, department, django_capture_on_commit_callbacks, eager_tasks):
    today = timezone.localdate()
    scope = Scope(start=today, end=today)
    before = figures_for(scope)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order, _ = services.workorder_receive(
            data=services.OrderInput(
                source=Source.UNRESOLVED_WINDOW, kind="complaint", title="材料反复要求", content="往返三次。"
            ),
            by=people["clerk"],
        )
    assert sum(isinstance(c, _PendingDays) for c in callbacks) == 1, "one rollup task per transaction"
    after = figures_for(scope)
    assert after["wo_received"] == before["wo_received"] + 1
    assert after["wo_unresolved_cases"] == before["wo_unresolved_cases"] + 1

    with django_capture_on_commit_callbacks(execute=True):
        services.workorder_dispatch(order=order, department=department, by=people["supervisor"])
    with django_capture_on_commit_callbacks(execute=True):
        services.workorder_return(order=order, by=people["approver"], reason="非本部门职责")
    now = figures_for(scope)
    assert now["wo_dispatched"] == before["wo_dispatched"] + 1
    assert now["wo_returns"] == before["wo_returns"] + 1
    # The rollup equals a rebuild from the raw rows.
    kept = table()
    call_command("rebuild_workorder_rollups", "--from", today.isoformat(), "--to", today.isoformat())
    assert table() == kept


# --- 差评转办 ----------------------------------------------------------------------------------------------


@pytest.fixture
def bad_evaluation(people, window):  # noqa: F811
    record = serve(window, people["clerk"])
    return record


def test_bad_review_makes_no_order_by_default(bad_evaluation):
    evaluation = evaluation_submit_for_service(service_record=bad_evaluation, rating=bad())
    assert evaluation.level == "dissatisfied"
    assert not WorkOrder.objects.filter(source=Source.BAD_REVIEW).exists()


def test_bad_review_makes_one_order_when_switched_on_even_if_sent_twice(settings, bad_evaluation):
    settings.WORKORDER_FROM_BAD_REVIEW = True
    evaluation = evaluation_submit_for_service(service_record=bad_evaluation, rating=bad())
    bad_review_submitted.send(sender=Evaluation, evaluation=evaluation)
    orders = WorkOrder.objects.filter(source=Source.BAD_REVIEW)
    assert orders.count() == 1
    order = orders.get()
    assert order.evaluation_id == evaluation.pk and order.kind == "complaint" and order.status == "received"
    assert order.content == "等了很久" and order.requester_phone == "13800001234"
    assert order.department_id == evaluation.department_id
