"""The SMS outbox: recorded in the caller's transaction, delivered in batches after commit."""

import pytest

from approvals.models import SmsMessage
from approvals.services import notify as sms
from approvals.tasks import deliver_sms

pytestmark = pytest.mark.django_db


def test_messages_are_delivered_after_commit_in_one_task_per_batch(monkeypatch, django_capture_on_commit_callbacks):
    batches = []
    monkeypatch.setattr(deliver_sms, "delay", lambda ids: batches.append(list(ids)))
    monkeypatch.setattr(sms, "SMS_BATCH_SIZE", 2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sms.sms_enqueue_many((f"1380013800{i}", f"通知 {i}", None, f"key-{i}") for i in range(5))
        assert batches == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert sorted(pk for batch in batches for pk in batch) == sorted(SmsMessage.objects.values_list("pk", flat=True))


def test_a_batch_is_sent_once_even_when_the_task_runs_twice():
    ids = [
        SmsMessage.objects.create(phone="13800138000", body=f"【测试】通知 {i}", dedupe_key=f"k{i}").pk
        for i in range(3)
    ]
    assert deliver_sms.run(ids) == {"sent": 3}
    assert deliver_sms.run(ids) == {"skipped": 3}
    assert set(SmsMessage.objects.values_list("state", flat=True)) == {SmsMessage.State.SENT}
