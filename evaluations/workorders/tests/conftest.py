"""Fixtures of the work-order tests: the demo people, a second department's approver, helpers."""

from __future__ import annotations

import pytest

from evaluations.workorders import services
from evaluations.workorders.models import Kind, Source
from hall.models import Department, User
from hall.services.accounts import user_create

PASSWORD = "Demo@2026"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(demo_people):
    return demo_people


@pytest.fixture
def department(people):
    return people["approver"].department


@pytest.fixture
def other_approver(people):
    other = (
        Department.objects.filter(kind=Department.Kind.DEPARTMENT).exclude(pk=people["approver"].department_id).first()
    )
    return user_create(
        username="t_other_approver",
        password=PASSWORD,
        full_name="何他部",
        role=User.Role.APPROVER,
        department=other,
        site=people["approver"].site,
        phone="13700009998",
    )


def order_input(**overrides) -> services.OrderInput:
    requester = overrides.pop("requester", services.Requester(name="卫群众", phone="13800001234"))
    values = {
        "source": Source.UNRESOLVED_WINDOW,
        "kind": Kind.COMPLAINT,
        "title": "营业执照变更多次往返",
        "content": "办理营业执照变更，窗口要求的材料与办事指南不一致，已往返三次。",
        "requester": requester,
    }
    values.update(overrides)
    return services.OrderInput(**values)


@pytest.fixture
def make_order(people):
    def make(**overrides):
        order, _ = services.workorder_receive(data=order_input(**overrides), by=people["clerk"])
        return order

    return make
