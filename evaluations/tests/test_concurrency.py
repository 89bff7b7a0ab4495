"""PostgreSQL: two taps at once on the same service (or application) leave one row; the other is
told clearly. The named unique constraints back the row lock up."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from evaluations import services
from evaluations.models import Channel, Evaluation
from evaluations.services import AlreadyEvaluated
from evaluations.tests.conftest import good

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(call, n: int = 2):
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def worker():
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("ok")
        except AlreadyEvaluated as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_concurrent_submissions_for_one_service_leave_one_row(service_record):
    outcomes = _race(lambda: services.evaluation_submit_for_service(service_record=service_record, rating=good()))
    assert sorted(outcomes)[0] == "ok" and outcomes.count("ok") == 1
    assert any("一次一评" in o for o in outcomes)
    assert Evaluation.objects.filter(service_record=service_record).count() == 1


def test_two_concurrent_submissions_for_one_application_leave_one_row(completed):
    outcomes = _race(
        lambda: services.evaluation_submit_for_application(application=completed, rating=good(), channel=Channel.QR)
    )
    assert outcomes.count("ok") == 1 and any("一事一评" in o for o in outcomes)
    assert Evaluation.objects.filter(application=completed).count() == 1


def test_the_named_constraint_is_the_backstop(service_record):
    first = services.evaluation_submit_for_service(service_record=service_record, rating=good())
    duplicate = Evaluation(
        subject=first.subject,
        service_record=service_record,
        site_id=first.site_id,
        channel=Channel.QR,
        evaluator_type=first.evaluator_type,
        level=first.level,
        rated_at=first.rated_at,
        rated_on=first.rated_on,
    )
    with pytest.raises(IntegrityError, match="evaluation_one_per_service"), transaction.atomic():
        duplicate.save()
