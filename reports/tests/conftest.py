"""Fixtures of the reports tests: a generated year of applications and tickets, rolled up."""

from __future__ import annotations

from datetime import date

import pytest

from approvals.load import generate_applications
from approvals.models import Application, ClockExtension, ClockPause
from hall.models import User
from reports.load import generate_tickets
from reports.rollups import rollups_rebuild

TODAY = date(2026, 11, 30)
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(demo_people):
    return demo_people


def add_pauses_and_extensions(people) -> None:
    """A few inspections, other special procedures and approved extensions on generated rows."""
    approver = people["approver"]
    supervisor = people["supervisor"]
    accepted = list(Application.objects.filter(accepted_on__isnull=False).order_by("id")[:12])
    for index, app in enumerate(accepted[:8]):
        inspection = index % 2 == 0
        ClockPause.objects.create(
            application=app,
            kind="inspection" if inspection else "expert_review",
            reason="现场核验经营场所",
            scheduled_on=app.accepted_on,
            mode="standard" if inspection else "",
            started_on=app.accepted_on,
            ended_on=app.accepted_on,
            working_days=0,
            started_by=approver,
        )
    for app in accepted[8:]:
        ClockExtension.objects.create(
            application=app,
            working_days=5,
            reason="情况复杂",
            status="approved",
            requested_by=approver,
            decided_by=supervisor,
            decided_at=app.accepted_at,
        )


@pytest.fixture
def generated(people):
    """≈400 applications and 300 tickets of 2026 up to 30 November, rolled up."""
    generate_applications(count=400, today=TODAY, seed=7)
    add_pauses_and_extensions(people)
    generate_tickets(count=300, year=2026, today=TODAY, seed=7)
    rollups_rebuild(first_day=YEAR[0], last_day=YEAR[1])
    return people


def make_user(role: str, username: str, department=None) -> User:
    from hall.services.accounts import user_create

    return user_create(
        username=username,
        password="Demo@2026",
        full_name="测试" + role,
        role=role,
        department=department,
        phone="13700009999",
    )
