"""Fixtures of the applications tests: a published matter with materials, people, helpers."""

from __future__ import annotations

from datetime import date

import pytest

from approvals import services
from approvals.models import ApplicantType, ApplicationMaterial, IdType
from approvals.tests.factories import MaterialFactory, MatterVersionFactory
from hall.models import User
from hall.services.accounts import user_create

PASSWORD = "Demo@2026"
ACCEPTED = date(2026, 9, 24)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(demo_people):
    return demo_people


@pytest.fixture
def version(people):
    """A published version in the approver's department, with a core and a 容缺-able material."""
    v = MatterVersionFactory(department=people["approver"].department)
    MaterialFactory(version=v, name="申请书", sort_order=1)
    MaterialFactory(version=v, name="营业场所证明", may_be_missing=True, sort_order=2)
    MaterialFactory(version=v, name="其他说明材料", is_required=False, sort_order=3)
    return v


@pytest.fixture
def immediate_version(people):
    v = MatterVersionFactory(
        department=people["approver"].department, handling_type="1", legal_limit_days=1, promised_limit_days=0
    )
    MaterialFactory(version=v, name="身份证明")
    return v


@pytest.fixture
def other_citizen(db):
    return user_create(
        username="13900009999",
        password=PASSWORD,
        full_name="蒋其他",
        role=User.Role.PUBLIC,
        phone="13900009999",
        id_number="110105198001010016",
    )


def applicant(**overrides) -> services.ApplicantData:
    data = {
        "applicant_type": ApplicantType.NATURAL_PERSON,
        "name": "卫群众",
        "phone": "13700000007",
        "id_type": IdType.RESIDENT_ID,
        "id_number": "11010519491231002X",
    }
    data.update(overrides)
    return services.ApplicantData(**data)


def all_provided(version) -> list[services.MaterialState]:
    return [
        services.MaterialState(material_id=m.pk, state=ApplicationMaterial.State.PROVIDED)
        for m in version.materials.filter(is_required=True)
    ]


@pytest.fixture
def received(people, version):
    """An application received at the clerk's window with every required material provided."""
    return services.application_receive(
        version=version,
        applicant=applicant(),
        by=people["clerk"],
        materials=all_provided(version),
        applicant_user=people["public"],
    )


@pytest.fixture
def accepted(people, received):
    return services.application_accept(application=received, by=people["clerk"], today=ACCEPTED)


@pytest.fixture
def under_review(people, accepted):
    return services.application_start_review(application=accepted, by=people["approver"])
