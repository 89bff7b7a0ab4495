"""The life cycle through the services: every transition, its guards, history, audit and SMS."""

import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from approvals import services
from approvals.models import (
    ApplicantType,
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    ClockState,
    SmsMessage,
    Status,
)
from approvals.tests.conftest import ACCEPTED, all_provided, applicant
from approvals.tests.factories import MatterVersionFactory, ThemeServiceFactory
from approvals.transitions import TRANSITIONS, Action, TransitionNotAllowed, actions_for
from hall.models import AuditLog

pytestmark = pytest.mark.django_db


def test_receive_issues_a_readable_number_and_records_everything(people, received):
    assert re.fullmatch(r"2\d{3}130921\d{6}", received.number)
    assert received.status == Status.RECEIVED
    assert received.site == people["clerk"].site and received.received_by == people["clerk"]
    assert received.materials.count() == 3
    assert set(received.materials.values_list("state", flat=True)) == {"provided", "not_applicable"}
    event = received.events.get()
    assert (event.action, event.from_status, event.to_status) == ("receive", "", "received")
    assert AuditLog.objects.filter(action="application.receive", object_id=str(received.pk)).exists()
    assert SmsMessage.objects.filter(application=received, phone="13700000007").count() == 1


def test_numbers_are_sequential(people, version):
    first = services.application_receive(version=version, applicant=applicant(), by=people["clerk"])
    second = services.application_receive(version=version, applicant=applicant(), by=people["clerk"])
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "110105194912310021"}, "applicant_id_number"),
        ({"phone": "1234"}, "applicant_phone"),
        ({"name": ""}, "applicant_name"),
        (
            {
                "applicant_type": ApplicantType.LEGAL_PERSON,
                "credit_code": "91440300708461136A",
                "legal_representative": "张三",
            },
            "applicant_credit_code",
        ),
        ({"applicant_type": ApplicantType.LEGAL_PERSON, "credit_code": "91440300708461136T"}, "legal_representative"),
        ({"agent_name": "李代理", "agent_id_number": "123", "agent_phone": "13800000000"}, "agent_id_number"),
    ],
)
def test_applicant_is_checked_per_field(people, version, overrides, field):
    with pytest.raises(ValidationError) as exc:
        services.application_receive(version=version, applicant=applicant(**overrides), by=people["clerk"])
    assert field in exc.value.message_dict
    assert not Application.objects.exists()


def test_a_legal_person_with_a_valid_credit_code_is_received(people, version):
    app = services.application_receive(
        version=version,
        applicant=applicant(
            applicant_type=ApplicantType.LEGAL_PERSON,
            name="示范科技有限公司",
            credit_code="91440300708461136T",
            legal_representative="张三",
        ),
        by=people["clerk"],
    )
    assert app.applicant_credit_code == "91440300708461136T" and app.applicant_id_number == ""


