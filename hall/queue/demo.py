"""Demo queue (演示排队): lines for the county hall's zones, which windows serve them, priority
categories, weekly opening rules and the appointment slots they open. Idempotent."""

from __future__ import annotations

from datetime import time

from django.db import transaction

from hall.models import Site, Window, Zone
from hall.queue.models import OpeningRule, PriorityCategory, QueueLine, WindowLine
from hall.queue.services.slots import appointment_slots_generate

COUNTY_HALL = "清源县政务服务中心"

# (prefix, line name, zone name, daily limit, window numbers, description)
COUNTY_LINES = [
    ("A", "综合受理", "综合受理", 300, [1, 2, 3, 4], "社会事务、综合类事项“一窗受理”"),
    ("B", "企业开办", "企业开办专区", 150, [5, 6, 7], "设立登记、刻章、申领发票、社保登记一窗办"),
    ("C", "工程建设项目审批", "工改专区", 100, [8, 9, 10], "工程建设项目审批、投资项目、不动产登记"),
    ("D", "快捷即办", "快捷即办", 300, [11, 12], "即办件、医保业务"),
    ("E", "办不成事反映", "办不成事反映窗口", 50, [13], "办事遇到困难、多次未办成的事项反映"),
]

PRIORITY_CATEGORIES = [
    ("elderly", "老年人", "60 周岁以上老年人", 10),
    ("disabled", "残疾人", "持残疾人证", 20),
    ("green-channel", "重点项目绿色通道", "县重点项目、招商引资项目", 30),
]

# Weekly opening rules (预约开放规则) of lines A, B and C, Monday to Friday: (start, end, capacity).
OPENING_RULES = [
    (time(9, 0), time(10, 0), 6),
    (time(10, 0), time(11, 0), 6),
    (time(14, 0), time(15, 0), 6),
    (time(15, 0), time(16, 0), 6),
]


@transaction.atomic
def seed_queue() -> dict[str, int]:
    for code, name, description, order in PRIORITY_CATEGORIES:
        PriorityCategory.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "sort_order": order}
        )
    hall = Site.objects.filter(name=COUNTY_HALL).first()
    if hall is None:
        return {"queue_lines": 0}
    for order, (prefix, name, zone_name, limit, windows, description) in enumerate(COUNTY_LINES, start=1):
        zone = Zone.objects.get(site=hall, name=zone_name)
        line, _ = QueueLine.objects.get_or_create(
            site=hall,
            prefix=prefix,
            defaults={
                "zone": zone,
                "name": name,
                "description": description,
                "daily_limit": limit,
                "sort_order": order * 10,
                "opens_at": time(8, 30),
                "closes_at": time(17, 30),
            },
        )
        for window in Window.objects.filter(site=hall, number__in=windows):
            WindowLine.objects.get_or_create(window=window, line=line)
        if prefix in {"A", "B", "C"}:
            for start, end, capacity in OPENING_RULES:
                OpeningRule.objects.get_or_create(
                    line=line, weekdays="12345", starts_at=start, defaults={"ends_at": end, "capacity": capacity}
                )
    slots = appointment_slots_generate()
    return {"queue_lines": QueueLine.objects.filter(site=hall).count(), "slots_created": slots}
