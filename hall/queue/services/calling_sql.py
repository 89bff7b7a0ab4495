"""Call-next on PostgreSQL as ONE prepared statement; provably equal to ``calling._call_next_python``."""

from __future__ import annotations

import functools
import re
import weakref
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone

from hall.models import User, Window
from hall.queue.models import (
    CallLog,
    LineDay,
    QueueLine,
    Ticket,
    WindowLine,
)
from hall.queue.services._common import (
    _window_busy,
    _window_not_open,
)

# The unique partial index (migration 0004) that holds "one called or serving ticket per window"
# even when two clicks of the same window race past each other's snapshot.
ONE_ACTIVE_PER_WINDOW = "queue_ticket_one_active_per_window"

# Which lookup found the ticket (the ``code`` the statement returns) and the class it is called as.
_CALL_CODES = {
    1: CallLog.CallClass.APPOINTMENT,  # a due appointment
    2: CallLog.CallClass.PRIORITY,  # a priority ticket on its turn of the N:1 interleave
    3: CallLog.CallClass.NORMAL,  # the first normal ticket
    4: CallLog.CallClass.PRIORITY,  # a priority ticket when no normal ticket waits
}

# The statement. ``{…}`` are table and column names (from ``_meta``) and the fixed state values of
# the models (``Ticket.Status``, ``CallLog.CallClass``… rendered as SQL literals so that the
# planner can match the partial indexes in a prepared, generic plan); ``%(…)s`` are the values of
# each call, always passed as parameters.
_CALL_NEXT_SQL = """
WITH win AS (
    SELECT w.{w_id}, w.{w_number}, w.{w_site}, w.{w_status},
           (SELECT a.{t_number} FROM {ticket} a
             WHERE a.{t_window} = w.{w_id} AND a.{t_status} IN ({called}, {serving})
             ORDER BY a.{t_date}, a.{t_queued}, a.{t_id} LIMIT 1) AS current_number
    FROM {window} w
    WHERE w.{w_id} = %(window)s
    FOR UPDATE OF w
),
ready AS (
    SELECT 1 FROM win WHERE win.{w_status} = {open} AND win.current_number IS NULL
),
days AS (
    SELECT d.{d_id} AS id, d.{d_line} AS line_id, d.{d_streak} AS streak, l.{l_interleave} AS interleave
    FROM {lineday} d
    JOIN {line} l ON l.{l_id} = d.{d_line}
    WHERE d.{d_date} = %(today)s
      AND l.{l_active}
      AND d.{d_line} IN (SELECT wl.{wl_line} FROM {windowline} wl WHERE wl.{wl_window} = %(window)s)
      AND EXISTS (SELECT 1 FROM ready)
    ORDER BY d.{d_id}
    FOR UPDATE OF d
),
pick AS (
    -- COALESCE evaluates its arguments only until one is not null: the later lookups run (and
    -- lock) only when the earlier ones found nothing. Each lookup takes the first waiting ticket
    -- of each line that it can lock, then the earliest of those.
    SELECT COALESCE(
        (SELECT ARRAY[c.id, 1] FROM days d CROSS JOIN LATERAL (
            SELECT t.{t_id} AS id, t.{t_due} AS k FROM {ticket} t
            WHERE t.{t_line} = d.line_id AND t.{t_date} = %(today)s AND t.{t_status} = {waiting}
              AND t.{t_due} IS NOT NULL AND t.{t_due} <= %(now)s
              AND (t.{t_target} IS NULL OR t.{t_target} = %(window)s)
            ORDER BY t.{t_due}, t.{t_id} LIMIT 1 FOR UPDATE OF t SKIP LOCKED) c
         ORDER BY c.k, c.id LIMIT 1),
        (SELECT ARRAY[c.id, 2] FROM days d CROSS JOIN LATERAL (
            SELECT t.{t_id} AS id, t.{t_queued} AS k FROM {ticket} t
            WHERE t.{t_line} = d.line_id AND t.{t_date} = %(today)s AND t.{t_status} = {waiting}
              AND t.{t_priority}
              AND (t.{t_target} IS NULL OR t.{t_target} = %(window)s)
            ORDER BY t.{t_queued}, t.{t_id} LIMIT 1 FOR UPDATE OF t SKIP LOCKED) c
         WHERE d.streak >= d.interleave
         ORDER BY c.k, c.id LIMIT 1),
        (SELECT ARRAY[c.id, 3] FROM days d CROSS JOIN LATERAL (
            SELECT t.{t_id} AS id, t.{t_queued} AS k FROM {ticket} t
            WHERE t.{t_line} = d.line_id AND t.{t_date} = %(today)s AND t.{t_status} = {waiting}
              AND NOT t.{t_priority}
              AND (t.{t_target} IS NULL OR t.{t_target} = %(window)s)
            ORDER BY t.{t_queued}, t.{t_id} LIMIT 1 FOR UPDATE OF t SKIP LOCKED) c
         ORDER BY c.k, c.id LIMIT 1),
        (SELECT ARRAY[c.id, 4] FROM days d CROSS JOIN LATERAL (
            SELECT t.{t_id} AS id, t.{t_queued} AS k FROM {ticket} t
            WHERE t.{t_line} = d.line_id AND t.{t_date} = %(today)s AND t.{t_status} = {waiting}
              AND t.{t_priority}
              AND (t.{t_target} IS NULL OR t.{t_target} = %(window)s)
            ORDER BY t.{t_queued}, t.{t_id} LIMIT 1 FOR UPDATE OF t SKIP LOCKED) c
         ORDER BY c.k, c.id LIMIT 1)
    ) AS choice
),
upd AS (
    UPDATE {ticket} t
    SET {t_status} = {called},
        {t_window} = %(window)s,
        {t_clerk} = %(clerk)s,
        {t_target} = NULL,
        {t_call_count} = 1,
        {t_last_called} = %(now)s,
        {t_called} = COALESCE(t.{t_called}, %(now)s),
        {t_wait} = CASE WHEN t.{t_called} IS NULL
            THEN GREATEST(0, trunc(EXTRACT(EPOCH FROM (%(now)s - t.{t_issued}))))::integer
            ELSE t.{t_wait} END
    FROM pick p
    WHERE t.{t_id} = p.choice[1]
    RETURNING {ticket_columns}, p.choice[2] AS code, {call_class} AS call_class
),
streak AS (
    UPDATE {lineday} d
    SET {d_streak} = CASE WHEN u.call_class = {normal} THEN d.{d_streak} + 1 ELSE 0 END
    FROM upd u
    WHERE d.{d_line} = u.{t_line} AND d.{d_date} = %(today)s AND u.call_class IN ({normal}, {priority})
    RETURNING d.{d_id}
),
log AS (
    INSERT INTO {calllog} ({c_site}, {c_ticket}, {c_line}, {c_window}, {c_clerk}, {c_action}, {c_class},
                           {c_number}, {c_window_number}, {c_called})
    SELECT w.{w_site}, u.{t_id}, u.{t_line}, w.{w_id}, %(clerk)s, {call}, u.call_class, u.{t_number}, w.{w_number},
           %(now)s
    FROM upd u CROSS JOIN win w
    RETURNING {c_id}
),
audit AS (
    INSERT INTO {auditlog} ({a_actor}, {a_actor_repr}, {a_action}, {a_object_type}, {a_object_id},
                            {a_object_repr}, {a_before}, {a_after}, {a_note}, {a_ip}, {a_created})
    SELECT %(clerk)s, %(actor_repr)s, {audit_action}, {object_type}, u.{t_id}::text, left(u.{t_number}, 200), NULL,
           jsonb_build_object('window', w.{w_number}, 'class', u.call_class), '', %(ip)s, %(created)s
    FROM upd u CROSS JOIN win w
    RETURNING {a_id}
)
SELECT w.{w_number}, w.{w_status}, w.current_number, u.call_class, {upd_columns}
FROM (SELECT 1) AS one
LEFT JOIN win w ON TRUE
LEFT JOIN upd u ON TRUE
"""