def test_the_full_life_cycle_with_pause_and_extension(people, received):
    clerk, approver, supervisor = people["clerk"], people["approver"], people["supervisor"]
    app = services.application_accept(application=received, by=clerk, today=ACCEPTED)
    assert app.status == Status.ACCEPTED and app.clock_state == ClockState.RUNNING
    assert app.promised_deadline == date(2026, 10, 15)  # 10 working days after 9/24
    assert app.legal_deadline == date(2026, 10, 29)
    app = services.application_assign(application=app, handler=approver, by=supervisor)
    app = services.application_start_review(application=app, by=approver)
    app = services.application_pause(
        application=app,
        kind="inspection",
        reason="需现场勘验经营场所",
        scheduled_on=date(2026, 10, 9),
        mode="standard",
        inspector=people["inspector"],
        by=approver,
        today=date(2026, 9, 29),
    )
    assert app.clock_state == ClockState.PAUSED and app.status == Status.SPECIAL_PROCEDURE
    app = services.application_resume(application=app, by=approver, result="勘验合格", today=date(2026, 10, 9))
    assert app.paused_working_days == 3
    assert app.legal_deadline == date(2026, 11, 3)
    app = services.application_request_extension(application=app, days=10, reason="情况复杂", by=approver)
    assert app.legal_deadline == date(2026, 11, 3)  # nothing moves before the approval
    app = services.application_approve_extension(application=app, by=supervisor, today=date(2026, 10, 12))
    assert app.legal_deadline == date(2026, 11, 17)
    assert app.extensions.get().decided_by == supervisor
    app = services.application_decide(application=app, approved=True, document_number="清审许〔2026〕1号", by=approver)
    app = services.application_complete(application=app, by=approver, today=date(2026, 10, 30))
    assert app.clock_state == ClockState.STOPPED
    assert app.elapsed_working_days == 21 - 3  # 9/24→10/30 is 21 working days, 3 of them paused
    assert app.on_time is True  # promised deadline 10/15 + 3 paused + 10 extended = 11/3
    with pytest.raises(ValidationError) as exc:
        services.application_deliver(application=app, method="post", by=clerk)
    assert "tracking_number" in exc.value.message_dict
    app = services.application_deliver(application=app, method="post", tracking_number="SF123456", by=clerk)
    assert app.status == Status.DELIVERED
    actions = list(app.events.values_list("action", flat=True))
    assert actions == [
        "receive",
        "accept",
        "assign",
        "start_review",
        "pause",
        "resume",
        "request_extension",
        "approve_extension",
        "decide",
        "complete",
        "deliver",
    ]
    assert AuditLog.objects.filter(object_id=str(app.pk), action__startswith="application.").count() == 11


def test_completion_after_the_deadline_is_late(people, under_review):
    app = services.application_decide(
        application=under_review,
        approved=False,
        document_number="清审不许〔2026〕2号",
        reasons="不符合条件",
        by=people["approver"],
    )
    app = services.application_complete(application=app, by=people["approver"], today=date(2026, 10, 16))
    assert app.on_time is False and app.elapsed_working_days == 11


def test_a_transition_not_in_the_table_is_refused_naming_the_status(people, received):
    with pytest.raises(TransitionNotAllowed) as exc:
        services.application_decide(application=received, approved=True, document_number="x", by=people["approver"])
    assert "已接件" in exc.value.message and received.number in exc.value.message


@pytest.mark.parametrize("role", ["public", "approver", "inspector", "leader", "admin"])
def test_accept_is_refused_to_roles_outside_the_table(people, received, role):
    with pytest.raises(PermissionDenied):
        services.application_accept(application=received, by=people[role])


def test_a_clerk_of_another_site_cannot_act(people, received):
    from hall.models import Site

    clerk = people["clerk"]
    clerk.site = Site.objects.filter(level=Site.Level.TOWN).first()
    clerk.window = None
    with pytest.raises(PermissionDenied):
        services.application_accept(application=received, by=clerk)


def test_accept_requires_every_required_material_or_a_promise(people, version):
    app = services.application_receive(version=version, applicant=applicant(), by=people["clerk"])
    with pytest.raises(ValidationError) as exc:
        services.application_accept(application=app, by=people["clerk"], today=ACCEPTED)
    assert "申请书" in str(exc.value.message_dict["materials"])
    core, optional_core = version.materials.filter(is_required=True).order_by("sort_order")
    with pytest.raises(ValidationError):  # 申请书 may not be missing
        services.application_accept(
            application=app,
            by=people["clerk"],
            today=ACCEPTED,
            materials=[services.MaterialState(core.pk, "promised", date(2026, 10, 9))],
        )
    app = services.application_accept(
        application=app,
        by=people["clerk"],
        today=ACCEPTED,
        materials=[
            services.MaterialState(core.pk, "provided"),
            services.MaterialState(optional_core.pk, "promised", date(2026, 10, 9), "三日内补交"),
        ],
    )
    assert app.status == Status.ACCEPTED
    assert app.materials.get(material=optional_core).state == ApplicationMaterial.State.MISSING_PROMISED
    assert "容缺" in app.events.last().note


