"""Bulk load data (压测数据) of work orders and front-desk records, in realistic shares.

Rows are built in Python from one calendar snapshot and written with ``COPY`` in batches;
they bypass the services on purpose (no per-row audit or notification) and carry
``is_load_data=True``. Each order is a consistent snapshot of its life: an old order is usually
closed (on time or not, called back satisfied or not), a recent one still open; about 5 % were
returned once by a department (with the return event, so the returns figure has its rows).
Shares follow the seeds' summaries: most orders come from the 12345 hotline, consultations and
complaints dominate, and the guidance desk records about as many consultations as there are orders.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from evaluations.workorders import clock
from evaluations.workorders.models import (
    CallbackResult,
    FrontDeskRecord,
    Kind,
    LimitUnit,
    Source,
    Status,
    Urgency,
    WarningLevel,
    WorkOrder,
    WorkOrderEvent,
)
from evaluations.workorders.rollups import rollup_rebuild
from evaluations.workorders.services import DEFAULT_LIMITS, URGENT_LIMIT, issue_numbers
from evaluations.workorders.transitions import Action
from hall.bulkcopy import copy_instances, relax_commit
from hall.models import Department, Site, User, Window
from hall.workdays import WorkingCalendar, current_calendar

SOURCES = [
    (Source.HOTLINE, 72),
    (Source.UNRESOLVED_WINDOW, 10),
    (Source.ONLINE, 10),
    (Source.LETTER, 3),
    (Source.BAD_REVIEW, 5),
]
KINDS = [
    (Kind.CONSULTATION, 38),
    (Kind.HELP, 15),
    (Kind.COMPLAINT, 22),
    (Kind.REPORT, 5),
    (Kind.SUGGESTION, 10),
    (Kind.PRAISE, 10),
]
DESK_KINDS = [
    (FrontDeskRecord.Kind.CONSULTATION, 60),
    (FrontDeskRecord.Kind.GUIDANCE, 10),
    (FrontDeskRecord.Kind.ASSISTED, 8),
    (FrontDeskRecord.Kind.PROXY, 4),
    (FrontDeskRecord.Kind.PRAISE_BANNER, 1),
    (FrontDeskRecord.Kind.PRAISE_THANKS, 4),
    (FrontDeskRecord.Kind.ENTERPRISE_VISIT, 6),
    (FrontDeskRecord.Kind.ENTERPRISE_CONSULTATION, 5),
    (FrontDeskRecord.Kind.ENTERPRISE_FILING, 2),
]
TOPICS = [
    "营业执照办理进度",
    "不动产登记材料",
    "医保转移接续",
    "施工许可审批时限",
    "食品经营许可现场核查",
    "窗口工作人员态度",
    "网上申报系统无法登录",
    "个体户注销流程",
    "公积金提取",
    "停车位不足",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
ENTITY_CODES = ["91440300708461136T", "91110000802100433B", "91330100716105852F"]


def _weighted(rng: random.Random, options):
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _moment(day: date, rng: random.Random) -> datetime:
    minute = rng.randint(9 * 60, 17 * 60)
    return timezone.make_aware(datetime.combine(day, time(minute // 60, minute % 60)))


class _Context:
    def __init__(self):
        self.departments = list(
            Department.objects.filter(kind=Department.Kind.DEPARTMENT, is_active=True).values_list("pk", flat=True)
        )
        self.sites = list(Site.objects.values_list("pk", flat=True))
        self.windows = list(Window.objects.values_list("pk", "site_id"))
        self.staff = list(User.objects.filter(role=User.Role.CLERK).values_list("pk", flat=True))
        if not self.departments or not self.sites:
            raise ValueError("需要先建立部门和服务场所（manage.py seed_demo）。")


def _order(rng, ctx, cal: WorkingCalendar, today: date, serial: int, deadlines: dict) -> tuple[WorkOrder, bool]:
    received_on = today - timedelta(days=rng.randint(0, 364))
    received_at = _moment(received_on, rng)
    kind = _weighted(rng, KINDS)
    urgency = Urgency.URGENT if rng.random() < 0.05 else Urgency.NORMAL
    amount, unit = URGENT_LIMIT if urgency == Urgency.URGENT else DEFAULT_LIMITS[kind]
    key = (received_on, amount, unit) if unit == LimitUnit.WORKING_DAYS else None
    deadline = deadlines.get(key) if key else None
    if deadline is None:
        deadline = clock.deadline_for(received_at, amount, unit, calendar=cal)
        if key:
            deadlines[key] = deadline
    source = _weighted(rng, SOURCES)
    entity = rng.random() < 0.25
    order = WorkOrder(
        source=source,
        kind=kind,
        urgency=urgency,
        hotline_number=f"LD{serial:09d}" if source == Source.HOTLINE else "",
        title=rng.choice(TOPICS),
        content="压测数据：" + rng.choice(TOPICS),
        requester_name=rng.choice(SURNAMES) + "先生",
        requester_phone=f"139{rng.randint(0, 99999999):08d}",
        is_market_entity=entity,
        entity_name="压测企业有限公司" if entity else "",
        entity_credit_code=rng.choice(ENTITY_CODES) if entity else "",
        site_id=rng.choice(ctx.sites),
        received_at=received_at,
        received_on=received_on,
        clock_started_at=received_at,
        limit_amount=amount,
        limit_unit=unit,
        deadline_at=deadline,
        is_load_data=True,
    )
    age = (today - received_on).days
    roll = rng.random()
    returned = False
    if age < 20 and roll < 0.5:  # recent: still somewhere in the flow
        order.status = rng.choice([Status.RECEIVED, Status.DISPATCHED, Status.IN_HANDLING, Status.REPLIED])
    else:
        order.status = Status.CLOSED
    now = timezone.now()
    if order.status != Status.RECEIVED:
        order.department_id = rng.choice(ctx.departments)
        order.dispatched_at = received_at + timedelta(hours=rng.randint(1, 20))
        order.dispatched_on = timezone.localdate(order.dispatched_at)
        returned = rng.random() < 0.05
        order.return_count = 1 if returned else 0
    if order.status in (Status.REPLIED, Status.CLOSED):
        late = rng.random() < 0.06
        replied_on = cal.add_working_days(received_on, amount + 2 if late else rng.randint(1, max(amount, 1)))
        order.replied_at = min(_moment(replied_on, rng), now)
        order.reply_text = "已答复（压测数据）"
        order.callback_due_on = cal.add_working_days(timezone.localdate(order.replied_at), 1)
    if order.status == Status.CLOSED:
        order.callback_result = _weighted(
            rng, [(CallbackResult.SATISFIED, 88), (CallbackResult.DISSATISFIED, 5), (CallbackResult.NOT_REACHED, 7)]
        )
        order.callback_at = order.replied_at + timedelta(days=1)
        order.closed_at = min(order.callback_at + timedelta(hours=2), now)
        order.closed_on = timezone.localdate(order.closed_at)
        order.on_time = order.replied_at <= order.deadline_at
        order.handling_working_days = cal.working_days_between(received_on, timezone.localdate(order.replied_at))
    elif order.deadline_at < now:
        order.warning_level = WarningLevel.RED
    return order, returned


def generate_workorders(
    *, count: int, today: date | None = None, batch_size: int = 5000, seed: int | None = None, progress=None
) -> int:
    """Create ``count`` load work orders over the year up to ``today`` and about as many front-desk records."""
    today = today or timezone.localdate()
    rng = random.Random(seed)  # noqa: S311 (load data, not secrets)
    cal = current_calendar()
    ctx = _Context()
    deadlines: dict = {}
    created = serial = 0
    base = WorkOrder.objects.filter(hotline_number__startswith="LD").count()
    while created < count:
        size = min(batch_size, count - created)
        rows, returned = [], []
        for _ in range(size):
            serial += 1
            order, was_returned = _order(rng, ctx, cal, today, base + serial, deadlines)
            rows.append(order)
            returned.append(was_returned)
        with transaction.atomic():
            by_year: dict[int, list[WorkOrder]] = {}
            for row in rows:
                by_year.setdefault(row.received_on.year, []).append(row)
            for year, group in by_year.items():
                for row, number in zip(group, issue_numbers(year=year, count=len(group)), strict=True):
                    row.number = number
            relax_commit()
            copy_instances(WorkOrder, rows)
            copy_instances(
                WorkOrderEvent,
                [
                    WorkOrderEvent(
                        order=row,
                        action=Action.RETURN,
                        from_status=Status.DISPATCHED,
                        to_status=Status.RETURNED,
                        department_id=row.department_id,
                        actor_repr="压测部门",
                        note="非本部门职责（压测数据）",
                        created_at=row.dispatched_at + timedelta(hours=1),
                    )
                    for row, was in zip(rows, returned, strict=True)
                    if was
                ],
            )
            _desk_records(rng, ctx, today, size)
        created += size
        if progress:
            progress(created)
    # Bulk rows send no signals: rebuild the rollups of the generated year (工单日汇总) in one pass.
    rollup_rebuild(start=today - timedelta(days=400), end=today + timedelta(days=30))
    return created


def _desk_records(rng: random.Random, ctx: _Context, today: date, count: int) -> None:
    rows = []
    for _ in range(count):
        day = today - timedelta(days=rng.randint(0, 364))
        kind = _weighted(rng, DESK_KINDS)
        window_id, site_id = rng.choice(ctx.windows) if ctx.windows else (None, rng.choice(ctx.sites))
        praise = kind in (FrontDeskRecord.Kind.PRAISE_BANNER, FrontDeskRecord.Kind.PRAISE_THANKS)
        rows.append(
            FrontDeskRecord(
                kind=kind,
                topic=rng.choice(TOPICS),
                outcome=rng.choice(["answered", "answered", "referred"]) if kind == "consultation" else "",
                site_id=site_id,
                window_id=window_id if (window_id and (praise or rng.random() < 0.5)) else None,
                staff_id=rng.choice(ctx.staff) if praise and ctx.staff and not window_id else None,
                recorded_at=_moment(day, rng),
                recorded_on=day,
                is_load_data=True,
            )
        )
    copy_instances(FrontDeskRecord, rows)


def delete_load_data() -> int:
    """Remove every load work order and front-desk record (and nothing else)."""
    with transaction.atomic():
        orders, _ = WorkOrder.objects.filter(is_load_data=True).delete()
        desk, _ = FrontDeskRecord.objects.filter(is_load_data=True).delete()
        rollup_rebuild()
    return orders + desk
