"""Bulk load data (压测数据): a realistic year of applications for benchmarks and demos.

Rows are built in Python from one calendar snapshot and written with ``COPY`` in batches
(``hall.bulkcopy``); they bypass the services on purpose (no per-row history, SMS or audit) and
carry ``is_load_data=True`` so they can be told apart and removed. Numbers come from
``issue_numbers`` per batch, so the number sequences stay ahead of everything generated. A
division's 6-digit sequence holds 999,999 numbers a year: when load data has taken 900,000 of the
county hall's (a large district's year), further rows are received at the town sites, whose
divisions number their own; the rest stays free for real intake.
History years (``history=True``) hold only finished cases: nothing of a past year is still open.
In the current year a case's state follows its age as in a real hall: one still owed an answer was
received within the answer period, one still open within about its promised limit (a few past
it, red), one whose completion would fall after today is still under review; running clocks carry
the warning card the sweep would give them (already notified, so the sweep sends nothing).
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from approvals import clock
from approvals.models import (
    ApplicantType,
    Application,
    Channel,
    ClockExtension,
    ClockPause,
    ClockState,
    Decision,
    DeliveryMethod,
    IdType,
    NumberSequence,
    Status,
    WarningLevel,
)
from approvals.services import issue_numbers
from hall.bulkcopy import copy_dicts, relax_commit
from hall.catalog.models import Matter, MatterVersion
from hall.models import Department, Division, Site, User
from hall.validators import resident_id_check_char
from hall.workdays import WorkingCalendar, current_calendar

LOAD_MATTERS = [
    # (name, legal limit, promised limit, handling type, online depth)
    ("【压测】食品经营许可", 20, 10, "2", "4"),
    ("【压测】个体工商户设立登记", 15, 3, "2", "4"),
    ("【压测】建筑工程施工许可", 20, 7, "2", "3"),
    ("【压测】公共场所卫生许可", 20, 10, "2", "3"),
    ("【压测】道路运输经营许可", 20, 15, "2", "2"),
    ("【压测】药品零售企业许可", 30, 15, "2", "3"),
    ("【压测】社会保障卡补换", 1, 0, "1", "4"),
    ("【压测】教师资格认定", 45, 20, "2", "3"),
]
CHANNELS = [
    (Channel.WINDOW, 55),
    (Channel.ONLINE_PC, 20),
    (Channel.MOBILE, 15),
    (Channel.TOWN_SITE, 8),
    (Channel.POST, 2),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


# A division's yearly sequence holds 999,999 numbers (6 digits, see issue_numbers); load data takes
# at most 900,000 of them so real intake in the same year still has numbers left.
NUMBER_CAPACITY = 900_000
STATUSES = [
    (Status.DELIVERED, 62),
    (Status.COMPLETED, 12),
    (Status.UNDER_REVIEW, 6),
    (Status.ACCEPTED, 3),
    (Status.SPECIAL_PROCEDURE, 1),
    (Status.NOT_ACCEPTED, 4),
    (Status.WITHDRAWN, 3),
    (Status.SUPPLEMENT_REQUESTED, 2),
    (Status.RECEIVED, 2),
    (Status.SUBMITTED, 2),
    (Status.REVOKED, 1),
    (Status.DECIDED, 2),
]
# A past year: every case has long reached its end.
HISTORY_STATUSES = [
    (Status.DELIVERED, 70),
    (Status.COMPLETED, 14),
    (Status.NOT_ACCEPTED, 5),
    (Status.WITHDRAWN, 4),
    (Status.REVOKED, 1),
]
OPEN_STATUSES = [(Status.ACCEPTED, 25), (Status.UNDER_REVIEW, 60), (Status.SPECIAL_PROCEDURE, 8), (Status.DECIDED, 7)]


@dataclass
class LoadSite:
    pk: int
    division_code: str
    clerks: list[int]


@dataclass
class LoadContext:
    versions: list[MatterVersion]
    site: Site
    handlers: dict[int, list[int]]  # department id → approver ids
    clerks: list[int]
    towns: list[LoadSite]
    tz: tzinfo | None = None
    now: datetime | None = None  # nothing is received later than this
    inspectors: dict[int, list[int]] = field(default_factory=dict)  # department id → 勘验人员 ids
    supervisors: list[int] = field(default_factory=list)  # who approves extensions (延期审批)


class _WorkingDays:
    """Working days as a sorted list, for O(log n) arithmetic over a whole year of rows."""

    def __init__(self, calendar: WorkingCalendar, start: date, end: date):
        self.days = []
        day = start
        while day <= end:
            if calendar.is_working_day(day):
                self.days.append(day)
            day += timedelta(days=1)

    def add(self, start: date, n: int) -> date:
        if n == 0:
            return start
        index = bisect_right(self.days, start) + n - 1
        return self.days[min(index, len(self.days) - 1)]

    def between(self, a: date, b: date) -> int:
        return bisect_right(self.days, b) - bisect_right(self.days, a)

    def pick(self, rng: random.Random, first: date, last: date) -> date:
        """A working day in ``[first, last]`` drawn uniformly (``first`` when there is none)."""
        low, high = bisect_left(self.days, first), bisect_right(self.days, last)
        return self.days[rng.randrange(low, high)] if high > low else first

    def back(self, end: date, n: int) -> date:
        index = bisect_right(self.days, end) - 1 - n
        return self.days[max(index, 0)]


def ensure_load_catalog() -> LoadContext:
    """Published versions (the catalog's, or a clearly marked load set) and a site to receive at."""
    site = Site.objects.filter(level=Site.Level.COUNTY).select_related("division").first()
    if site is None:
        division, _ = Division.objects.get_or_create(
            code="130921", defaults={"name": "压测县", "level": Division.Level.COUNTY}
        )
        site = Site.objects.create(name="【压测】政务服务中心", level=Site.Level.COUNTY, division=division)
    versions = list(MatterVersion.objects.filter(status=MatterVersion.Status.PUBLISHED).select_related("department"))
    if not versions:
        departments = list(Department.objects.filter(kind=Department.Kind.DEPARTMENT)[:8])
        if not departments:
            departments = [Department.objects.create(name="【压测】审批部门")]
        for index, (name, legal, promised, handling, depth) in enumerate(LOAD_MATTERS):
            matter, _ = Matter.objects.get_or_create(code=f"LOAD{index:04d}")
            version, _ = MatterVersion.objects.get_or_create(
                matter=matter,
                version=1,
                defaults={
                    "status": MatterVersion.Status.PUBLISHED,
                    "name": name,
                    "matter_type": "01",
                    "department": departments[index % len(departments)],
                    "legal_limit_days": legal,
                    "promised_limit_days": promised,
                    "handling_type": handling,
                    "online_depth": depth,
                    "site_visits": 0 if depth == "4" else 1,
                    "site_visit_reason": "" if depth == "4" else "需核验原件",
                    "keywords": "压测数据",
                },
            )
            versions.append(version)
    handlers: dict[int, list[int]] = {}
    for user_id, department_id in User.objects.filter(role=User.Role.APPROVER, is_active=True).values_list(
        "pk", "department_id"
    ):
        handlers.setdefault(department_id, []).append(user_id)
    inspectors: dict[int, list[int]] = {}
    for user_id, department_id in User.objects.filter(role=User.Role.INSPECTOR, is_active=True).values_list(
        "pk", "department_id"
    ):
        inspectors.setdefault(department_id, []).append(user_id)
    supervisors = list(User.objects.filter(role=User.Role.SUPERVISOR, is_active=True).values_list("pk", flat=True))
    clerks_by_site: dict[int, list[int]] = {}
    for user_id, site_id in User.objects.filter(role=User.Role.CLERK).values_list("pk", "site_id"):
        clerks_by_site.setdefault(site_id, []).append(user_id)
    towns = [
        LoadSite(pk=pk, division_code=code, clerks=clerks_by_site.get(pk, []))
        for pk, code in Site.objects.filter(level=Site.Level.TOWN, is_active=True)
        .exclude(division__code=site.division.code)
        .order_by("pk")
        .values_list("pk", "division__code")
        if code and len(code) == 6 and code.isdigit()
    ]
    return LoadContext(
        versions=versions,
        site=site,
        handlers=handlers,
        clerks=clerks_by_site.get(site.pk, []),
        towns=towns,
        tz=timezone.get_current_timezone(),
        now=timezone.now(),
        inspectors=inspectors,
        supervisors=supervisors,
    )


def _person(rng: random.Random, serial: int) -> tuple[str, str, str]:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
    first17 = f"130921{birth:%Y%m%d}{serial % 1000:03d}"
    phone = f"1{rng.choice('3578')}{rng.randrange(0, 10**9):09d}"
    return name, first17 + resident_id_check_char(first17), phone


class _Weighted:
    """A weighted choice with its cumulative weights computed once (one ``random()`` per pick)."""

    def __init__(self, options):
        values, weights = zip(*options, strict=True)
        self.values = values
        total = sum(weights)
        running = 0.0
        self.cumulative = []
        for weight in weights:
            running += weight
            self.cumulative.append(running / total)

    def pick(self, rng: random.Random):
        return self.values[min(bisect_right(self.cumulative, rng.random()), len(self.values) - 1)]


def _weighted(rng: random.Random, options):
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


_CHANNELS = _Weighted(CHANNELS)
_STATUSES = _Weighted(STATUSES)
_HISTORY_STATUSES = _Weighted(HISTORY_STATUSES)
_OPEN_STATUSES = _Weighted(OPEN_STATUSES)


def _build(
    rng: random.Random,
    ctx: LoadContext,
    wd: _WorkingDays,
    *,
    today: date,
    year: int,
    open_only: bool,
    serial: int,
    history: bool = False,
) -> dict:
    """One application as a dict of column values (model instances cost more than the database write)."""
    version = rng.choice(ctx.versions)
    name, id_number, phone = _person(rng, serial)
    channel = _CHANNELS.pick(rng)
    immediate = version.handling_type == "1"
    if open_only:
        # Accepted within the last ~1.5 promised limits: some on track, some yellow, some red.
        span = max(int(version.promised_limit_days * 1.5), 2)
        accepted_on = wd.back(today, rng.randrange(0, span))
        status = Status.ACCEPTED if immediate else _OPEN_STATUSES.pick(rng)
    else:
        start = date(year, 1, 1)
        last = min(today, date(year, 12, 31)) if history else today
        accepted_on = wd.pick(rng, start, last if not history else last - timedelta(days=1))
        status = (_HISTORY_STATUSES if history else _STATUSES).pick(rng)
        if immediate:
            status = Status.DELIVERED if status in (Status.DELIVERED, Status.COMPLETED) else Status.COMPLETED
        if not history:
            status = _status_by_age(rng, wd, version, status, accepted_on, today)
    received_at = datetime.combine(accepted_on, time(8, 30), tzinfo=ctx.tz) + timedelta(minutes=rng.randrange(0, 480))
    if ctx.now and received_at > ctx.now:
        # Later today than now: earlier this morning, or the previous working day before opening.
        opening = datetime.combine(accepted_on, time(8, 30), tzinfo=ctx.tz)
        if ctx.now > opening:
            received_at = opening + (ctx.now - opening) * rng.random()
        else:
            accepted_on = wd.back(accepted_on, 1)
            received_at = datetime.combine(accepted_on, time(8, 30), tzinfo=ctx.tz) + (received_at - opening)
    handlers = ctx.handlers.get(version.department_id)
    app = {
        "number": "",
        "matter_version_id": version.pk,
        "applicant_type": ApplicantType.NATURAL_PERSON,
        "applicant_name": name,
        "applicant_id_type": IdType.RESIDENT_ID,
        "applicant_id_number": id_number,
        "applicant_phone": phone,
        "channel": channel,
        "site_id": ctx.site.pk,
        "received_by_id": rng.choice(ctx.clerks) if ctx.clerks and channel == Channel.WINDOW else None,
        "department_id": version.department_id,
        "handler_id": rng.choice(handlers) if handlers else None,
        "is_assisted": rng.random() < 0.06,
        "status": status,
        "received_at": received_at,
        "received_on": accepted_on,
        "promised_limit_days": version.promised_limit_days,
        "legal_limit_days": version.legal_limit_days,
        "answer_deadline": wd.add(accepted_on, settings.APPROVALS_ANSWER_PERIOD_DAYS)
        if status in (Status.RECEIVED, Status.SUBMITTED)
        else None,
        "paused_working_days": 0,
        "extended_working_days": 0,
        "is_load_data": True,
    }
    if status in (Status.RECEIVED, Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED, Status.NOT_ACCEPTED):
        if status == Status.NOT_ACCEPTED:
            app["refusal_reason"] = "申请事项不属于本机关职权范围"
        if status == Status.SUPPLEMENT_REQUESTED:
            app["supplement_items"] = [{"name": "申请书", "note": "未签字", "material_id": None}]
            app["supplement_requested_at"] = received_at
        return app
    app["accepted_at"] = received_at
    app["accepted_on"] = accepted_on
    if rng.random() < 0.08 and not immediate:
        app["paused_working_days"] = rng.randrange(1, 11)
    if rng.random() < 0.03 and not immediate:
        app["extended_working_days"] = max(clock.max_extension_days(version.legal_limit_days) // 2, 0)
    total = app["paused_working_days"] + app["extended_working_days"]
    app["promised_deadline"] = wd.add(accepted_on, version.promised_limit_days + total)
    app["legal_deadline"] = wd.add(accepted_on, version.legal_limit_days + total)
    app["clock_state"] = ClockState.RUNNING
    if status == Status.SPECIAL_PROCEDURE:
        app["clock_state"] = ClockState.PAUSED
        app["paused_since"] = wd.back(today, rng.randrange(0, 5))
    if status in (Status.DECIDED, Status.COMPLETED, Status.DELIVERED, Status.REVOKED):
        app["decision"] = Decision.APPROVED if rng.random() < 0.96 else Decision.DENIED
        app["decision_document_number"] = f"清审〔{accepted_on.year}〕{serial}号"
        app["decided_at"] = received_at
        app["decision_reasons"] = "" if app["decision"] == Decision.APPROVED else "不符合法定条件"
    completed_on = None
    if status in (Status.COMPLETED, Status.DELIVERED) or (status == Status.REVOKED and rng.random() < 0.5):
        late = rng.random() < 0.04
        limit = version.promised_limit_days + total
        used = limit + rng.randrange(1, 5) if late else rng.randrange(0, limit + 1)
        if immediate:
            used = 0  # 即办件: handled on the spot, the day it is accepted
        elif app["paused_working_days"]:
            used = max(used, app["paused_working_days"] + 1)  # after its special procedure ended
        completed_on = wd.add(accepted_on, used)
        if completed_on > today and not history and status != Status.REVOKED:
            # Its completion lies ahead: today it is still under review (审查中), clock running.
            app["status"] = status = Status.UNDER_REVIEW
            for field in ("decision", "decision_document_number", "decided_at", "decision_reasons"):
                app.pop(field, None)
            completed_on = None
        elif completed_on > today:
            completed_on = today
    if completed_on is not None:
        app["completed_on"] = completed_on
        app["completed_at"] = datetime.combine(completed_on, time(16, 0), tzinfo=ctx.tz)
        app["clock_state"] = ClockState.STOPPED
        app["elapsed_working_days"] = max(wd.between(accepted_on, completed_on) - app["paused_working_days"], 0)
        app["on_time"] = completed_on <= app["promised_deadline"]
    if status == Status.DELIVERED:
        app["delivery_method"] = DeliveryMethod.POST if rng.random() < 0.3 else DeliveryMethod.PICKUP
        app["tracking_number"] = f"SF{rng.randrange(10**11, 10**12)}" if app["delivery_method"] == "post" else ""
        app["delivered_at"] = app["completed_at"]
    if status in (Status.WITHDRAWN, Status.REVOKED):
        app["clock_state"] = ClockState.STOPPED
        app["closing_reason"] = "申请人主动撤回" if status == Status.WITHDRAWN else "以欺骗手段取得"
    _add_clock_rows(rng, ctx, wd, app, today)
    if not open_only and app["clock_state"] == ClockState.RUNNING:
        # The card the sweep would show today, marked as already notified (warned_level).
        if today > app["promised_deadline"]:
            level = WarningLevel.RED
        elif wd.between(today, app["promised_deadline"]) <= clock.yellow_threshold_days(app["promised_limit_days"]):
            level = WarningLevel.YELLOW
        else:
            level = WarningLevel.NONE
        app["warning_level"] = app["warned_level"] = level
    return app


_PAUSE_KINDS = _Weighted(
    [
        (ClockPause.Kind.INSPECTION, 60),
        (ClockPause.Kind.EXPERT_REVIEW, 15),
        (ClockPause.Kind.TESTING, 10),
        (ClockPause.Kind.HEARING, 5),
        (ClockPause.Kind.OTHER, 10),
    ]
)
_PAUSE_REASONS = {
    ClockPause.Kind.INSPECTION: "需现场核查经营场所",
    ClockPause.Kind.EXPERT_REVIEW: "需组织专家评审",
    ClockPause.Kind.TESTING: "需委托检验检测",
    ClockPause.Kind.HEARING: "涉及重大利益关系，依申请举行听证",
    ClockPause.Kind.OTHER: "需征求相关部门意见",
}


def _add_clock_rows(rng: random.Random, ctx: LoadContext, wd: _WorkingDays, app: dict, today: date) -> None:
    """The special procedure (特别程序, e.g. 现场勘验) behind ``paused_working_days`` or a paused
    clock, and the approved extension (延期) behind ``extended_working_days``, as rows of their own
    tables under ``_pauses`` / ``_extensions`` (written after the applications, with their ids)."""
    staff = ctx.handlers.get(app["department_id"]) or ctx.supervisors or ctx.clerks
    if not staff or app.get("accepted_on") is None:
        return
    accepted_on = app["accepted_on"]
    end = app.get("completed_on") or today
    by = app["handler_id"] or staff[0]
    pauses = []
    if app["paused_working_days"]:
        started_on = min(wd.add(accepted_on, 1), end)
        ended_on = min(wd.add(started_on, app["paused_working_days"]), end)
        pauses.append((started_on, ended_on, app["paused_working_days"]))
    if app.get("paused_since"):
        pauses.append((app["paused_since"], None, None))
    for started_on, ended_on, days in pauses:
        kind = _PAUSE_KINDS.pick(rng)
        inspection = kind == ClockPause.Kind.INSPECTION
        inspectors = ctx.inspectors.get(app["department_id"], [])
        pause = {
            "kind": kind,
            "reason": _PAUSE_REASONS[kind],
            "scheduled_on": wd.add(started_on, 1) if inspection else None,
            "mode": rng.choice(ClockPause.Mode.values) if inspection else "",
            "location": "申请人经营场所" if inspection else "",
            "inspector_id": rng.choice(inspectors) if inspection and inspectors else None,
            "started_on": started_on,
            "ended_on": ended_on,
            "working_days": days,
            "started_by_id": by,
            "ended_by_id": by if ended_on else None,
        }
        if ended_on and inspection:
            pause["result"] = "现场情况与申请材料一致"
            pause["result_recorded_at"] = datetime.combine(ended_on, time(11, 0), tzinfo=ctx.tz)
        app.setdefault("_pauses", []).append(pause)
    if app["extended_working_days"] and ctx.supervisors:
        decided_on = min(wd.add(accepted_on, max(app["promised_limit_days"] - 1, 1)), end)
        decided_at = datetime.combine(decided_on, time(10, 0), tzinfo=ctx.tz)
        if ctx.now and decided_at > ctx.now:
            decided_at = ctx.now
        app["_extensions"] = [
            {
                "working_days": app["extended_working_days"],
                "reason": "案情复杂，需进一步核实",
                "status": ClockExtension.Status.APPROVED,
                "requested_by_id": by,
                "decided_by_id": rng.choice(ctx.supervisors),
                "decided_at": decided_at,
                "decision_note": "同意延期",
            }
        ]


def _copy_clock_rows(rows: list[dict], clock_rows: list[tuple]) -> None:
    """Write the pauses and extensions (``clock_rows``, taken off each row before its COPY) of a
    batch of applications already written, so their ids are known."""
    pauses, extensions = [], []
    for row, (row_pauses, row_extensions) in zip(rows, clock_rows, strict=True):
        pauses += [{**pause, "application_id": row["id"]} for pause in row_pauses]
        extensions += [{**extension, "application_id": row["id"]} for extension in row_extensions]
    copy_dicts(ClockPause, pauses)
    copy_dicts(ClockExtension, extensions)


_OPEN_STATUS_VALUES = (Status.ACCEPTED, Status.UNDER_REVIEW, Status.DECIDED, Status.SPECIAL_PROCEDURE)


def _status_by_age(rng: random.Random, wd: _WorkingDays, version, status: str, accepted_on: date, today: date) -> str:
    """The state a case received on ``accepted_on`` is in today: still owed an answer only within
    the answer period (art. 32; older ones were answered or deemed accepted), still open only within
    about its promised limit (a few past it); otherwise it has been completed."""
    age = wd.between(accepted_on, today)
    if status in (Status.RECEIVED, Status.SUBMITTED):
        still = age < settings.APPROVALS_ANSWER_PERIOD_DAYS
    elif status in _OPEN_STATUS_VALUES:
        still = age <= version.promised_limit_days + max(version.promised_limit_days // 5, 1)
    else:
        return status
    if still:
        return status
    return Status.DELIVERED if rng.random() < 0.85 else Status.COMPLETED


class _Numbering:
    """Numbers per (year, division) through ``issue_numbers``; rows move to a town site when the
    county hall's yearly sequence is full (a 6-digit sequence holds 999,999 numbers)."""

    def __init__(self, ctx: LoadContext):
        self.ctx = ctx
        self.sites = [LoadSite(pk=ctx.site.pk, division_code=ctx.site.division.code, clerks=ctx.clerks), *ctx.towns]
        self.used: dict[tuple[int, str], int] = {}
        self.town_turn = 0

    def _room(self, year: int, site: LoadSite) -> int:
        key = (year, site.division_code)
        if key not in self.used:
            last = (
                NumberSequence.objects.filter(year=year, division_code=site.division_code)
                .values_list("last_value", flat=True)
                .first()
            )
            self.used[key] = last or 0
        return NUMBER_CAPACITY - self.used[key]

    def assign(self, rows: list[dict], rng: random.Random) -> None:
        """Give every row its site (town-site channel rows go to the towns) and its number."""
        groups: dict[tuple[int, str], list[dict]] = {}
        sites = {site.pk: site for site in self.sites}
        for row in rows:
            year = row["received_on"].year
            site = sites[row["site_id"]]
            if row["channel"] == Channel.TOWN_SITE and self.ctx.towns:
                site = self.ctx.towns[self.town_turn % len(self.ctx.towns)]
                self.town_turn += 1
            if self._room(year, site) <= 0:
                free = [s for s in self.sites if self._room(year, s) > 0]
                if not free:
                    raise ValueError(f"{year} 年各区划的办件编号均已用尽。")
                site = free[self.town_turn % len(free)]  # spread the overflow over the towns
                self.town_turn += 1
            if site.pk != row["site_id"]:
                row["site_id"] = site.pk
                if row["received_by_id"] is not None:
                    row["received_by_id"] = rng.choice(site.clerks) if site.clerks else None
            self.used[(year, site.division_code)] += 1
            groups.setdefault((year, site.division_code), []).append(row)
        for (year, code), group in groups.items():
            for row, number in zip(group, issue_numbers(year=year, division_code=code, count=len(group)), strict=True):
                row["number"] = number


def generate_applications(
    *,
    count: int,
    today: date | None = None,
    open_only: bool = False,
    batch_size: int = 20000,
    seed: int | None = None,
    calendar: WorkingCalendar | None = None,
    progress=None,
    year: int | None = None,
) -> int:
    """Create ``count`` load applications: a year up to ``today`` (or only open clocks); returns the count.

    With ``year`` before ``today``'s, the applications are of that past year (历史年度) and all finished.
    """
    today = today or timezone.localdate()
    year = year or today.year
    history = year < today.year
    rng = random.Random(seed)  # noqa: S311 (load data, not secrets)
    calendar = calendar or current_calendar()
    ctx = ensure_load_catalog()
    wd = _WorkingDays(calendar, date(year - 1, 1, 1), date(today.year + 2, 12, 31))
    numbering = _Numbering(ctx)
    created = 0
    serial = 0
    while created < count:
        size = min(batch_size, count - created)
        rows = []
        for _ in range(size):
            serial += 1
            rows.append(
                _build(rng, ctx, wd, today=today, year=year, open_only=open_only, serial=serial, history=history)
            )
        with transaction.atomic():
            relax_commit()
            numbering.assign(rows, rng)
            clock_rows = [(row.pop("_pauses", ()), row.pop("_extensions", ())) for row in rows]
            copy_dicts(Application, rows)
            _copy_clock_rows(rows, clock_rows)
        created += size
        if progress:
            progress(created)
    return created


def delete_load_data() -> int:
    """Remove every load application (and nothing else)."""
    with transaction.atomic():
        deleted, _ = Application.objects.filter(is_load_data=True).delete()
    return deleted
