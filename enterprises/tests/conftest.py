"""Fixtures of the enterprises tests: the demo county with the 企业开办 theme and its window staff."""

from __future__ import annotations

import pytest

from conftest import DEMO_TEST_PASSWORD

REGISTRATION = {
    "name": "清源县星河科技有限公司",
    "entity_type": "llc",
    "legal_representative": "张三",
    "legal_representative_id_number": "11010519491231002X",
    "registered_capital": "100",
    "address": "清源县人民路 100 号",
    "industry": "I",
}


@pytest.fixture
def startup_staff(demo_people):
    """Staff of the 企业开办专区: clerks at windows 5 (intake: the demo theme's own ``clerk05``),
    6 (registration) and 7 (tax), and the registration approver of 市场监管 in the back office."""
    from enterprises.demo import STARTUP_CLERK, seed_startup_theme
    from hall.models import Site, User, Window
    from hall.services.accounts import user_create

    seed_startup_theme()
    hall = Site.objects.get(level=Site.Level.COUNTY)
    windows = {w.number: w for w in Window.objects.filter(site=hall, number__in=(6, 7))}
    staff = {"intake": User.objects.get(username=STARTUP_CLERK[0])}
    for key, role, number, phone in (
        ("registration", User.Role.CLERK, 6, "13911110006"),
        ("tax", User.Role.CLERK, 7, "13911110007"),
        ("registrar", User.Role.APPROVER, None, "13911110008"),
    ):
        staff[key] = user_create(
            username=f"e_{key}",
            password=DEMO_TEST_PASSWORD,
            full_name={"registration": "登记窗口", "tax": "税务窗口", "registrar": "登记审核"}[key],
            role=role,
            department=windows[number or 6].department,
            site=hall,
            window=windows[number] if number else None,
            phone=phone,
        )
    staff.update(demo_people)
    return staff
