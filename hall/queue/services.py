"""Every write of the queue (取号叫号): issuing, booking, calling, serving, pausing, closing the day.

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

from __future__ import annotations

import functools
import re
import weakref
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from hall.models import Site, User, Window
from hall.queue.models import (
    ACTION_LABELS,
    TICKET_TRANSITIONS,
    Appointment,
    AppointmentSlot,
    CallLog,
    LineDay,
    PriorityCategory,
    QueueLine,
    ServiceRecord,
    Ticket,
    TicketApplicationLink,
    WindowLine,
    WindowPause,
)
from hall.services.audit import audit_record
from hall.validators import validate_mobile_phone

STATUS_LABELS = dict(Ticket.Status.choices)


class LineUnavailable(ValidationError):
    """The line is closed or full (队列未开放/已满): the API answers 409, pages show the message."""


# --- Helpers ----------------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _transition(ticket: Ticket, action: str) -> str:
    """The state ``action`` leads to from the ticket's state, or a ValidationError in Chinese."""
    target = TICKET_TRANSITIONS.get((ticket.status, action))
    if target is None:
        label = ACTION_LABELS.get(action, action)
        raise ValidationError(f"号码 {ticket.number} 当前状态为「{STATUS_LABELS[ticket.status]}」，不能{label}。")
    return target


def _lock_ticket(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).select_related("line").get(pk=ticket.pk)


def _require_at_window(ticket: Ticket, window: Window) -> None:
    if ticket.window_id != window.pk:
        raise ValidationError(f"号码 {ticket.number} 不在 {window.number} 号窗口。")


def _line_day_locked(line: QueueLine, service_date: date) -> LineDay:
    """The day row of ``line``, created if needed, locked until the transaction ends."""
    day, _ = LineDay.objects.get_or_create(
        line=line, service_date=service_date, defaults={"normal_streak": line.priority_interleave}
    )
    # A new day starts as if N normal tickets had just been called: the first priority ticket
    # of the day does not wait behind N normal ones.
    return LineDay.objects.select_for_update().get(pk=day.pk)


def check_line_open(line: QueueLine, *, now: datetime | None = None) -> None:
    """Raise LineUnavailable when ``line`` does not take numbers at ``now`` (local time)."""
    local = timezone.localtime(_now(now))
    if not line.is_active:
        raise LineUnavailable(f"「{line.name}」暂停取号。")
    if not (line.opens_at <= local.time() < line.closes_at):
        raise LineUnavailable(
            f"「{line.name}」不在取号时间内（每日 {line.opens_at:%H:%M}—{line.closes_at:%H:%M}），请在取号时间内再来。"
        )


def _ticket_snapshot(ticket: Ticket) -> dict:
    return {
        "number": ticket.number,
        "status": ticket.status,
        "line_id": ticket.line_id,
        "window_id": ticket.window_id,
        "call_count": ticket.call_count,
    }


# --- Taking a number ------------------------------------------------------------------------------