# The values of each call: (name, PostgreSQL type) in the prepared statement's parameter order.
_CALL_NEXT_PARAMS = [
    ("window", "bigint"),
    ("today", "date"),
    ("now", "timestamptz"),
    ("clerk", "bigint"),
    ("actor_repr", "text"),
    ("ip", "inet"),
    ("created", "timestamptz"),
]
_CALL_NEXT_STATEMENT = "queue_call_next_v1"


def _sql_literal(value: str) -> str:
    """A fixed state value of the models (e.g. "waiting") as an SQL string literal."""
    if not re.fullmatch(r"[a-z_.]+", value):
        raise ValueError(f"not a state value: {value!r}")
    return f"'{value}'"


@dataclass(frozen=True)
class _CallNextStatement:
    prepare: str  # PREPARE … AS <the statement with $1…$n>
    execute: str  # EXECUTE …(%s, …): the parameters in _CALL_NEXT_PARAMS order
    fields: list  # the Ticket fields of the result row, in order


@functools.cache
def _call_next_statement() -> _CallNextStatement:
    """The call-next statement with this project's table and column names (built once)."""
    from hall.models import AuditLog

    qn = connection.ops.quote_name

    def cols(model, **names):
        return {key: qn(model._meta.get_field(name).column) for key, name in names.items()}

    fields = list(Ticket._meta.concrete_fields)
    names = {
        "ticket": qn(Ticket._meta.db_table),
        "window": qn(Window._meta.db_table),
        "lineday": qn(LineDay._meta.db_table),
        "line": qn(QueueLine._meta.db_table),
        "windowline": qn(WindowLine._meta.db_table),
        "calllog": qn(CallLog._meta.db_table),
        "auditlog": qn(AuditLog._meta.db_table),
        "ticket_columns": ", ".join(f"t.{qn(f.column)}" for f in fields),
        "upd_columns": ", ".join(f"u.{qn(f.column)}" for f in fields),
        **cols(Window, w_id="id", w_number="number", w_site="site", w_status="status"),
        **cols(
            Ticket,
            t_id="id",
            t_number="number",
            t_window="window",
            t_status="status",
            t_date="service_date",
            t_queued="queued_at",
            t_line="line",
            t_due="appointment_due_at",
            t_target="target_window",
            t_priority="is_priority",
            t_clerk="clerk",
            t_call_count="call_count",
            t_last_called="last_called_at",
            t_called="called_at",
            t_wait="wait_seconds",
            t_issued="issued_at",
        ),
        **cols(LineDay, d_id="id", d_line="line", d_date="service_date", d_streak="normal_streak"),
        **cols(QueueLine, l_id="id", l_interleave="priority_interleave", l_active="is_active"),
        **cols(WindowLine, wl_line="line", wl_window="window"),
        **cols(
            CallLog,
            c_id="id",
            c_site="site",
            c_ticket="ticket",
            c_line="line",
            c_window="window",
            c_clerk="clerk",
            c_action="action",
            c_class="call_class",
            c_number="number",
            c_window_number="window_number",
            c_called="called_at",
        ),
        **cols(
            AuditLog,
            a_id="id",
            a_actor="actor",
            a_actor_repr="actor_repr",
            a_action="action",
            a_object_type="object_type",
            a_object_id="object_id",
            a_object_repr="object_repr",
            a_before="before",
            a_after="after",
            a_note="note",
            a_ip="ip_address",
            a_created="created_at",
        ),
    }
    literals = {
        "open": Window.Status.OPEN,
        "waiting": Ticket.Status.WAITING,
        "called": Ticket.Status.CALLED,
        "serving": Ticket.Status.SERVING,
        "normal": CallLog.CallClass.NORMAL,
        "priority": CallLog.CallClass.PRIORITY,
        "call": CallLog.Action.CALL,
        # What audit_record(actor=by, action="ticket.call", obj=ticket, …) writes.
        "audit_action": "ticket.call",
        "object_type": Ticket._meta.label_lower,
    }
    names.update({key: _sql_literal(value) for key, value in literals.items()})
    cases = " ".join(f"WHEN {code} THEN {_sql_literal(cls)}" for code, cls in _CALL_CODES.items())
    names["call_class"] = f"(CASE p.choice[2] {cases} END)"
    sql = _CALL_NEXT_SQL.format(**names)
    for position, (name, _type) in enumerate(_CALL_NEXT_PARAMS, start=1):
        sql = sql.replace(f"%({name})s", f"${position}")
    if "%(" in sql:
        raise ValueError("call-next statement: a parameter has no type")
    types = ", ".join(sql_type for _name, sql_type in _CALL_NEXT_PARAMS)
    return _CallNextStatement(
        prepare=f"PREPARE {_CALL_NEXT_STATEMENT} ({types}) AS {sql}",
        execute=f"EXECUTE {_CALL_NEXT_STATEMENT} ({', '.join(['%s'] * len(_CALL_NEXT_PARAMS))})",
        fields=fields,
    )


