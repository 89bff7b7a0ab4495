"""Every write of the queue (取号叫号): issuing, booking, calling, serving, pausing, closing the day.

One module per topic; every public name stays importable from ``hall.queue.services``:

- ``issuing``: taking a number (取号), appointments (预约) and check-in (签到);
- ``slots``: appointment slots from the weekly opening rules (预约开放规则);
- ``calling``: call-next (叫号), its order and the ORM version (SQLite path);
- ``calling_sql``: the same call-next as ONE PostgreSQL statement;
- ``window_actions``: recall, no-show, reactivation, transfer, service, pause and resume;
- ``day_close``: daily close (日终清号).

Concurrency: calling the next ticket locks the window's row and the day rows (``LineDay``) of the
lines it serves, in id order, then picks the ticket with ``SELECT … FOR UPDATE SKIP LOCKED``.
The day-row lock serialises the choice and the interleave counter per line, so two windows can
never take the same ticket and the N:1 interleave holds exactly; SKIP LOCKED keeps a call from
waiting behind a ticket that a transfer or reactivation is changing.

On PostgreSQL all of call-next (locks, choice, updates, call log, audit entry) is ONE prepared
statement committed on its own, so the day-row lock is held only while that statement runs, never
across Python code or network round trips (``_call_next_postgresql``). On SQLite (writes already
serialised by the IMMEDIATE transaction) the ORM version runs without row locks
(``_call_next_python``); a test checks that both call in the same order and write the same rows.
"""

from hall.queue.services._common import STATUS_LABELS, LineUnavailable, _now, check_line_open
from hall.queue.services.calling import _call_next_python, _next_ticket, ticket_call_next
from hall.queue.services.calling_sql import ONE_ACTIVE_PER_WINDOW, _call_next_postgresql
from hall.queue.services.day_close import tickets_close_day
from hall.queue.services.issuing import appointment_book, appointment_check_in, ticket_issue
from hall.queue.services.slots import SLOT_HORIZON_DAYS, appointment_slots_generate
from hall.queue.services.window_actions import (
    ticket_finish,
    ticket_link_application,
    ticket_mark_no_show,
    ticket_reactivate,
    ticket_recall,
    ticket_start_service,
    ticket_transfer,
    window_pause,
    window_resume,
)

__all__ = [
    "ONE_ACTIVE_PER_WINDOW",
    "SLOT_HORIZON_DAYS",
    "STATUS_LABELS",
    "LineUnavailable",
    "_call_next_postgresql",
    "_call_next_python",
    "_next_ticket",
    "_now",
    "appointment_book",
    "appointment_check_in",
    "appointment_slots_generate",
    "check_line_open",
    "ticket_call_next",
    "ticket_finish",
    "ticket_issue",
    "ticket_link_application",
    "ticket_mark_no_show",
    "ticket_reactivate",
    "ticket_recall",
    "ticket_start_service",
    "ticket_transfer",
    "tickets_close_day",
    "window_pause",
    "window_resume",
]