def ticket_issue(
    *,
    line: QueueLine,
    priority: PriorityCategory | None = None,
    phone: str = "",
    citizen: User | None = None,
    source: str = Ticket.Source.KIOSK,
    appointment: Appointment | None = None,
    by: User | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Issue a ticket (取号): the next number of the line today, e.g. A012."""
    now = _now(now)
    today = timezone.localdate(now)
    check_line_open(line, now=now)
    if phone:
        validate_mobile_phone(phone)
    if priority is not None and not priority.is_active:
        raise ValidationError({"priority": "该优先类别已停用。"})
    with transaction.atomic():
        if citizen is not None and appointment is None:
            active = Ticket.objects.filter(
                citizen=citizen,
                line=line,
                service_date=today,
                status__in=[Ticket.Status.WAITING, *Ticket.ACTIVE_STATUSES],
            ).first()
            if active is not None:
                raise ValidationError(f"您今天已在「{line.name}」取号 {active.number}，请勿重复取号。")
        day = _line_day_locked(line, today)
        if appointment is None and day.last_sequence >= line.daily_limit:
            raise LineUnavailable(f"「{line.name}」今日号码已取完（每日 {line.daily_limit} 个），请改日或网上预约。")
        day.last_sequence += 1
        LineDay.objects.filter(pk=day.pk).update(last_sequence=day.last_sequence)
        due_at = None
        if appointment is not None:
            slot = appointment.slot
            start = timezone.make_aware(datetime.combine(slot.service_date, slot.starts_at))
            due_at = start - timedelta(minutes=Ticket.APPOINTMENT_EARLY_MINUTES)
        ticket = Ticket.objects.create(
            site_id=line.site_id,
            issued_line=line,
            line=line,
            service_date=today,
            sequence=day.last_sequence,
            number=f"{line.prefix}{day.last_sequence:03d}",
            source=source,
            priority=priority,
            is_priority=priority is not None,
            appointment=appointment,
            appointment_due_at=due_at,
            citizen=citizen,
            phone=phone,
            issued_at=now,
            queued_at=now,
        )
        audit_record(actor=by or citizen, action="ticket.issue", obj=ticket, after=_ticket_snapshot(ticket), ip=ip)
    return ticket


def appointment_book(
    *,
    slot: AppointmentSlot,
    phone: str,
    name: str = "",
    id_number: str = "",
    citizen: User | None = None,
    by: User | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book an appointment slot (预约): refused when the slot is past or full."""
    now = _now(now)
    local = timezone.localtime(now)
    validate_mobile_phone(phone)
    if not slot.line.is_active:
        raise LineUnavailable(f"「{slot.line.name}」暂停预约。")
    if slot.service_date < local.date() or (slot.service_date == local.date() and slot.ends_at <= local.time()):
        raise ValidationError({"slot": "该时段已过，请选择其他时段。"})
    with transaction.atomic():
        slot = AppointmentSlot.objects.select_for_update().select_related("line").get(pk=slot.pk)
        if slot.booked_count >= slot.capacity:
            raise LineUnavailable(f"{slot.service_date:%m月%d日} {slot.starts_at:%H:%M} 时段已约满，请选择其他时段。")
        try:
            with transaction.atomic():
                appointment = Appointment.objects.create(
                    slot=slot, citizen=citizen, name=name, phone=phone, id_number=id_number
                )
        except IntegrityError:
            raise ValidationError({"slot": "该手机号已预约此时段，无需重复预约。"}) from None
        AppointmentSlot.objects.filter(pk=slot.pk).update(booked_count=F("booked_count") + 1)
        audit_record(
            actor=by or citizen,
            action="appointment.book",
            obj=appointment,
            after={"slot_id": slot.pk, "line_id": slot.line_id, "date": str(slot.service_date)},
            ip=ip,
        )
    return appointment


def appointment_check_in(
    *,
    site: Site,
    phone: str,
    id_number: str = "",
    appointment: Appointment | None = None,
    by: User | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Check in today's appointment (预约签到) by phone (and ID number) and issue its ticket."""
    now = _now(now)
    today = timezone.localdate(now)
    with transaction.atomic():
        candidates = Appointment.objects.select_for_update(of=("self",)).select_related("slot__line")
        by_key = Q(pk=appointment.pk) if appointment is not None else Q(phone=phone)
        candidates = candidates.filter(by_key)
        found = (
            candidates.filter(slot__service_date=today, slot__line__site=site, status=Appointment.Status.BOOKED)
            .order_by("slot__starts_at")
            .first()
        )
        if found is None or (found.id_number and id_number and found.id_number.upper() != id_number.upper()):
            raise ValidationError("未找到您今天在本大厅的预约，请核对手机号码和身份证号码，或直接取号。")
        Appointment.objects.filter(pk=found.pk).update(status=Appointment.Status.CHECKED_IN)
        return ticket_issue(
            line=found.slot.line,
            phone=found.phone,
            citizen=found.citizen,
            source=Ticket.Source.APPOINTMENT,
            appointment=found,
            by=by,
            ip=ip,
            now=now,
        )


# --- Calling at the window --------------------------------------------------------------------------


def _next_ticket(days: list[LineDay], *, window: Window, today: date, now: datetime):
    """The ticket ``window`` calls next and its class, with the day rows already locked.

    Up to four ``LIMIT 1`` index scans (partial indexes on waiting tickets) instead of ranking
    every waiting ticket: due appointments, priority on its turn, normal, then priority.
    """
    line_ids = [d.line_id for d in days]
    priority_turn = [d.line_id for d in days if d.normal_streak >= d.line.priority_interleave]
    waiting = (
        Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(line_id__in=line_ids, service_date=today, status=Ticket.Status.WAITING)
        .filter(Q(target_window__isnull=True) | Q(target_window=window))
    )
    due = waiting.filter(appointment_due_at__lte=now).order_by("appointment_due_at", "id").first()
    if due is not None:
        return due, CallLog.CallClass.APPOINTMENT
    if priority_turn:
        ticket = waiting.filter(is_priority=True, line_id__in=priority_turn).order_by("queued_at", "id").first()
        if ticket is not None:
            return ticket, CallLog.CallClass.PRIORITY
    ticket = waiting.filter(is_priority=False).order_by("queued_at", "id").first()
    if ticket is not None:
        return ticket, CallLog.CallClass.NORMAL
    ticket = waiting.filter(is_priority=True).order_by("queued_at", "id").first()
    return (ticket, CallLog.CallClass.PRIORITY) if ticket is not None else (None, None)


def _window_not_open(number, status: str) -> ValidationError:
    label = dict(Window.Status.choices).get(status, status)
    return ValidationError(f"{number} 号窗口当前为「{label}」，恢复服务后才能叫号。")


def _window_busy(number: str) -> ValidationError:
    return ValidationError(f"请先处理当前号码 {number}（办结、过号或转移）后再叫下一位。")


def ticket_call_next(*, window: Window, by: User | None, ip: str | None = None, now: datetime | None = None):
    """Call the next ticket (叫号) for ``window``, or return None when nobody is waiting.

    Order: due appointments (by due time), then priority tickets when it is their turn in the
    line's N:1 interleave, then normal tickets first come first served, then priority tickets
    that are not yet due a turn (so a lone priority ticket is never left behind).

    On PostgreSQL the whole call is one statement (``_call_next_postgresql``): the line's day row
    is locked only while that statement runs. Elsewhere (SQLite) the ORM version runs.
    """
    now = _now(now)
    if connection.vendor == "postgresql":
        return _call_next_postgresql(window=window, by=by, ip=ip, now=now)
    return _call_next_python(window=window, by=by, ip=ip, now=now)


def _call_next_python(*, window: Window, by: User | None, ip: str | None, now: datetime):
    """The ORM version of call-next: several round trips under the window and day-row locks."""
    today = timezone.localdate(now)
    with transaction.atomic():
        # The window row lock makes a double click call once, and orders a call after a pause.
        locked = Window.objects.select_for_update().only("id", "number", "status", "site_id").get(pk=window.pk)
        if locked.status != Window.Status.OPEN:
            raise _window_not_open(locked.number, locked.status)
        current = Ticket.objects.filter(window=locked, status__in=Ticket.ACTIVE_STATUSES).only("number").first()
        if current is not None:
            raise _window_busy(current.number)
        line_ids = list(
            WindowLine.objects.filter(window=locked, line__is_active=True).values_list("line_id", flat=True)
        )
        days = list(
            LineDay.objects.select_for_update(of=("self",))
            .select_related("line")
            .filter(line_id__in=line_ids, service_date=today)
            .order_by("id")
        )
        if not days:
            return None
        ticket, call_class = _next_ticket(days, window=locked, today=today, now=now)
        if ticket is None:
            return None
        ticket.status = _transition(ticket, "call")
        ticket.window = locked
        ticket.clerk = by
        ticket.target_window = None
        ticket.call_count = 1
        ticket.last_called_at = now
        if ticket.called_at is None:
            ticket.called_at = now
            ticket.wait_seconds = max(0, int((now - ticket.issued_at).total_seconds()))
        ticket.save(
            update_fields=[
                "status",
                "window",
                "clerk",
                "target_window",
                "call_count",
                "last_called_at",
                "called_at",
                "wait_seconds",
            ]
        )
        day = next(d for d in days if d.line_id == ticket.line_id)
        if call_class == CallLog.CallClass.NORMAL:
            LineDay.objects.filter(pk=day.pk).update(normal_streak=F("normal_streak") + 1)
        elif call_class == CallLog.CallClass.PRIORITY:
            LineDay.objects.filter(pk=day.pk).update(normal_streak=0)
        CallLog.objects.create(
            site_id=locked.site_id,
            ticket=ticket,
            line_id=ticket.line_id,
            window=locked,
            clerk=by,
            action=CallLog.Action.CALL,
            call_class=call_class,
            number=ticket.number,
            window_number=locked.number,
            called_at=now,
        )
        audit_record(
            actor=by, action="ticket.call", obj=ticket, after={"window": locked.number, "class": call_class}, ip=ip
        )
    return ticket


# --- Call-next on PostgreSQL: one statement --------------------------------------------------------

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


def ticket_recall(*, ticket: Ticket, window: Window, by: User | None, ip: str | None = None, now=None) -> Ticket:
    """Recall (重呼) the ticket at the window: the board announces it again."""
    now = _now(now)
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        ticket.status = _transition(ticket, "recall")
        _require_at_window(ticket, window)
        ticket.call_count += 1
        ticket.last_called_at = now
        ticket.save(update_fields=["call_count", "last_called_at"])
        CallLog.objects.create(
            site_id=ticket.site_id,
            ticket=ticket,
            line_id=ticket.line_id,
            window=window,
            clerk=by,
            action=CallLog.Action.RECALL,
            call_class=ticket.call_class,
            number=ticket.number,
            window_number=window.number,
            called_at=now,
        )
        audit_record(actor=by, action="ticket.recall", obj=ticket, after={"call_count": ticket.call_count}, ip=ip)
    return ticket


def ticket_mark_no_show(*, ticket: Ticket, window: Window, by: User | None, ip: str | None = None) -> Ticket:
    """No-show (过号): allowed after the ticket was recalled; it can be reactivated the same day."""
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        target = _transition(ticket, "no_show")
        _require_at_window(ticket, window)
        if ticket.call_count < Ticket.CALLS_BEFORE_NO_SHOW:
            raise ValidationError(f"请至少重呼 {Ticket.CALLS_BEFORE_NO_SHOW - 1} 次，办事人仍未到再过号。")
        before = _ticket_snapshot(ticket)
        ticket.status = target
        ticket.save(update_fields=["status"])
        audit_record(
            actor=by, action="ticket.no_show", obj=ticket, before=before, after=_ticket_snapshot(ticket), ip=ip
        )
    return ticket


def ticket_reactivate(*, ticket: Ticket, by: User | None, ip: str | None = None, now=None) -> Ticket:
    """Reactivate (过号恢复) a no-show of today: it queues again at the end of its line."""
    now = _now(now)
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        target = _transition(ticket, "reactivate")
        if ticket.service_date != timezone.localdate(now):
            raise ValidationError("只能恢复当天的过号号码。")
        before = _ticket_snapshot(ticket)
        ticket.status = target
        ticket.queued_at = now
        ticket.target_window = None
        ticket.save(update_fields=["status", "queued_at", "target_window"])
        audit_record(
            actor=by, action="ticket.reactivate", obj=ticket, before=before, after=_ticket_snapshot(ticket), ip=ip
        )
    return ticket


def ticket_transfer(
    *,
    ticket: Ticket,
    by: User | None,
    window: Window | None = None,
    to_line: QueueLine | None = None,
    to_window: Window | None = None,
    ip: str | None = None,
    now=None,
) -> Ticket:
    """Transfer (转移) to another line and/or window, keeping the number and the place in the queue.

    ``window`` is the acting window: when given, the ticket must be at it (a waiting ticket may
    be moved by a supervisor without one).
    """
    now = _now(now)
    if to_line is None and to_window is None:
        raise ValidationError({"to_line": "请选择要转往的队列或窗口。"})
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        target = _transition(ticket, "transfer")
        if window is not None and ticket.status != Ticket.Status.WAITING:
            _require_at_window(ticket, window)
        served = (
            set(WindowLine.objects.filter(window=to_window).values_list("line_id", flat=True)) if to_window else set()
        )
        if to_window is not None:
            if to_window.site_id != ticket.site_id:
                raise ValidationError({"to_window": "只能转到本大厅的窗口。"})
            if window is not None and to_window.pk == window.pk and to_line is None:
                raise ValidationError({"to_window": "不能转到本窗口。"})
            if to_line is None:
                to_line = ticket.line if ticket.line_id in served else QueueLine.objects.filter(pk__in=served).first()
                if to_line is None:
                    raise ValidationError({"to_window": f"{to_window.number} 号窗口未配置服务队列。"})
            elif to_line.pk not in served:
                raise ValidationError({"to_window": f"{to_window.number} 号窗口不办理「{to_line.name}」。"})
        if to_line.site_id != ticket.site_id:
            raise ValidationError({"to_line": "只能转到本大厅的队列。"})
        if not to_line.is_active:
            raise ValidationError({"to_line": f"「{to_line.name}」已停用。"})
        _line_day_locked(to_line, ticket.service_date)
        before = _ticket_snapshot(ticket)
        ticket.status = target
        ticket.line = to_line
        ticket.target_window = to_window
        ticket.save(update_fields=["status", "line", "target_window"])
        audit_record(
            actor=by,
            action="ticket.transfer",
            obj=ticket,
            before=before,
            after={**_ticket_snapshot(ticket), "to_window_id": to_window.pk if to_window else None},
            ip=ip,
        )
    return ticket


def ticket_start_service(*, ticket: Ticket, window: Window, by: User | None, ip: str | None = None, now=None) -> Ticket:
    """Start service (开始办理): the citizen has arrived at the window."""
    now = _now(now)
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        target = _transition(ticket, "start")
        _require_at_window(ticket, window)
        before = _ticket_snapshot(ticket)
        ticket.status = target
        ticket.service_started_at = now
        ticket.clerk = by if by is not None and by.pk else ticket.clerk
        ticket.save(update_fields=["status", "service_started_at", "clerk"])
        audit_record(actor=by, action="ticket.start", obj=ticket, before=before, after=_ticket_snapshot(ticket), ip=ip)
    return ticket


def ticket_finish(*, ticket: Ticket, window: Window, by: User | None, ip: str | None = None, now=None) -> Ticket:
    """Finish service (办结) and record what the window's evaluation tablet needs (ServiceRecord)."""
    now = _now(now)
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        target = _transition(ticket, "finish")
        _require_at_window(ticket, window)
        before = _ticket_snapshot(ticket)
        ticket.status = target
        ticket.service_started_at = ticket.service_started_at or ticket.last_called_at or now
        ticket.finished_at = now
        ticket.service_seconds = max(0, int((now - ticket.service_started_at).total_seconds()))
        ticket.save(update_fields=["status", "service_started_at", "finished_at", "service_seconds"])
        ServiceRecord.objects.create(
            ticket=ticket,
            window=window,
            clerk=ticket.clerk,
            called_at=ticket.called_at,
            service_started_at=ticket.service_started_at,
            finished_at=now,
        )
        audit_record(actor=by, action="ticket.finish", obj=ticket, before=before, after=_ticket_snapshot(ticket), ip=ip)
    return ticket


def ticket_link_application(
    *, ticket: Ticket, application_number: str, by: User | None, ip: str | None = None
) -> TicketApplicationLink:
    """Link an application (办件) handled during this ticket's service, by its number. Idempotent.

    The applications part calls this when it registers an application at a window that has a
    called or serving ticket (see ``selectors.window_current_ticket``).
    """
    application_number = (application_number or "").strip()
    if not application_number:
        raise ValidationError({"application_number": "请提供办件编号。"})
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        if ticket.status not in (Ticket.Status.CALLED, Ticket.Status.SERVING, Ticket.Status.DONE):
            raise ValidationError(f"号码 {ticket.number} 尚未叫号，不能关联办件。")
        link, created = TicketApplicationLink.objects.get_or_create(
            ticket=ticket, application_number=application_number, defaults={"linked_by": by}
        )
        if created:
            audit_record(
                actor=by, action="ticket.link_application", obj=ticket, after={"application": application_number}, ip=ip
            )
    return link


# --- Windows ---------------------------------------------------------------------------------------


def window_pause(*, window: Window, reason: str, by: User | None, ip: str | None = None, now=None) -> Window:
    """Pause the window (暂停服务) with a reason; no ticket is called until it resumes."""
    now = _now(now)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写暂停原因。"})
    if len(reason) > 100:
        raise ValidationError({"reason": "暂停原因不超过 100 个字。"})
    with transaction.atomic():
        window = Window.objects.select_for_update().get(pk=window.pk)
        if window.status != Window.Status.OPEN:
            raise ValidationError(f"{window.number} 号窗口当前为「{window.get_status_display()}」，不能暂停。")
        Window.objects.filter(pk=window.pk).update(status=Window.Status.PAUSED)
        window.status = Window.Status.PAUSED
        WindowPause.objects.create(window=window, reason=reason, started_at=now, started_by=by)
        audit_record(
            actor=by,
            action="window.pause",
            obj=window,
            before={"status": "open"},
            after={"status": "paused"},
            note=reason,
            ip=ip,
        )
    return window


def window_resume(*, window: Window, by: User | None, ip: str | None = None, now=None) -> Window:
    """Resume service (恢复服务) after a pause."""
    now = _now(now)
    with transaction.atomic():
        window = Window.objects.select_for_update().get(pk=window.pk)
        if window.status != Window.Status.PAUSED:
            raise ValidationError(f"{window.number} 号窗口未暂停，无需恢复。")
        Window.objects.filter(pk=window.pk).update(status=Window.Status.OPEN)
        window.status = Window.Status.OPEN
        WindowPause.objects.filter(window=window, ended_at__isnull=True).update(ended_at=now)
        audit_record(
            actor=by, action="window.resume", obj=window, before={"status": "paused"}, after={"status": "open"}, ip=ip
        )
    return window


# --- Daily close -----------------------------------------------------------------------------------


def tickets_close_day(*, service_date: date, by: User | None = None) -> int:
    """Daily close (日终清号): tickets of ``service_date`` and before still waiting become expired.

    Set-based and idempotent: a second run finds nothing left to close and writes nothing.
    """
    with transaction.atomic():
        count = Ticket.objects.filter(service_date__lte=service_date, status=Ticket.Status.WAITING).update(
            status=Ticket.Status.EXPIRED
        )
        if count:
            audit_record(
                actor=by,
                action="ticket.close_day",
                after={"service_date": str(service_date), "expired": count},
                note=f"{service_date} 日终清号：{count} 个等候号作废",
            )
    return count
