"""Fixtures of the evaluations tests: a window that serves, finished services, completed applications."""

from __future__ import annotations

from datetime import time

import pytest

from approvals import services as app_services
from approvals.models import ApplicantType, ApplicationMaterial, IdType
from approvals.tests.factories import MaterialFactory, MatterVersionFactory
from evaluations.models import Level, ReasonTag
from evaluations.services import Rating
from hall.queue import services as queue_services
from hall.queue.models import QueueLine, WindowLine
from hall.queue.tests.factories import QueueLineFactory

PASSWORD = "Demo@2026"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(demo_people):
    return demo_people


@pytest.fixture
def window(people):
    """The clerk's window, serving a line of its own, run by the approver's department."""
    window = people["clerk"].window
    window.department = people["approver"].department
    window.save(update_fields=["department"])
    used = set(QueueLine.objects.filter(site=window.site).values_list("prefix", flat=True))
    prefix = next(p for p in "XYZWVUTSRQ" if p not in used)
    line = QueueLineFactory(site=window.site, zone=window.zone, prefix=prefix)
    WindowLine.objects.create(window=window, line=line)
    return window


def serve(window, clerk):
    """Issue, call and finish one ticket at ``window``: returns its ServiceRecord."""
    # The test line is open all day (the demo lines keep office hours).
    line = WindowLine.objects.filter(window=window, line__opens_at=time(0, 0)).select_related("line").first().line
    queue_services.ticket_issue(line=line)
    ticket = queue_services.ticket_call_next(window=window, by=clerk)
    queue_services.ticket_finish(ticket=ticket, window=window, by=clerk)
    ticket.refresh_from_db()
    return ticket.service_record


@pytest.fixture
def service_record(people, window):
    return serve(window, people["clerk"])


@pytest.fixture
def version(people):
    v = MatterVersionFactory(department=people["approver"].department, name="食品经营许可（测试）")
    MaterialFactory(version=v, name="申请书", sort_order=1)
    return v


def applicant(**overrides) -> app_services.ApplicantData:
    data = {
        "applicant_type": ApplicantType.NATURAL_PERSON,
        "name": "卫群众",
        "phone": "13700000007",
        "id_type": IdType.RESIDENT_ID,
        "id_number": "11010519491231002X",
    }
    data.update(overrides)
    return app_services.ApplicantData(**data)


def receive(people, version, *, applicant_user=None):
    return app_services.application_receive(
        version=version,
        applicant=applicant(),
        by=people["clerk"],
        materials=[
            app_services.MaterialState(material_id=m.pk, state=ApplicationMaterial.State.PROVIDED)
            for m in version.materials.filter(is_required=True)
        ],
        applicant_user=applicant_user,
    )


def complete(people, app):
    app = app_services.application_accept(application=app, by=people["clerk"])
    app = app_services.application_start_review(application=app, by=people["approver"])
    app = app_services.application_decide(
        application=app, approved=True, document_number="清审〔2026〕1号", by=people["approver"]
    )
    return app_services.application_complete(application=app, by=people["approver"])


@pytest.fixture
def completed(people, version):
    return complete(people, receive(people, version, applicant_user=people["public"]))


def tag(level: str, index: int = 0) -> ReasonTag:
    return ReasonTag.objects.filter(level=level).order_by("sort_order")[index]


def good() -> Rating:
    return Rating(level=Level.VERY_SATISFIED)


def bad(phone: str = "13800001234") -> Rating:
    return Rating(level=Level.DISSATISFIED, tag_ids=(tag(Level.DISSATISFIED).pk,), text="等了很久", phone=phone)


@pytest.fixture
def other_citizen(db):
    from hall.models import User
    from hall.services.accounts import user_create

    return user_create(
        username="13900009999",
        password=PASSWORD,
        full_name="蒋其他",
        role=User.Role.PUBLIC,
        phone="13900009999",
        id_number="110105198001010016",
    )
