"""Material uploads, public tracking (办件进度查询) and citizen sign-up (群众注册)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import services
from approvals.api.common import (
    ApprovalsApiView,
)
from approvals.api.outputs import (
    ApplicationFileOutput,
)
from approvals.selectors import application_track
from approvals.transitions import ACTION_LABELS
from hall.privacy import mask_name, mask_phone
from hall.ratelimit import ClientRateThrottle
from hall.services.audit import client_ip

# --- Uploads ---------------------------------------------------------------------------------------


class MaterialUploadInput(serializers.Serializer):
    file = serializers.FileField(label="文件", allow_empty_file=True)


class MaterialUploadApi(ApprovalsApiView):
    """Upload a file of one material (PDF/JPG/PNG ≤ 20 MB, type checked from the content)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(summary="上传材料", request=MaterialUploadInput, responses={201: ApplicationFileOutput})
    def post(self, request, number: str, material_id: int):
        app = self.get_application(number)
        material = next((m for m in app.materials.all() if m.pk == material_id), None)
        if material is None:
            raise NotFound("该办件没有这项材料。")
        data = MaterialUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = services.material_upload(
            application_material=material, file=data.validated_data["file"], by=request.user, ip=client_ip(request)
        )
        return Response(ApplicationFileOutput(upload).data, status=status.HTTP_201_CREATED)


# --- Public -----------------------------------------------------------------------------------------


class TrackThrottle(ClientRateThrottle):
    """Per client address, against guessing numbers and phones (settings.APPROVALS_TRACK_RATE)."""

    scope = "approvals_track"
    rate_setting = "APPROVALS_TRACK_RATE"


class RegisterThrottle(ClientRateThrottle):
    """Creating accounts: one budget for this API and the sign-up page (settings.SENSITIVE_RATE)."""

    scope = "approvals_register"


class TrackInput(serializers.Serializer):
    number = serializers.CharField(max_length=24, label="办件编号")
    phone = serializers.CharField(max_length=11, label="申请人手机号码")


class TrackEventOutput(serializers.Serializer):
    action_display = serializers.SerializerMethodField()
    to_status_display = serializers.CharField(source="get_to_status_display")
    created_at = serializers.DateTimeField()

    def get_action_display(self, obj) -> str:
        return ACTION_LABELS.get(obj.action, "上传材料" if obj.action == "material_upload" else obj.action)


class TrackOutput(serializers.Serializer):
    number = serializers.CharField()
    matter_name = serializers.CharField(source="matter_version.name")
    department_name = serializers.CharField(source="department.name")
    applicant_name = serializers.SerializerMethodField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    received_on = serializers.DateField()
    promised_deadline = serializers.DateField(allow_null=True)
    events = TrackEventOutput(many=True)

    def get_applicant_name(self, obj) -> str:
        return mask_name(obj.applicant_name)


class TrackApi(APIView):
    """Anyone: an application's status and timeline by number + applicant phone (办件查询)."""

    permission_classes = [AllowAny]
    throttle_classes = [TrackThrottle]

    @extend_schema(summary="办件进度查询", request=TrackInput, responses=TrackOutput)
    def post(self, request):
        data = TrackInput(data=request.data)
        data.is_valid(raise_exception=True)
        app = application_track(number=data.validated_data["number"], phone=data.validated_data["phone"])
        if app is None:
            # The same answer for a wrong phone and a missing number: nothing to learn by guessing.
            raise NotFound("未找到匹配的办件，请核对办件编号和申请人手机号码。")
        return Response(TrackOutput(app).data)


class CitizenRegisterInput(serializers.Serializer):
    phone = serializers.CharField(max_length=11, label="手机号码")
    password = serializers.CharField(max_length=128, label="密码", style={"input_type": "password"})
    full_name = serializers.CharField(max_length=50, label="姓名")
    id_number = serializers.CharField(max_length=18, label="身份证号码")


class CitizenRegisterOutput(serializers.Serializer):
    """The new account, masked like every answer carrying personal data (the username is the phone)."""

    id = serializers.IntegerField()
    username = serializers.SerializerMethodField()
    full_name = serializers.SerializerMethodField()

    def get_username(self, obj) -> str:
        return mask_phone(obj.username)

    def get_full_name(self, obj) -> str:
        return mask_name(obj.full_name)


class CitizenRegisterApi(APIView):
    """Citizens sign up (群众注册) with phone and password; name and ID number checked."""

    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    @extend_schema(summary="群众注册", request=CitizenRegisterInput, responses={201: CitizenRegisterOutput})
    def post(self, request):
        data = CitizenRegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.citizen_register(**data.validated_data, ip=client_ip(request))
        return Response(CitizenRegisterOutput(user).data, status=status.HTTP_201_CREATED)