# The DB-API connections on which the statement is prepared. Prepared once per connection, it is
# planned once (a generic plan): planning the statement cost about as much as running it.
_prepared_on: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _StatementLost(Exception):
    """The session no longer has the prepared statement (e.g. after DISCARD ALL): prepare again."""


def _run_call_next(statement: _CallNextStatement, values: list):
    with connection.cursor() as cursor:
        raw = connection.connection
        if raw not in _prepared_on:
            cursor.execute(statement.prepare)
            _prepared_on[raw] = True
        try:
            cursor.execute(statement.execute, values)
        except ProgrammingError as exc:
            if getattr(exc.__cause__, "pgcode", None) != "26000":  # invalid_sql_statement_name
                raise
            _prepared_on.pop(raw, None)  # the session lost it (DISCARD ALL): raise, caller retries
            raise _StatementLost from exc
        return cursor.fetchone()


def _ticket_from_row(fields: list, values) -> Ticket:
    """A Ticket instance from the statement's RETURNING columns, converted as the ORM would."""
    converted = []
    for field, value in zip(fields, values, strict=True):
        expression = field.get_col(Ticket._meta.db_table)
        for converter in connection.ops.get_db_converters(expression) + field.get_db_converters(connection):
            value = converter(value, expression, connection)
        converted.append(value)
    return Ticket.from_db(connection.alias, [f.attname for f in fields], converted)


