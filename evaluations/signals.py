"""Signals other apps listen to: evaluations imports none of them.

``bad_review_submitted`` is sent *inside* the transaction that records a 差评 (不满意 or 非常不满意),
right after its case (差评整改) is opened, with ``evaluation`` (the saved row; its ``case`` is
set). The work-order app (诉求工单) routes it into a work order when its setting is on; a
receiver's writes commit or roll back with the evaluation, and anything talking to the outside
world must wait for ``transaction.on_commit``.
"""

from django.dispatch import Signal

bad_review_submitted = Signal()
