"""The work-order deadline sweep (工单时限预警), set-based: a fixed handful of SQL statements.

1. one UPDATE with a CASE sets the level of every open order: red when the deadline has
   passed, yellow when it falls within one working day of opening hours (``clock.warning_horizon``);
2. two INSERT … SELECT notify each newly reached level once: the department's staff (yellow and
   red) and the hall supervisors (red: escalation), deduplicated by ``wo-warn-<id>-<level>``;
3. one UPDATE remembers the level announced.
Idempotent: a second run changes and sends nothing.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.db.models import Case, CharField, F, Q, Value, When
from django.utils import timezone

from evaluations.workorders import clock
from evaluations.workorders.models import OPEN_STATUSES, WarningLevel, WorkOrder
from hall.models import Department, Notification, User
from hall.services.audit import audit_record
from hall.workdays import WorkingCalendar, current_calendar


def _level_case(now: datetime, horizon: datetime) -> Case:
    return Case(
        When(deadline_at__lt=now, then=Value(WarningLevel.RED)),
        When(deadline_at__lte=horizon, then=Value(WarningLevel.YELLOW)),
        default=Value(WarningLevel.NONE),
        output_field=CharField(),
    )


def _notify(now: datetime) -> int:
    """Notify the levels reached but not yet announced (2 INSERT … SELECT, ON CONFLICT no-op)."""
    note, order, user, dept = (
        Notification._meta.db_table,
        WorkOrder._meta.db_table,
        User._meta.db_table,
        Department._meta.db_table,
    )
    pending = (
        f"SELECT o.id, o.number, o.deadline_at, o.department_id, o.warning_level AS level_now FROM {order} o "  # noqa: S608
        "WHERE o.status IN %s AND o.warning_level IN ('yellow', 'red') AND o.warned_level <> o.warning_level"
    )
    columns = "INSERT INTO {note} (recipient_id, level, title, body, link, dedupe_key, created_at) "
    select = (
        "SELECT u.id, CASE p.level_now WHEN 'red' THEN 'danger' ELSE 'warning' END, "
        "'工单 ' || p.number || CASE p.level_now WHEN 'red' THEN ' 已超期（红牌）' ELSE ' 即将到期（黄牌）' END, "
        "'办理期限：' || to_char(p.deadline_at AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI') || '，请尽快办理。', "
        "'/workorders/' || p.number || '/', 'wo-warn-' || p.id || '-' || p.level_now, %s "
    )
    statuses = tuple(str(s) for s in OPEN_STATUSES)
    tz = timezone.get_current_timezone_name()
    created = 0
    with connection.cursor() as cursor:
        # Department staff: approvers of the department or of its sections.
        cursor.execute(
            columns.format(note=note)
            + select
            + f"FROM ({pending}) p JOIN {user} u ON u.role = 'approver' AND u.is_active "
            + f"JOIN {dept} d ON d.id = u.department_id AND (d.id = p.department_id OR d.parent_id = p.department_id) "
            + "ON CONFLICT DO NOTHING",
            [tz, now, statuses],
        )
        created += max(cursor.rowcount, 0)
        # Escalation: red cards reach every hall supervisor.
        cursor.execute(
            columns.format(note=note)
            + select
            + f"FROM ({pending}) p JOIN {user} u ON u.role = 'supervisor' AND u.is_active "
            + "WHERE p.level_now = 'red' ON CONFLICT DO NOTHING",
            [tz, now, statuses],
        )
        created += max(cursor.rowcount, 0)
    return created


def workorders_sweep_warnings(
    *, now: datetime | None = None, calendar: WorkingCalendar | None = None
) -> dict[str, int]:
    """Colour every open order (黄牌/红牌) and notify each level once (escalating red to the hall)."""
    now = now or timezone.now()
    calendar = calendar or current_calendar()
    horizon = clock.warning_horizon(now, calendar=calendar)
    level = _level_case(now, horizon)
    with transaction.atomic():
        open_orders = WorkOrder.objects.filter(status__in=OPEN_STATUSES).order_by()
        changed = open_orders.filter(~Q(warning_level=level)).update(warning_level=level)
        notified = _notify(now)
        announced = (
            WorkOrder.objects.filter(
                status__in=OPEN_STATUSES, warning_level__in=[WarningLevel.YELLOW, WarningLevel.RED]
            )
            .exclude(warned_level=F("warning_level"))
            .update(warned_level=F("warning_level"))
        )
        result = {"changed": changed, "notifications": notified, "announced": announced}
        audit_record(actor=None, action="workorder.sweep_warnings", note=f"{now:%Y-%m-%d %H:%M} {result}")
    return result