def test_supplement_is_requested_once_and_answered(people, version):
    clerk, citizen = people["clerk"], people["public"]
    app = services.application_receive(version=version, applicant=applicant(), by=clerk, applicant_user=citizen)
    core = app.materials.get(name="申请书")
    with pytest.raises(ValidationError):
        services.application_request_supplement(application=app, by=clerk, items=[])
    app = services.application_request_supplement(
        application=app,
        by=clerk,
        items=[services.SupplementItem("申请书", "未签字", core.pk), services.SupplementItem("营业场所证明")],
    )
    assert app.status == Status.SUPPLEMENT_REQUESTED and len(app.supplement_items) == 2
    with pytest.raises(TransitionNotAllowed):
        services.application_request_supplement(application=app, by=clerk, items=[services.SupplementItem("再要一份")])
    with pytest.raises(ValidationError):  # the file is not there yet
        services.application_supplement(application=app, by=citizen)
    ApplicationMaterial.objects.filter(pk=core.pk).update(state="provided")
    app = services.application_supplement(application=app, by=citizen)
    assert app.status == Status.SUPPLEMENTED
    with pytest.raises(TransitionNotAllowed):  # one go: never a second request
        services.application_request_supplement(application=app, by=clerk, items=[services.SupplementItem("x")])
    ApplicationMaterial.objects.filter(application=app, is_required=True).update(state="provided")
    assert services.application_accept(application=app, by=clerk, today=ACCEPTED).status == Status.ACCEPTED


def test_refusal_needs_a_reason(people, received):
    with pytest.raises(ValidationError):
        services.application_refuse(application=received, by=people["clerk"], reason=" ")
    app = services.application_refuse(application=received, by=people["clerk"], reason="不属于本机关职权范围")
    assert app.status == Status.NOT_ACCEPTED and app.refusal_reason


def test_immediate_matters_are_accepted_and_completed_in_one_step(people, immediate_version, received):
    with pytest.raises(TransitionNotAllowed):  # a 承诺件
        services.application_accept_immediately(application=received, by=people["clerk"])
    app = services.application_receive(
        version=immediate_version, applicant=applicant(), by=people["clerk"], materials=all_provided(immediate_version)
    )
    app = services.application_accept_immediately(application=app, by=people["clerk"], today=date(2026, 9, 24))
    assert app.status == Status.COMPLETED and app.on_time and app.elapsed_working_days == 0
    assert app.accepted_on == app.completed_on == date(2026, 9, 24)


@pytest.mark.parametrize(("days", "reason", "field"), [(11, "复杂", "days"), (0, "复杂", "days"), (5, " ", "reason")])
def test_extension_request_rules(people, under_review, days, reason, field):
    with pytest.raises(ValidationError) as exc:
        services.application_request_extension(
            application=under_review, days=days, reason=reason, by=people["approver"]
        )
    assert field in exc.value.message_dict
    assert not under_review.extensions.exists()


@pytest.mark.parametrize("role", ["approver", "leader", "clerk"])
def test_only_a_supervisor_approves_an_extension(people, under_review, role):
    app = services.application_request_extension(application=under_review, days=5, reason="复杂", by=people["approver"])
    with pytest.raises(PermissionDenied):
        services.application_approve_extension(application=app, by=people[role])
    with pytest.raises(PermissionDenied):
        services.application_reject_extension(application=app, by=people[role], reason="不同意")


def test_extensions_add_up_to_the_legal_maximum(people, under_review):
    approver, supervisor = people["approver"], people["supervisor"]
    app = services.application_request_extension(application=under_review, days=6, reason="复杂", by=approver)
    app = services.application_approve_extension(application=app, by=supervisor)
    with pytest.raises(ValidationError):
        services.application_request_extension(application=app, days=5, reason="复杂", by=approver)
    app = services.application_request_extension(application=app, days=4, reason="复杂", by=approver)
    app = services.application_approve_extension(application=app, by=supervisor)
    assert app.extended_working_days == 10
    # At the maximum the table's guard refuses a further request: no button, a 409.
    assert "request_extension" not in actions_for(app, approver)
    with pytest.raises(TransitionNotAllowed, match="延期上限"):
        services.application_request_extension(application=app, days=1, reason="复杂", by=approver)


def test_withdraw_before_decision_and_not_after(people, under_review):
    app = services.application_withdraw(application=under_review, by=people["public"], reason="不再需要")
    assert app.status == Status.WITHDRAWN and app.clock_state == ClockState.STOPPED


