"""The tests' Celery messages go to a queue of this test run, never to the development broker's
queues (a `make run` worker would consume them against the demo database)."""

import pytest

from hall.celery import app
from hall.queue.tasks import generate_slots


def _waiting(queue: str) -> int:
    with app.connection_for_write() as connection:
        try:
            return connection.default_channel.queue_declare(queue=queue, passive=True).message_count
        except Exception:
            return 0


@pytest.mark.django_db
def test_a_task_sent_by_a_test_lands_in_the_runs_own_queue(_isolated_celery_broker):
    queue = _isolated_celery_broker
    assert queue.startswith("hall-test-")
    before_default = _waiting("celery")
    generate_slots.delay()
    assert _waiting(queue) >= 1
    assert _waiting("celery") == before_default  # the development queue is untouched
