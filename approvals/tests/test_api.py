"""The REST API: intake, lists, transitions (409/403/400), uploads and downloads, public tracking,
sign-up — and a citizen never reaching another person's application through any endpoint."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from approvals import services
from approvals.api import TRANSITION_APIS
from approvals.models import Application, MaterialFile
from approvals.tests.conftest import applicant
from hall.models import AuditLog

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n" + b"0" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def online(people, version):
    """An online application of the demo citizen, asked to supplement its 申请书."""
    app = services.application_submit_online(version=version, by=people["public"])
    core = app.materials.get(name="申请书")
    return services.application_request_supplement(
        application=app, by=people["clerk"], items=[services.SupplementItem("申请书", "", core.pk)]
    )


def test_window_intake_returns_the_detail(people, version):
    core = version.materials.get(name="申请书")
    response = client_for(people["clerk"]).post(
        "/api/v1/applications/",
        {
            "matter_version": version.pk,
            "applicant_type": "natural",
            "applicant_name": "卫群众",
            "applicant_phone": "13700000007",
            "applicant_id_number": "11010519491231002X",
            "materials": [{"material_id": core.pk, "state": "provided"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "received" and "accept" in body["allowed_actions"]
    assert body["applicant_id_number"] == "110105********002X"  # masked; full only on an audited reveal


def test_intake_errors_are_field_messages(people, version):
    response = client_for(people["clerk"]).post(
        "/api/v1/applications/",
        {
            "matter_version": version.pk,
            "applicant_type": "natural",
            "applicant_name": "卫群众",
            "applicant_phone": "12345",
            "applicant_id_number": "110105194912310021",
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"applicant_phone", "applicant_id_number"}
    assert "校验位" in response.json()["applicant_id_number"][0]


def test_a_transition_in_the_wrong_state_is_a_409_that_says_why(people, received):
    client = client_for(people["clerk"])
    assert client.post(f"/api/v1/applications/{received.number}/accept/", {}, format="json").status_code == 200
    response = client.post(f"/api/v1/applications/{received.number}/accept/", {}, format="json")
    assert response.status_code == 409
    assert "已受理" in response.json()["detail"]


def test_leaders_read_but_cannot_act(people, received):
    client = client_for(people["leader"])
    assert client.get(f"/api/v1/applications/{received.number}/").status_code == 200
    assert client.get("/api/v1/applications/").json()["count"] == 1
    assert client.post(f"/api/v1/applications/{received.number}/accept/", {}, format="json").status_code == 403


def test_validation_errors_of_transitions_are_400(people, received):
    response = client_for(people["clerk"]).post(
        f"/api/v1/applications/{received.number}/refuse/", {"reason": ""}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()


def test_back_office_flow_over_the_api(people, accepted):
    approver, supervisor = client_for(people["approver"]), people["supervisor"]
    base = f"/api/v1/applications/{accepted.number}"
    assert approver.post(f"{base}/start-review/", {}, format="json").status_code == 200
    inspection = {
        "kind": "inspection",
        "reason": "勘验",
        "scheduled_on": "2099-01-05",
        "mode": "video",
        "inspector": people["inspector"].pk,
    }
    assert approver.post(f"{base}/pause/", inspection, format="json").status_code == 200
    assert approver.post(f"{base}/resume/", {"result": "视频勘验合格"}, format="json").status_code == 200
    response = approver.post(f"{base}/request-extension/", {"days": 11, "reason": "复杂"}, format="json")
    assert response.status_code == 400 and "days" in response.json()
    assert supervisor.pk  # extensions are approved by a supervisor: see test_extension_request_and_approval_api
    response = approver.post(
        f"{base}/decide/", {"approved": True, "document_number": "清审许〔2026〕9号"}, format="json"
    )
    assert response.status_code == 200
    assert approver.post(f"{base}/complete/", {}, format="json").json()["status"] == "completed"
    response = client_for(people["clerk"]).post(f"{base}/deliver/", {"method": "pickup"}, format="json")
    assert response.json()["status"] == "delivered"
    assert [e["action"] for e in response.json()["events"]][-1] == "deliver"


def test_list_filters_and_masks(people, received):
    client = client_for(people["clerk"])
    body = client.get("/api/v1/applications/", {"status": "received,accepted"}).json()
    assert body["count"] == 1
    assert body["results"][0]["applicant_phone"] == "137****0007"
    assert body["results"][0]["applicant_name"] == "卫*众"
    assert client.get("/api/v1/applications/", {"status": "delivered"}).json()["count"] == 0


def test_list_queries_do_not_grow_with_rows(people, version):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(people["supervisor"])

    def count_queries(expected_rows):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/applications/").json()["count"] == expected_rows
        return len(queries)

    for _ in range(3):
        services.application_receive(version=version, applicant=applicant(), by=people["clerk"])
    few = count_queries(3)
    for _ in range(7):
        services.application_receive(version=version, applicant=applicant(), by=people["clerk"])
    assert count_queries(10) == few <= 8


def test_scopes_per_role(people, received):
    from hall.models import Department

    assert client_for(people["approver"]).get("/api/v1/applications/").json()["count"] == 1
    approver = people["approver"]
    approver.department = Department.objects.exclude(pk=approver.department_id).filter(kind="department").first()
    approver.save()
    assert client_for(approver).get("/api/v1/applications/").json()["count"] == 0
    assert client_for(approver).get(f"/api/v1/applications/{received.number}/").status_code == 404


# --- A citizen and another person's application ------------------------------------------------------


def test_the_owner_sees_and_acts_on_their_own(people, online):
    client = client_for(people["public"])
    assert client.get("/api/v1/applications/").json()["count"] == 1
    assert client.get(f"/api/v1/applications/{online.number}/").status_code == 200
    core = online.materials.get(name="申请书")
    response = client.post(
        f"/api/v1/applications/{online.number}/materials/{core.pk}/files/",
        {"file": SimpleUploadedFile("申请书.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    download = client.get(response.json()["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert AuditLog.objects.filter(action="application.material_download").exists()
    assert client.post(f"/api/v1/applications/{online.number}/supplement/", {}, format="json").status_code == 200
    assert client.post(f"/api/v1/applications/{online.number}/withdraw/", {}, format="json").status_code == 200


def test_another_citizen_cannot_list_read_upload_download_or_act(people, online, other_citizen):
    core = online.materials.get(name="申请书")
    upload = services.material_upload(
        application_material=core, file=SimpleUploadedFile("a.pdf", PDF), by=people["public"]
    )
    client = client_for(other_citizen)
    assert client.get("/api/v1/applications/").json()["count"] == 0
    assert client.get("/api/v1/applications/", {"number": online.number[:8]}).json()["count"] == 0
    assert client.get(f"/api/v1/applications/{online.number}/").status_code == 404
    response = client.post(
        f"/api/v1/applications/{online.number}/materials/{core.pk}/files/",
        {"file": SimpleUploadedFile("x.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 404
    for slug in TRANSITION_APIS:
        response = client.post(f"/api/v1/applications/{online.number}/{slug}/", {}, format="json")
        assert response.status_code == 404, slug
    django_client = __import__("django.test", fromlist=["Client"]).Client()
    django_client.force_login(other_citizen)
    assert django_client.get(f"/applications/{online.number}/files/{upload.pk}/").status_code == 404
    assert MaterialFile.objects.count() == 1
    online.refresh_from_db()
    assert online.status == "supplement_requested"


def test_anonymous_users_get_nothing(online):
    client = APIClient()
    assert client.get("/api/v1/applications/").status_code == 403
    assert client.get(f"/api/v1/applications/{online.number}/").status_code == 403


# --- Uploads ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("scan.pdf", PDF, 201),
        ("photo.png", PNG, 201),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"0" * 50, 201),
        ("fake.pdf", b"MZ\x90\x00 this is an executable", 400),
        ("empty.pdf", b"", 400),
    ],
)
def test_uploads_are_sniffed_from_their_content(people, received, name, content, expected):
    core = received.materials.get(name="申请书")
    response = client_for(people["clerk"]).post(
        f"/api/v1/applications/{received.number}/materials/{core.pk}/files/",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    assert response.status_code == expected, response.json()
    if expected == 400:
        assert "file" in response.json()


def test_uploads_over_20_mb_are_refused(people, received):
    core = received.materials.get(name="申请书")
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))
    response = client_for(people["clerk"]).post(
        f"/api/v1/applications/{received.number}/materials/{core.pk}/files/", {"file": big}, format="multipart"
    )
    assert response.status_code == 400 and "20 MB" in response.json()["file"][0]


def test_files_live_under_media_root_with_random_names(people, received, settings):
    core = received.materials.get(name="申请书")
    upload = services.material_upload(
        application_material=core, file=SimpleUploadedFile("../../etc/passwd.pdf", PDF), by=people["clerk"]
    )
    path = upload.file.path
    assert path.startswith(str(settings.MEDIA_ROOT)) and "passwd" not in path
    assert upload.content_type == "application/pdf"


# --- Public tracking and sign-up -----------------------------------------------------------------------


def test_tracking_shows_status_and_timeline_masked(received):
    response = APIClient().post("/api/v1/track/", {"number": received.number, "phone": "13700000007"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status_display"] == "已接件" and body["applicant_name"] == "卫*众"
    assert body["events"][0]["action_display"] == "窗口接件"
    assert "applicant_id_number" not in body and "note" not in body["events"][0]


def test_a_wrong_phone_looks_like_a_missing_number(received):
    client = APIClient()
    wrong = client.post("/api/v1/track/", {"number": received.number, "phone": "13700000000"}, format="json")
    missing = client.post("/api/v1/track/", {"number": "2026000000000000", "phone": "13700000007"}, format="json")
    assert wrong.status_code == missing.status_code == 404
    assert wrong.json() == missing.json()


def test_tracking_is_rate_limited(received, settings):
    settings.APPROVALS_TRACK_RATE = "10/min"
    client = APIClient()
    codes = [
        client.post("/api/v1/track/", {"number": f"2026{i:012d}", "phone": "13700000007"}, format="json").status_code
        for i in range(11)
    ]
    assert codes[:10] == [404] * 10 and codes[10] == 429
    ok = client.post("/api/v1/track/", {"number": received.number, "phone": "13700000007"}, format="json")
    assert ok.status_code == 429  # even the right pair waits: guessing gains nothing


def test_citizens_sign_up_and_apply_online(version):
    client = APIClient()
    response = client.post(
        "/api/v1/citizens/register/",
        {"phone": "13911112222", "password": "Citizen@2026", "full_name": "秦申请", "id_number": "440304199003070026"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert client.login(username="13911112222", password="Citizen@2026")
    response = client.post("/api/v1/applications/online/", {"matter_version": version.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert Application.objects.get().applicant_user.username == "13911112222"


def test_sign_up_errors_are_per_field(db):
    response = APIClient().post(
        "/api/v1/citizens/register/",
        {"phone": "1391111", "password": "short", "full_name": "秦", "id_number": "440304199003070027"},
        format="json",
    )
    assert response.status_code == 400
    assert {"phone", "id_number"} <= set(response.json())


def test_the_schema_lists_the_endpoints(db, admin_client):
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ["/api/v1/applications/{number}/accept/", "/api/v1/track/", "/api/v1/citizens/register/"]:
        assert path in text
