"""factory_boy factories for the queue."""

from datetime import time

import factory
from django.utils import timezone

from hall.models import User
from hall.queue.models import AppointmentSlot, PriorityCategory, QueueLine, WindowLine
from hall.tests.factories import SiteFactory, UserFactory, WindowFactory, ZoneFactory


class QueueLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QueueLine

    site = factory.SubFactory(SiteFactory)
    zone = factory.SubFactory(ZoneFactory, site=factory.SelfAttribute("..site"))
    prefix = factory.Sequence(lambda n: "ABCDEFGHJKLMNPQRSTUVWXYZ"[n % 24])
    name = factory.Sequence(lambda n: f"测试队列{n}")
    # Open all day, so tests pass whatever the hour they run at.
    opens_at = time(0, 0)
    closes_at = time(23, 59, 59)
    daily_limit = 5000
    priority_interleave = 3


class PriorityCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriorityCategory
        django_get_or_create = ["code"]

    code = "elderly"
    name = "老年人"


class AppointmentSlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentSlot

    line = factory.SubFactory(QueueLineFactory)
    service_date = factory.LazyFunction(timezone.localdate)
    starts_at = time(0, 0)
    ends_at = time(23, 59)
    capacity = 5


def window_serving(line, *, number=None, clerk=True, **kwargs):
    """A window in the line's zone that serves ``line``, with a clerk sitting at it."""
    extra = {"number": number} if number is not None else {}
    window = WindowFactory(zone=line.zone, site=line.site, **extra, **kwargs)
    WindowLine.objects.create(window=window, line=line)
    if clerk:
        UserFactory(role=User.Role.CLERK, site=line.site, window=window, full_name=f"窗口{window.number}")
    return window


def bulk_waiting_tickets(line, *, normal: int, priority: int = 0, appointments: int = 0, category=None):
    """Many waiting tickets at once for load tests, interleaved in arrival order like a real morning:
    every 10th arrival a priority ticket, the appointments (already due) spread among them."""
    from datetime import timedelta

    from hall.queue.models import LineDay, Ticket

    now = timezone.now()
    today = timezone.localdate(now)
    # Spread the special tickets evenly across the arrivals.
    specials, p, a = [], priority, appointments
    while p or a:
        if p:
            specials.append("priority")
            p -= 1
        if a:
            specials.append("appointment")
            a -= 1
    total = normal + len(specials)
    step = max(1, total // max(1, len(specials)))
    order, normals = [], normal
    for i in range(total):
        take_special = specials and (i % step == step - 1 or not normals)
        if take_special:
            order.append(specials.pop(0))
        else:
            order.append("normal")
            normals -= 1
    start = now - timedelta(hours=2)
    tickets = []
    for seq, kind in enumerate(order, start=1):
        at = start + timedelta(seconds=seq)
        tickets.append(
            Ticket(
                site_id=line.site_id,
                issued_line=line,
                line=line,
                service_date=today,
                sequence=seq,
                number=f"{line.prefix}{seq:03d}",
                is_priority=kind == "priority",
                priority=category if kind == "priority" else None,
                appointment_due_at=at if kind == "appointment" else None,
                source=Ticket.Source.APPOINTMENT if kind == "appointment" else Ticket.Source.KIOSK,
                issued_at=at,
                queued_at=at,
            )
        )
    Ticket.objects.bulk_create(tickets, batch_size=500)
    LineDay.objects.update_or_create(
        line=line, service_date=today, defaults={"last_sequence": len(order), "normal_streak": 0}
    )
    return len(order)
