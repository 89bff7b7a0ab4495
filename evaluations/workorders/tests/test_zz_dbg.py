import pytest
from django.utils import timezone
from evaluations.workorders import services
from evaluations.workorders.models import Source, WorkOrderDayRollup, WorkOrder
from evaluations.workorders.rollups import _PendingDays
from hall.celery import app
pytestmark = pytest.mark.django_db
def test_dbg(demo_people, django_capture_on_commit_callbacks):
    app.conf.task_always_eager = True
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order, _ = services.workorder_receive(data=services.OrderInput(source=Source.UNRESOLVED_WINDOW, kind="complaint", title="t", content="c"), by=demo_people["clerk"])
    p = [c for c in callbacks if isinstance(c, _PendingDays)][0]
    print("DAYS", p.days, order.received_on, timezone.localdate())
    print("ROWS", list(WorkOrderDayRollup.objects.values()))
    from evaluations.workorders.tasks import refresh_rollups
    r = refresh_rollups.delay([order.received_on.isoformat()])
    print("R", r, r.result if hasattr(r,'result') else None)
    print("ROWS", list(WorkOrderDayRollup.objects.values()))
