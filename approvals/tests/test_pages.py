"""Page tests (Django test client): permissions, bad input and the happy paths of every application page.

Fixtures ``people``, ``version``, ``received``, ``accepted``, ``under_review``, ``other_citizen``
come from approvals/tests/conftest.py (the backend engineer's), reused here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from approvals import services
from approvals.models import Application, ApplicationMaterial, Status
from approvals.tests.conftest import PASSWORD, applicant
from hall.models import AuditLog, Site, User
from hall.services.accounts import user_create

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def login(client, user):
    client.force_login(user)
    return client


def detail_url(app):
    return reverse("application_detail", args=[app.number])


def action_url(app, action):
    return reverse("application_action", args=[app.number, action])


@pytest.fixture
def town_clerk(people):
    town = Site.objects.filter(level=Site.Level.TOWN).first()
    return user_create(
        username="t_town_clerk",
        password=PASSWORD,
        full_name="镇窗口",
        role=User.Role.CLERK,
        department=people["clerk"].department,
        site=town,
        phone="13700001111",
    )


@pytest.fixture
def uploaded(people, received):
    material = received.materials.first()
    return services.material_upload(
        application_material=material, file=SimpleUploadedFile("a.png", PNG), by=people["clerk"]
    )


# --- Anonymous and wrong roles -------------------------------------------------------------------


def test_anonymous_is_sent_to_login_from_every_private_page(client, received, uploaded):
    urls = [
        reverse("application_list"),
        reverse("application_intake"),
        reverse("application_matter_search"),
        reverse("my_applications"),
        detail_url(received),
        action_url(received, "accept"),
        reverse("application_notice", args=[received.number, "acceptance"]),
        reverse("application_file", args=[received.number, uploaded.pk]),
        reverse("apply", args=[received.matter_version.matter.code]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


@pytest.mark.parametrize("role", ["public", "approver", "inspector", "leader", "admin"])
def test_only_window_staff_open_intake(client, people, version, role):
    login(client, people[role])
    assert client.get(reverse("application_intake") + f"?matter={version.matter.code}").status_code == 403
    assert client.get(reverse("application_matter_search") + "?q=测试").status_code == 403
    assert client.get(reverse("application_applicant_lookup") + "?lookup=110").status_code == 403


def test_citizen_cannot_open_staff_list_and_staff_cannot_apply_online(client, people, version):
    login(client, people["public"])
    assert client.get(reverse("application_list")).status_code == 403
    login(client, people["clerk"])
    assert client.get(reverse("apply", args=[version.matter.code])).status_code == 403
    assert client.get(reverse("my_applications")).status_code == 403


# --- Another person's application: 404 on every page and download ------------------------------------


def test_other_citizen_gets_404_everywhere(client, people, other_citizen, accepted, uploaded):
    login(client, other_citizen)
    app = accepted
    number = app.number
    material = app.materials.first()
    get_urls = [
        detail_url(app),
        action_url(app, "withdraw"),
        reverse("application_notice", args=[number, "acceptance"]),
        reverse("application_file", args=[number, uploaded.pk]),
    ]
    for url in get_urls:
        assert client.get(url).status_code == 404, url
    assert client.post(action_url(app, "withdraw"), {"reason": "x"}).status_code == 404
    upload_url = reverse("application_material_upload", args=[number, material.pk])
    assert client.post(upload_url, {"file": SimpleUploadedFile("a.png", PNG)}).status_code == 404
    page = client.get(reverse("my_applications"))
    assert number not in page.content.decode()
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED


def test_owner_citizen_sees_own_application_and_timeline(client, people, accepted):
    login(client, people["public"])
    page = client.get(reverse("my_applications")).content.decode()
    assert accepted.number in page
    detail = client.get(detail_url(accepted))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "办理过程" in html and "受理" in html
    # The citizen may withdraw before the decision: the button is there, behind a confirmation page.
    assert action_url(accepted, "withdraw") in html


def test_clerk_of_another_site_gets_404(client, town_clerk, received):
    login(client, town_clerk)
    assert client.get(detail_url(received)).status_code == 404
    assert client.post(action_url(received, "accept"), {}).status_code == 404
    assert client.get(reverse("application_list") + f"?q={received.number}").status_code == 200
    assert received.number not in client.get(reverse("application_list")).content.decode()


def test_file_download_for_staff_in_scope_is_audited(client, people, received, uploaded):
    login(client, people["clerk"])
    response = client.get(reverse("application_file", args=[received.number, uploaded.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert AuditLog.objects.filter(action="application.material_download").exists()
    assert client.get(reverse("application_file", args=[received.number, 999999])).status_code == 404


# --- Leaders: read only --------------------------------------------------------------------------


def test_leader_reads_but_has_no_buttons_and_posts_are_refused(client, people, accepted):
    login(client, people["leader"])
    html = client.get(detail_url(accepted)).content.decode()
    assert 'id="no-actions"' in html
    assert client.post(action_url(accepted, "start_review")).status_code == 403
    assert client.get(action_url(accepted, "assign")).status_code == 403
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED


def test_buttons_follow_the_transitions_table(client, people, accepted):
    login(client, people["clerk"])
    html = client.get(detail_url(accepted)).content.decode()
    assert 'data-action="start_review"' not in html  # back office only
    login(client, people["approver"])
    html = client.get(detail_url(accepted)).content.decode()
    assert 'data-action="start_review"' in html
    assert 'data-action="decide"' not in html  # not in this state


def test_action_not_allowed_in_state_is_409_and_unknown_is_404(client, people, accepted):
    login(client, people["approver"])
    response = client.get(action_url(accepted, "decide"))
    assert response.status_code == 409
    assert "不能作出决定" in response.content.decode()
    assert client.get(action_url(accepted, "explode")).status_code == 404
    assert client.get(reverse("application_detail", args=["2026000000000000"])).status_code == 404


# --- Intake at the window --------------------------------------------------------------------------


def test_matter_search_and_applicant_lookup(client, people, version, received):
    login(client, people["clerk"])
    html = client.get(reverse("application_matter_search"), {"q": version.name}).content.decode()
    assert version.name in html and f"?matter={version.matter.code}" in html
    html = client.get(reverse("application_applicant_lookup"), {"lookup": "11010519491231002X"}).content.decode()
    assert "已调取" in html and 'value="卫群众"' in html
    html = client.get(reverse("application_applicant_lookup"), {"lookup": "999", "applicant_name": "张三"}).content
    assert "没有找到".encode() in html and 'value="张三"'.encode() in html


def test_intake_bad_input_shows_field_errors_and_keeps_typed_values(client, people, version):
    login(client, people["clerk"])
    url = reverse("application_intake") + f"?matter={version.matter.code}"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "applicant_type": "natural",
            "applicant_name": "王小二",
            "applicant_id_type": "resident_id",
            "applicant_id_number": "110105194912310021",  # wrong check digit
            "applicant_phone": "123",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="王小二"' in html and 'value="110105194912310021"' in html
    assert 'data-field="applicant_phone"' in html and "has-error" in html
    assert Application.objects.count() == 0


def test_intake_unknown_matter_is_404(client, people):
    login(client, people["clerk"])
    assert client.get(reverse("application_intake") + "?matter=NOPE").status_code == 404
    assert client.get(reverse("application_intake")).status_code == 200


def test_intake_with_one_material_promised(client, people, version):
    login(client, people["clerk"])
    core, promised, optional = version.materials.order_by("sort_order")
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = client.post(
        reverse("application_intake") + f"?matter={version.matter.code}",
        {
            "applicant_type": "legal",
            "applicant_name": "清源县好味餐饮有限公司",
            "applicant_credit_code": "1113092100007777XC",
            "legal_representative": "李法人",
            "applicant_phone": "13800001234",
            f"m{core.pk}_state": "provided",
            f"m{promised.pk}_state": "promised",
            f"m{promised.pk}_due": due,
            f"m{optional.pk}_state": "not_applicable",
            "is_assisted": "on",
        },
    )
    if response.status_code != 302:
        pytest.fail(str(response.context["form"].errors))
    app = Application.objects.get()
    assert response.url == detail_url(app)
    assert app.is_assisted and app.assisted_by == people["clerk"]
    assert app.materials.get(material=promised).state == ApplicationMaterial.State.MISSING_PROMISED


def test_intake_promise_on_core_material_is_refused_per_field(client, people, version):
    login(client, people["clerk"])
    core = version.materials.order_by("sort_order").first()
    response = client.post(
        reverse("application_intake") + f"?matter={version.matter.code}",
        {
            "applicant_type": "natural",
            "applicant_name": "卫群众",
            "applicant_id_type": "resident_id",
            "applicant_id_number": "11010519491231002X",
            "applicant_phone": "13700000007",
            f"m{core.pk}_state": "promised",
        },
    )
    assert response.status_code == 400
    assert "容缺" in response.content.decode()


# --- Actions through the pages ----------------------------------------------------------------------


def test_refuse_needs_a_reason_then_refuses(client, people, received):
    login(client, people["clerk"])
    page = client.get(action_url(received, "refuse"))
    assert page.status_code == 200 and "data-confirm" in page.content.decode()
    response = client.post(action_url(received, "refuse"), {"reason": "  "})
    assert response.status_code == 400
    assert "不予受理须说明理由" in response.content.decode()
    response = client.post(action_url(received, "refuse"), {"reason": "不属于本机关职权范围"})
    assert response.status_code == 302
    received.refresh_from_db()
    assert received.status == Status.NOT_ACCEPTED
    notice = client.get(reverse("application_notice", args=[received.number, "refusal"])).content.decode()
    assert "行政复议" in notice and "行政诉讼" in notice


def test_supplement_request_lists_everything_once(client, people, version):
    app = services.application_receive(version=version, applicant=applicant(), by=people["clerk"])
    login(client, people["clerk"])
    form = client.get(action_url(app, "request_supplement")).content.decode()
    assert "申请书" in form
    missing = list(app.materials.filter(is_required=True).values_list("pk", flat=True))
    response = client.post(
        action_url(app, "request_supplement"),
        {"items": [str(pk) for pk in missing], "extra_items": "委托书：须本人签字", "note": "请一次补齐"},
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.SUPPLEMENT_REQUESTED
    assert len(app.supplement_items) == len(missing) + 1
    notice = client.get(reverse("application_notice", args=[app.number, "supplement"])).content.decode()
    assert "一次性告知" in notice and "委托书" in notice
    # Told once: the button is gone and the page refuses.
    assert client.get(action_url(app, "request_supplement")).status_code == 409


def test_back_office_flow_through_pages(client, people, accepted):
    approver, supervisor, clerk = people["approver"], people["supervisor"], people["clerk"]
    login(client, approver)
    assert client.post(action_url(accepted, "start_review")).status_code == 302
    assert client.post(action_url(accepted, "assign"), {"handler": approver.pk}).status_code == 302
    bad = client.post(action_url(accepted, "pause"), {"kind": "", "reason": ""})
    assert bad.status_code == 400 and "请选择特别程序类型" in bad.content.decode()
    ok = client.post(
        action_url(accepted, "pause"),
        {
            "kind": "inspection",
            "mode": "joint",
            "scheduled_on": "2099-10-10",
            "inspector": people["inspector"].pk,
            "reason": "核查经营场所",
        },
    )
    assert ok.status_code == 302
    assert accepted.number in client.get(reverse("inspections")).content.decode()
    assert client.get(reverse("application_notice", args=[accepted.number, "special"])).status_code == 200
    assert client.post(action_url(accepted, "resume"), {"result": "勘验合格"}).status_code == 302
    bad = client.post(action_url(accepted, "request_extension"), {"days": "3", "reason": ""})
    assert bad.status_code == 400 and "书面说明理由" in bad.content.decode()
    ok = client.post(action_url(accepted, "request_extension"), {"days": "3", "reason": "需补充论证"})
    assert ok.status_code == 302
    login(client, supervisor)
    assert client.post(action_url(accepted, "approve_extension"), {}).status_code == 302
    login(client, approver)
    bad = client.post(action_url(accepted, "decide"), {"approved": "0", "document_number": "清审许〔2026〕1号"})
    assert bad.status_code == 400 and "不予许可须说明理由" in bad.content.decode()
    ok = client.post(action_url(accepted, "decide"), {"approved": "1", "document_number": "清审许〔2026〕1号"})
    assert ok.status_code == 302
    assert client.post(action_url(accepted, "complete")).status_code == 302
    login(client, clerk)
    bad = client.post(action_url(accepted, "deliver"), {"method": "post", "tracking_number": ""})
    assert bad.status_code == 400 and "邮寄单号" in bad.content.decode()
    assert (
        client.post(action_url(accepted, "deliver"), {"method": "post", "tracking_number": "EMS1"}).status_code == 302
    )
    accepted.refresh_from_db()
    assert accepted.status == Status.DELIVERED
    html = client.get(detail_url(accepted)).content.decode()
    for label in ("受理", "开始审查", "启动特别程序", "结束特别程序", "延期", "作出决定", "办结", "送达"):
        assert label in html
    assert approver.full_name in html and clerk.full_name in html


def test_withdraw_and_revoke_are_behind_confirmation(client, people, received):
    login(client, people["public"])
    page = client.get(action_url(received, "withdraw")).content.decode()
    assert "此操作不可撤销" in page and "data-confirm" in page
    login(client, people["supervisor"])
    bad = client.post(action_url(received, "revoke"), {"reason": ""})
    assert bad.status_code == 400 and "撤销须说明理由" in bad.content.decode()


# --- Uploads --------------------------------------------------------------------------------------


def test_upload_rejects_disguised_file_and_accepts_png(client, people, received):
    login(client, people["clerk"])
    material = received.materials.first()
    url = reverse("application_material_upload", args=[received.number, material.pk])
    response = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"MZ not a pdf")}, follow=True)
    assert "仅支持 PDF、JPG、PNG" in response.content.decode()
    response = client.post(url, {}, follow=True)
    assert "请选择要上传的文件" in response.content.decode()
    response = client.post(url, {"file": SimpleUploadedFile("ok.png", PNG)}, follow=True)
    assert "已上传" in response.content.decode()
    assert client.get(url).status_code == 405
    assert client.post(reverse("application_material_upload", args=[received.number, 999999])).status_code == 404


# --- Notices ---------------------------------------------------------------------------------------------


def test_notices_are_permission_checked_audited_and_have_a_qr_code(client, people, version):
    due = timezone.localdate() + timedelta(days=5)
    core, promised, _ = version.materials.order_by("sort_order")
    app = services.application_receive(
        version=version,
        applicant=applicant(),
        by=people["clerk"],
        materials=[
            services.MaterialState(material_id=core.pk, state="provided"),
            services.MaterialState(material_id=promised.pk, state="promised", promise_due_on=due),
        ],
        applicant_user=people["public"],
    )
    services.application_accept(application=app, by=people["clerk"])
    login(client, people["clerk"])
    for kind, title in (("acceptance", "受理通知书"), ("promise", "容缺承诺书")):
        response = client.get(reverse("application_notice", args=[app.number, kind]))
        assert response.status_code == 200
        html = response.content.decode()
        assert title in html and app.number in html and "<svg" in html and "window.print()" in html
        assert "（印章）" in html
    assert AuditLog.objects.filter(action="application.notice_print").count() == 2
    for kind in ("refusal", "decision", "receipt", "nonsense"):
        assert client.get(reverse("application_notice", args=[app.number, kind])).status_code == 404
    login(client, people["public"])
    assert client.get(reverse("application_notice", args=[app.number, "acceptance"])).status_code == 200


# --- Citizens ---------------------------------------------------------------------------------------


def test_signup_checks_and_logs_in(client, db, demo_people):
    response = client.post(
        reverse("signup"),
        {"phone": "13900001111", "full_name": "韩新民", "id_number": "1", "password": "Abc@12345", "password2": "x"},
    )
    assert response.status_code == 400
    assert "两次输入的密码不一致" in response.content.decode()
    response = client.post(
        reverse("signup"),
        {"phone": "1390000", "full_name": "", "id_number": "123", "password": "Abc@12345", "password2": "Abc@12345"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写真实姓名" in html and 'value="1390000"' in html and 'data-field="id_number"' in html
    weak = client.post(
        reverse("signup"),
        {
            "phone": "13900001111",
            "full_name": "韩新民",
            "id_number": "110105198001010016",
            "password": "abc",
            "password2": "abc",
        },
    )
    assert weak.status_code == 400 and not User.objects.filter(username="13900001111").exists()
    response = client.post(
        reverse("signup"),
        {
            "phone": "13900001111",
            "full_name": "韩新民",
            "id_number": "110105198001010016",
            "password": "Abc@12345",
            "password2": "Abc@12345",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("my_applications")).status_code == 200
    assert User.objects.get(username="13900001111").role == User.Role.PUBLIC
    # Signed up with the same phone again: a field error, not a 500.
    client.logout()
    again = client.post(
        reverse("signup"),
        {
            "phone": "13900001111",
            "full_name": "韩新民",
            "id_number": "110105198001010016",
            "password": "Abc@12345",
            "password2": "Abc@12345",
        },
    )
    assert again.status_code == 400 and "已注册" in again.content.decode()


def test_apply_online(client, people, version):
    login(client, people["public"])
    url = reverse("apply", args=[version.matter.code])
    page = client.get(url)
    assert page.status_code == 200 and 'value="卫群众"' in page.content.decode()
    assert client.get(reverse("apply", args=["NOPE"])).status_code == 404
    bad = client.post(url, {"applicant_type": "natural", "applicant_name": "卫群众", "applicant_phone": "1"})
    assert bad.status_code == 400
    response = client.post(
        url,
        {
            "applicant_type": "natural",
            "applicant_name": "卫群众",
            "applicant_id_type": "resident_id",
            "applicant_id_number": "11010519491231002X",
            "applicant_phone": "13700000007",
        },
    )
    assert response.status_code == 302
    app = Application.objects.get()
    assert app.status == Status.SUBMITTED and app.applicant_user == people["public"]


def test_apply_online_refused_for_window_only_matter(client, people, version):
    version.online_depth = "1"
    version.save()
    login(client, people["public"])
    response = client.post(
        reverse("apply", args=[version.matter.code]),
        {
            "applicant_type": "natural",
            "applicant_name": "卫群众",
            "applicant_id_type": "resident_id",
            "applicant_id_number": "11010519491231002X",
            "applicant_phone": "13700000007",
        },
    )
    assert response.status_code == 400 and "不支持网上申请" in response.content.decode()


def test_track_masks_and_throttles(client, settings, received):
    settings.APPROVALS_TRACK_RATE = "3/min"
    url = reverse("track")
    assert client.get(url + f"?number={received.number}").status_code == 200
    found = client.post(url, {"number": received.number, "phone": "13700000007"})
    assert found.status_code == 200
    html = found.content.decode()
    assert "卫*众" in html and "卫群众" not in html and "已接件" in html
    assert people_name_absent(html)
    wrong = client.post(url, {"number": received.number, "phone": "13700000008"})
    assert wrong.status_code == 404 and "没有找到匹配的办件" in wrong.content.decode()
    assert client.post(url, {"number": "", "phone": ""}).status_code == 400
    assert client.post(url, {"number": received.number, "phone": "13700000007"}).status_code == 429


def people_name_absent(html: str) -> bool:
    # The clerk's name is not shown on the public page (only the step and its time).
    return "周一窗" not in html


# --- Hall pages with the application panels -------------------------------------------------------


def test_workbench_backoffice_inspections_render_with_data(client, people, under_review):
    login(client, people["clerk"])
    html = client.get(reverse("workbench")).content.decode()
    assert "<h1>窗口工作台</h1>" in html and "叫号" in html and under_review.number in html
    login(client, people["approver"])
    html = client.get(reverse("backoffice")).content.decode()
    assert "<h1>审批工作台</h1>" in html and under_review.number in html
    html = client.get(reverse("backoffice"), {"status": "bogus", "warning": "red", "page": "x"}).content.decode()
    assert "<h1>审批工作台</h1>" in html
    login(client, people["inspector"])
    assert "<h1>勘验任务</h1>" in client.get(reverse("inspections")).content.decode()
    login(client, people["leader"])
    assert client.get(reverse("backoffice")).status_code == 200


def test_list_filters_and_direct_hit(client, people, received):
    login(client, people["clerk"])
    url = reverse("application_list")
    response = client.get(url, {"q": received.number})
    assert response.status_code == 302 and response.url == detail_url(received)
    assert client.get(url, {"status": "nonsense", "warning": "nonsense", "page": "99"}).status_code == 200
    assert received.number in client.get(url, {"mine": "1"}).content.decode()


def test_personal_data_reveal_is_audited(client, people, received):
    login(client, people["clerk"])
    html = client.get(detail_url(received)).content.decode()
    assert "11010519491231002X" not in html
    html = client.get(detail_url(received) + "?reveal=1").content.decode()
    assert "11010519491231002X" in html
    assert AuditLog.objects.filter(action="application.personal_data_view").count() == 1
    login(client, people["leader"])
    html = client.get(detail_url(received) + "?reveal=1").content.decode()
    assert "11010519491231002X" not in html


def test_accept_immediately_only_offered_for_immediate_matters(client, people, received, immediate_version):
    login(client, people["clerk"])
    assert 'data-action="accept_immediately"' not in client.get(detail_url(received)).content.decode()
    assert client.post(action_url(received, "accept_immediately"), {}).status_code == 409
    app = services.application_receive(
        version=immediate_version,
        applicant=applicant(),
        by=people["clerk"],
        materials=[
            services.MaterialState(material_id=m.pk, state="provided") for m in immediate_version.materials.all()
        ],
    )
    assert 'data-action="accept_immediately"' in client.get(detail_url(app)).content.decode()
    response = client.post(action_url(app, "accept_immediately"), {"document_number": "即办〔2026〕1号"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.COMPLETED
    assert client.get(reverse("application_notice", args=[app.number, "decision"])).status_code == 200
    assert client.get(reverse("application_notice", args=[app.number, "receipt"])).status_code == 200


def test_leader_upload_is_refused(client, people, received):
    login(client, people["leader"])
    material = received.materials.first()
    url = reverse("application_material_upload", args=[received.number, material.pk])
    assert client.post(url, {"file": SimpleUploadedFile("a.png", PNG)}).status_code == 403


def test_lists_do_not_grow_queries_with_rows(client, people, version, received):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    urls = [reverse("application_list") + "?status=received", reverse("workbench")]
    login(client, people["clerk"])
    before = [count(url) for url in urls]
    for _ in range(3):
        services.application_receive(version=version, applicant=applicant(), by=people["clerk"])
    assert [count(url) for url in urls] == before


def test_supplement_answer_without_upload_shows_the_service_error(client, people, version):
    app = services.application_submit_online(version=version, by=people["public"])
    services.application_start_prereview(application=app, by=people["clerk"])
    missing = app.materials.filter(is_required=True).first()
    services.application_request_supplement(
        application=app, by=people["clerk"], items=[services.SupplementItem(name=missing.name, material_id=missing.pk)]
    )
    login(client, people["public"])
    response = client.post(action_url(app, "supplement"))
    assert response.status_code == 400
    assert "尚未上传" in response.content.decode()
    app.refresh_from_db()
    assert app.status == Status.SUPPLEMENT_REQUESTED


def test_the_workbench_links_to_theme_intake(client, demo_people):
    client.force_login(demo_people["clerk"])
    page = client.get("/workbench/").content.decode()
    assert 'href="/applications/new/theme/"' in page
