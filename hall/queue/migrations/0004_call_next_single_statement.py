"""Indexes for the single-statement call-next on PostgreSQL (services._call_next_postgresql).

* ``queue_ticket_waiting_order`` / ``queue_ticket_waiting_appt_order``: the partial indexes of
  0003 plus ``id``, the tie-break of every call-next lookup (``ORDER BY queued_at, id`` and
  ``ORDER BY appointment_due_at, id``). With them each lookup is an index scan that stops at the
  first lockable row (``LIMIT 1 FOR UPDATE SKIP LOCKED``); without ``id`` PostgreSQL sorted every
  waiting ticket of the line on every call. (0003's two indexes are now a prefix of these and
  could be dropped from ``Ticket.Meta.indexes`` by the model's owner.)
* ``queue_ticket_one_active_per_window``: at most one called or serving ticket per window. The
  ORM call-next guaranteed this with the window row lock held across its reads; the one-statement
  version reads under the snapshot its statement started with, so a second click of the same
  window can race past the first one's ticket. The database now refuses it (unique violation,
  turned back into "请先处理当前号码 …" by the service).

Written as RunSQL with no model state, because the model (hall/queue/models.py) is not changed
here: ``makemigrations`` sees nothing to do. Plain SQL that PostgreSQL and SQLite both accept.
"""

from django.db import migrations

INDEXES = {
    "queue_ticket_waiting_order": (
        "CREATE INDEX queue_ticket_waiting_order ON queue_ticket "
        "(line_id, service_date, is_priority, queued_at, id) WHERE status = 'waiting'"
    ),
    "queue_ticket_waiting_appt_order": (
        "CREATE INDEX queue_ticket_waiting_appt_order ON queue_ticket "
        "(line_id, service_date, appointment_due_at, id) "
        "WHERE status = 'waiting' AND appointment_due_at IS NOT NULL"
    ),
    "queue_ticket_one_active_per_window": (
        "CREATE UNIQUE INDEX queue_ticket_one_active_per_window ON queue_ticket (window_id) "
        "WHERE status IN ('called', 'serving')"
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("queue", "0003_call_next_indexes"),
    ]

    operations = [
        migrations.RunSQL(sql=create, reverse_sql=f"DROP INDEX IF EXISTS {name}") for name, create in INDEXES.items()
    ]