def _call_next_postgresql(*, window: Window, by: User | None, ip: str | None, now: datetime):
    """Call-next as ONE statement, committed on its own (autocommit): lock the window row and the
    day rows of its lines, pick the ticket by the same rules as ``_next_ticket`` (``FOR UPDATE
    SKIP LOCKED``), mark it called, move the interleave counter, write the call log and the audit
    entry, and return the ticket. The day-row lock is held only while the statement runs: no
    Python and no network round trip between lock and commit, so a descheduled worker can no
    longer stall every window of the line.

    READ COMMITTED does the rest: a statement that waited for a day row sees that row's latest
    version (EvalPlanQual), and a candidate ticket that the previous holder called fails the
    re-check of ``status = waiting`` under its row lock and is passed over. What the statement's
    snapshot cannot see is a second click of the same window racing the first; the unique index
    ``ONE_ACTIVE_PER_WINDOW`` refuses that one.
    """
    from hall.models import AuditLog

    statement = _call_next_statement()
    is_user = by is not None and getattr(by, "pk", None) is not None
    params = {
        "window": window.pk,
        "today": timezone.localdate(now),
        "now": now,
        "clerk": by.pk if is_user else None,
        "actor_repr": str(by) if is_user else "系统",
        "ip": AuditLog._meta.get_field("ip_address").get_prep_value(ip),
        "created": timezone.now(),  # the audit row's auto_now_add
    }
    values = [params[name] for name, _type in _CALL_NEXT_PARAMS]
    for attempt in range(3):
        try:
            if connection.in_atomic_block:
                # Inside the caller's transaction (tests, scripts): a savepoint keeps a refused
                # call from breaking it. In a request (autocommit) the statement commits alone.
                with transaction.atomic():
                    row = _run_call_next(statement, values)
            else:
                row = _run_call_next(statement, values)
        except _StatementLost:
            continue
        except IntegrityError as exc:
            if ONE_ACTIVE_PER_WINDOW not in str(exc):
                raise
            # A second click of this window raced the first: answer as if it had come after it.
            current = (
                Ticket.objects.filter(window_id=window.pk, status__in=Ticket.ACTIVE_STATUSES).only("number").first()
            )
            if current is not None:
                raise _window_busy(current.number) from None
            if attempt == 2:
                raise
            continue  # the other call's ticket is already finished: try again
        number, status, current_number, call_class, *ticket_values = row
        if status is None:
            raise Window.DoesNotExist("Window matching query does not exist.")
        if status != Window.Status.OPEN:
            raise _window_not_open(number, status)
        if current_number is not None:
            raise _window_busy(current_number)
        if call_class is None:
            return None
        return _ticket_from_row(statement.fields, ticket_values)
    raise RuntimeError("call-next: the prepared statement kept disappearing")
