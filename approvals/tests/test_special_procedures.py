"""特别程序 with their details: a site inspection (现场勘验) names its date, mode and inspector; the
inspector sees their tasks and records the result — only of inspections assigned to them."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from approvals import services
from approvals.models import ClockPause, Status
from approvals.tests.test_pages import action_url, detail_url, login
from approvals.transitions import Action, actions_for
from hall.models import Department, Notification, User
from hall.services.accounts import user_create

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 9, 28)


def inspect(app, people, **overrides):
    kwargs = {
        "application": app,
        "kind": "inspection",
        "reason": "核查经营场所布局",
        "scheduled_on": date(2026, 9, 30),
        "mode": ClockPause.Mode.JOINT,
        "location": "清城区人民路 1 号",
        "inspector": people["inspector"],
        "by": people["approver"],
        "today": MONDAY,
    }
    kwargs.update(overrides)
    return services.application_pause(**kwargs)


@pytest.fixture
def other_inspector(people):
    return user_create(
        username="t_inspector2",
        password="Demo@2026",
        full_name="王勘验",
        role=User.Role.INSPECTOR,
        department=people["inspector"].department,
        site=people["inspector"].site,
        phone="13700009997",
    )


def test_an_inspection_records_its_details_and_tells_the_inspector(people, under_review):
    app = inspect(under_review, people)
    pause = app.pauses.get()
    assert (pause.kind, pause.mode, pause.scheduled_on) == ("inspection", "joint", date(2026, 9, 30))
    assert pause.inspector == people["inspector"] and pause.location == "清城区人民路 1 号"
    assert pause.reason == "核查经营场所布局"  # no longer carries the arrangement in its text
    note = app.events.get(action=Action.PAUSE).note
    assert "联合勘验" in note and "郑勘验" in note
    assert Notification.objects.get(recipient=people["inspector"]).dedupe_key == f"inspection-{pause.pk}"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"scheduled_on": None}, "scheduled_on"),
        ({"mode": ""}, "mode"),
        ({"mode": "drone"}, "mode"),
        ({"inspector": None}, "inspector"),
        ({"reason": " "}, "reason"),
        ({"scheduled_on": date(2026, 9, 25)}, "scheduled_on"),  # before today
    ],
)
def test_an_inspection_needs_date_mode_and_inspector(people, under_review, overrides, field):
    with pytest.raises(ValidationError) as exc:
        inspect(under_review, people, **overrides)
    assert field in exc.value.message_dict
    under_review.refresh_from_db()
    assert under_review.status == Status.UNDER_REVIEW and not under_review.pauses.exists()


@pytest.mark.parametrize("who", ["approver", "clerk", "other_department"])
def test_the_inspector_is_an_inspector_of_the_department(people, under_review, who):
    if who == "other_department":
        department = Department.objects.exclude(pk=people["inspector"].department_id).filter(parent__isnull=True)[0]
        person = user_create(
            username="t_far_inspector",
            password="Demo@2026",
            full_name="远勘验",
            role=User.Role.INSPECTOR,
            department=department,
            phone="13700009996",
        )
    else:
        person = people[who]
    with pytest.raises(ValidationError) as exc:
        inspect(under_review, people, inspector=person)
    assert "inspector" in exc.value.message_dict


def test_other_kinds_need_kind_and_reason_only(people, under_review):
    with pytest.raises(ValidationError) as exc:
        services.application_pause(
            application=under_review, kind="hearing", reason="听证", mode="joint", by=people["approver"]
        )
    assert "mode" in exc.value.message_dict
    app = services.application_pause(
        application=under_review,
        kind="hearing",
        reason="申请人要求听证",
        scheduled_on=date(2026, 10, 9),
        by=people["approver"],
        today=MONDAY,
    )
    pause = app.pauses.get()
    assert pause.mode == "" and pause.inspector is None and pause.scheduled_on == date(2026, 10, 9)
    app = services.application_resume(application=app, by=people["approver"], today=date(2026, 10, 12))
    assert app.status == Status.UNDER_REVIEW  # no result required for a hearing


def test_resume_records_the_inspection_result(people, under_review):
    app = inspect(under_review, people)
    with pytest.raises(ValidationError) as exc:
        services.application_resume(application=app, by=people["inspector"], today=date(2026, 9, 30))
    assert "result" in exc.value.message_dict
    app = services.application_resume(
        application=app, by=people["inspector"], result="场所符合要求", today=date(2026, 9, 30)
    )
    pause = app.pauses.get()
    assert pause.result == "场所符合要求" and pause.result_recorded_at is not None
    assert pause.ended_by == people["inspector"] and pause.working_days == 2
    assert "场所符合要求" in app.events.get(action=Action.RESUME).note


def test_only_the_assigned_inspector_records_the_result(people, under_review, other_inspector):
    app = inspect(under_review, people)
    assert Action.RESUME in actions_for(app, people["inspector"])
    assert Action.RESUME not in actions_for(app, other_inspector)
    assert Action.RESUME in actions_for(app, people["approver"])  # the back office may still end it
    with pytest.raises(PermissionDenied, match="未指派给您"):
        services.application_resume(application=app, by=other_inspector, result="合格", today=date(2026, 9, 30))
    app.refresh_from_db()
    assert app.status == Status.SPECIAL_PROCEDURE


def test_the_inspectors_task_page(client, people, under_review, other_inspector):
    inspect(under_review, people)
    login(client, people["inspector"])
    html = client.get(reverse("inspections")).content.decode()
    assert "<h1>勘验任务</h1>" in html
    assert f'data-inspection="{under_review.number}"' in html
    assert "联合勘验" in html and "2026-09-30" in html and "清城区人民路 1 号" in html
    assert "卫*众" in html and "卫群众" not in html  # the applicant's name is masked
    assert action_url(under_review, "resume") in html
    # Another inspector of the department does not see the task and may not record its result.
    login(client, other_inspector)
    html = client.get(reverse("inspections")).content.decode()
    assert f'data-inspection="{under_review.number}"' not in html
    assert client.post(action_url(under_review, "resume"), {"result": "合格"}).status_code == 403
    # The assigned inspector records the result through the page.
    login(client, people["inspector"])
    bad = client.post(action_url(under_review, "resume"), {"result": ""})
    assert bad.status_code == 400 and "请记录现场勘验的结果" in bad.content.decode()
    assert client.post(action_url(under_review, "resume"), {"result": "合格"}).status_code == 302
    assert f'data-inspection="{under_review.number}"' not in client.get(reverse("inspections")).content.decode()
    # A supervisor sees the department's open inspections with their inspector (none left here).
    login(client, people["supervisor"])
    assert client.get(reverse("inspections")).status_code == 200


def test_pause_page_offers_the_departments_inspectors(client, people, under_review):
    login(client, people["approver"])
    form = client.get(action_url(under_review, "pause")).content.decode()
    assert "勘验人员" in form and people["inspector"].full_name in form
    bad = client.post(action_url(under_review, "pause"), {"kind": "inspection", "reason": "勘验"})
    assert bad.status_code == 400 and "请指派勘验人员" in bad.content.decode()
    # Inspection fields typed for another kind are dropped by the form, not refused.
    ok = client.post(
        action_url(under_review, "pause"),
        {"kind": "expert_review", "reason": "专家评审", "mode": "video", "inspector": people["inspector"].pk},
    )
    assert ok.status_code == 302
    html = client.get(detail_url(under_review)).content.decode()
    assert 'id="open-pause"' in html and "专家评审" in html


def test_pause_api_bad_input_and_details(people, under_review):
    client = APIClient()
    client.force_login(people["approver"])
    base = f"/api/v1/applications/{under_review.number}"
    response = client.post(f"{base}/pause/", {"kind": "inspection", "reason": "勘验"}, format="json")
    assert response.status_code == 400 and {"scheduled_on", "mode", "inspector"} <= set(response.json())
    response = client.post(
        f"{base}/pause/",
        {"kind": "inspection", "reason": "勘验", "scheduled_on": "2099-01-05", "mode": "standard", "inspector": 0},
        format="json",
    )
    assert response.status_code == 400 and "inspector" in response.json()
    response = client.post(
        f"{base}/pause/",
        {
            "kind": "inspection",
            "reason": "勘验",
            "scheduled_on": "2099-01-05",
            "mode": "standard",
            "inspector": people["inspector"].pk,
        },
        format="json",
    )
    assert response.status_code == 200
    pause = response.json()["pauses"][0]
    assert pause["mode_display"] == "标准勘验" and pause["inspector_name"] == people["inspector"].full_name
    inspector = APIClient()
    inspector.force_login(people["inspector"])
    assert inspector.post(f"{base}/resume/", {}, format="json").status_code == 400
    response = inspector.post(f"{base}/resume/", {"result": "合格"}, format="json")
    assert response.status_code == 200 and response.json()["pauses"][0]["result"] == "合格"
