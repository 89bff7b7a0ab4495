"""Races on PostgreSQL: two clerks accepting at the same moment, and numbers issued in parallel."""

import threading

import pytest
from django.db import connection

from approvals import services
from approvals.models import Application, ApplicationEvent, Status
from approvals.tests.conftest import all_provided, applicant
from approvals.transitions import TransitionNotAllowed
from hall.models import User
from hall.services.accounts import user_create


def _run_together(count, work):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def attempt(index):
        try:
            barrier.wait()
            results.append(work(index))
        except Exception as exc:  # collected and asserted by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_clerks_accepting_at_once_one_wins_the_other_gets_a_conflict(demo_people, version):
    first = demo_people["clerk"]
    second = user_create(
        username="t_clerk2",
        password="Demo@2026",
        full_name="王二窗",
        role=User.Role.CLERK,
        site=first.site,
        department=first.department,
    )
    app = services.application_receive(
        version=version, applicant=applicant(), by=first, materials=all_provided(version)
    )
    clerks = [first, second]
    results, errors = _run_together(2, lambda i: services.application_accept(application=app, by=clerks[i]))
    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], TransitionNotAllowed)
    assert "已受理" in errors[0].message
    assert Application.objects.get(pk=app.pk).status == Status.ACCEPTED
    assert ApplicationEvent.objects.filter(application=app, action="accept").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_numbers_issued_in_parallel_are_unique_and_consecutive(demo_people, version):
    clerk = demo_people["clerk"]
    results, errors = _run_together(
        8, lambda i: services.application_receive(version=version, applicant=applicant(), by=clerk).number
    )
    assert errors == []
    sequence = sorted(int(n[-6:]) for n in results)
    assert sequence == list(range(sequence[0], sequence[0] + 8))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_accepting_over_the_api_twice_at_once_gives_one_409(demo_people, version):
    from rest_framework.test import APIClient

    clerk = demo_people["clerk"]
    app = services.application_receive(
        version=version, applicant=applicant(), by=clerk, materials=all_provided(version)
    )

    def post(_):
        client = APIClient()
        client.force_login(clerk)
        return client.post(f"/api/v1/applications/{app.number}/accept/", {}, format="json").status_code

    results, errors = _run_together(2, post)
    assert errors == []
    assert sorted(results) == [200, 409]
