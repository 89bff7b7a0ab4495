"""Schemathesis over the whole OpenAPI schema, as an administrator and as a clerk (issue 9).

In-process (WSGI) on the test database, bounded: ``FUZZ_EXAMPLES`` examples per operation and
strategy (a few in the normal suite, more with ``make fuzz-api``). Each operation is fuzzed with
schema-valid data, with schema-violating data, and — when it has path parameters — with the
numbers of real applications, materials and tickets, so that transitions and their guards are
reached. Every answer must be below 500 and carry a status code the schema documents.
"""

from __future__ import annotations

import os
import secrets

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from approvals import services
from approvals.tests.conftest import all_provided, applicant
from approvals.tests.factories import MaterialFactory, MatterVersionFactory
from hall.queue.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
CHECKS = [not_a_server_error, status_code_conformance]


@pytest.fixture
def real_objects(demo_people):
    """An application in each early state, for path parameters that name real rows."""
    version = MatterVersionFactory(department=demo_people["approver"].department)
    MaterialFactory(version=version, name="申请书", sort_order=1)
    received = services.application_receive(
        version=version, applicant=applicant(), by=demo_people["clerk"], materials=all_provided(version)
    )
    accepted = services.application_accept(
        application=services.application_receive(
            version=version, applicant=applicant(), by=demo_people["clerk"], materials=all_provided(version)
        ),
        by=demo_people["clerk"],
    )
    ticket = Ticket.objects.first()
    return {
        "numbers": [received.number, accepted.number],
        "material_id": received.materials.first().pk if received.materials.exists() else 1,
        "pk": ticket.pk if ticket else 1,
        "site_id": demo_people["clerk"].site_id,
        "code": version.matter.code,
    }


def _session_headers(client, user) -> tuple[dict, dict]:
    client.force_login(user)
    token = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and header
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}
    return {"X-CSRFToken": token}, cookies


@pytest.mark.parametrize("role", ["admin", "clerk"])
def test_no_5xx_and_documented_status_codes(client, demo_people, real_objects, role):
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
    headers, cookies = _session_headers(client, demo_people[role])
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        names = [p.name for p in operation.path_parameters]
        strategies = [operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)]
        if names:
            for number in real_objects["numbers"]:
                real = {n: real_objects.get(n, number if n == "number" else 1) for n in names}
                if "number" in names:
                    real["number"] = number
                strategies.append(operation.as_strategy(path_parameters=real))
        for strategy in strategies:

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def run(case):
                response = case.call(headers=headers, cookies=cookies)
                case.validate_response(response, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                continue  # e.g. nothing to make invalid in an operation without parameters
            except (Exception, BaseExceptionGroup) as exc:  # one operation's failure must not hide the others'
                failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}")
    assert operations > 30
    assert not failures, "\n\n".join(failures)