def test_withdraw_after_decision_is_a_conflict(people, under_review):
    app = services.application_decide(
        application=under_review, approved=True, document_number="1", by=people["approver"]
    )
    with pytest.raises(TransitionNotAllowed):
        services.application_withdraw(application=app, by=people["public"])


def test_withdraw_during_a_pause_closes_it(people, under_review):
    app = services.application_pause(
        application=under_review, kind="hearing", reason="听证", by=people["approver"], today=date(2026, 9, 29)
    )
    app = services.application_withdraw(application=app, by=people["clerk"], today=date(2026, 10, 9))
    assert app.paused_working_days == 3 and not app.pauses.filter(ended_on__isnull=True).exists()


def test_only_a_supervisor_revokes_and_with_a_reason(people, accepted):
    with pytest.raises(PermissionDenied):
        services.application_revoke(application=accepted, by=people["clerk"], reason="x")
    with pytest.raises(ValidationError):
        services.application_revoke(application=accepted, by=people["supervisor"], reason="")
    app = services.application_revoke(application=accepted, by=people["supervisor"], reason="以欺骗手段申请")
    assert app.status == Status.REVOKED


def test_assign_requires_an_approver_of_the_department(people, accepted):
    with pytest.raises(ValidationError):
        services.application_assign(application=accepted, handler=people["inspector"], by=people["supervisor"])


def test_online_application_needs_depth_three_or_four(people, version):
    citizen = people["public"]
    app = services.application_submit_online(version=version, by=citizen)
    assert app.status == Status.SUBMITTED and app.applicant_user == citizen
    assert app.applicant_name == citizen.full_name and app.applicant_id_number == citizen.id_number
    shallow = MatterVersionFactory(department=version.department, online_depth="2")
    with pytest.raises(ValidationError) as exc:
        services.application_submit_online(version=shallow, by=citizen)
    assert "不支持网上申请" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.application_submit_online(version=version, by=people["clerk"])
    app = services.application_start_prereview(application=app, by=people["clerk"])
    assert app.status == Status.PREREVIEW


def test_a_theme_service_creates_one_linked_application_per_matter(people, version):
    other = MatterVersionFactory(department=people["approver"].department)
    theme = ThemeServiceFactory()
    theme.matters.set([version.matter, other.matter])
    bundle = services.theme_application_receive(theme_service=theme, applicant=applicant(), by=people["clerk"])
    apps = list(bundle.applications.order_by("number"))
    assert len(apps) == 2
    assert {a.matter_version_id for a in apps} == {version.pk, other.pk}
    assert bundle.number == f"YJS{apps[0].number}"
    assert SmsMessage.objects.filter(application=apps[0], body__contains=bundle.number).exists()


def test_actions_for_matches_the_table(people, received):
    # 即办办结 is in the table from 已接件, but its guard offers it only for 即办件 matters.
    assert set(actions_for(received, people["clerk"])) == {
        "accept",
        "refuse",
        "request_supplement",
        "withdraw",
    }
    assert actions_for(received, people["leader"]) == []
    assert all(isinstance(k, tuple) for k in TRANSITIONS)


def test_history_is_append_only_in_the_admin(admin_client, people, received):
    from approvals.admin import ApplicationEventAdmin

    assert not ApplicationEventAdmin.has_change_permission(None, None)
    assert ApplicationEvent.objects.filter(application=received).count() == 1


def test_citizen_register_checks_name_id_and_phone(db):
    with pytest.raises(ValidationError) as exc:
        services.citizen_register(phone="123", password="Demo@2026", full_name="", id_number="110105194912310021")
    assert {"phone", "full_name", "id_number"} <= set(exc.value.message_dict)
    user = services.citizen_register(
        phone="13912345678", password="Demo@2026x", full_name="韩群众", id_number="110105198001010016"
    )
    assert user.role == "public" and user.username == "13912345678"
    with pytest.raises(ValidationError) as exc:
        services.citizen_register(
            phone="13912345678", password="Demo@2026x", full_name="韩群众", id_number="110105198001010016"
        )
    assert "phone" in exc.value.message_dict


def test_action_names_are_unique():
    names = [v for k, v in vars(Action).items() if not k.startswith("_")]
    assert len(names) == len(set(names))
