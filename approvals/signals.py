"""Signals other apps listen to when an application (办件) moves: approvals imports none of them.

``application_transitioned`` is sent by every transition service *inside* its transaction, right
after the history event and audit record are written, so a receiver's writes commit or roll back
with the transition itself (e.g. enterprises puts a newly registered entity on the register when
its 设立登记 is decided). Receivers that talk to the outside world (SMS, Celery) must defer that
with ``transaction.on_commit``.

Arguments: ``application`` (the locked, saved row), ``action`` (an ``approvals.transitions.Action``
value), ``from_status``, ``to_status``, ``by`` (the acting user or None for the system).
"""

from django.dispatch import Signal

application_transitioned = Signal()
