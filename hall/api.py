"""REST API of the hall: the current user, places, departments and the working-day calendar."""

from datetime import date

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hall.models import Department, Site, User, Window, Zone
from hall.privacy import mask_id_number, mask_phone
from hall.selectors import departments_with_sections, sites_with_zones_and_windows
from hall.workdays import (
    MAX_SPAN_DAYS,
    MAX_WORKING_DAYS,
    add_working_days,
    current_calendar,
    unconfigured_warning,
    working_days_between,
)


class MeApi(APIView):
    """The logged-in user, with personal data masked."""

    permission_classes = [IsAuthenticated]

    class MeSerializer(serializers.ModelSerializer):
        role_display = serializers.CharField(source="get_role_display")
        phone = serializers.SerializerMethodField()
        id_number = serializers.SerializerMethodField()

        class Meta:
            model = User
            fields = [
                "id",
                "username",
                "full_name",
                "role",
                "role_display",
                "department",
                "site",
                "window",
                "phone",
                "id_number",
            ]

        def get_phone(self, obj) -> str:
            return mask_phone(obj.phone)

        def get_id_number(self, obj) -> str:
            return mask_id_number(obj.id_number)

    @extend_schema(responses=MeSerializer, summary="当前用户")
    def get(self, request):
        return Response(self.MeSerializer(request.user).data)


class WindowSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    department_name = serializers.CharField(source="department.name", default="")

    class Meta:
        model = Window
        fields = ["id", "number", "name", "status", "status_display", "department", "department_name"]


class ZoneSerializer(serializers.ModelSerializer):
    windows = WindowSerializer(many=True)

    class Meta:
        model = Zone
        fields = ["id", "name", "description", "floor", "windows"]


class SiteListApi(generics.ListAPIView):
    """Service sites with their zones and windows (public: the hall guide shows them)."""

    permission_classes = [AllowAny]

    class SiteSerializer(serializers.ModelSerializer):
        level_display = serializers.CharField(source="get_level_display")
        division_code = serializers.CharField(source="division.code")
        zones = ZoneSerializer(many=True)

        class Meta:
            model = Site
            fields = [
                "id",
                "name",
                "short_name",
                "level",
                "level_display",
                "division_code",
                "address",
                "phone",
                "opening_hours",
                "zones",
            ]

    serializer_class = SiteSerializer
    filterset_fields = ["level"]

    def get_queryset(self):
        return sites_with_zones_and_windows()


class DepartmentListApi(generics.ListAPIView):
    """Departments stationed in the hall, with their sections (股室)."""

    permission_classes = [AllowAny]

    class DepartmentSerializer(serializers.ModelSerializer):
        sections = serializers.SerializerMethodField()

        class Meta:
            model = Department
            fields = ["id", "name", "short_name", "credit_code", "phone", "sections"]

        def get_sections(self, obj) -> list[dict]:
            return [{"id": s.id, "name": s.name} for s in obj.sections.all()]

    serializer_class = DepartmentSerializer

    def get_queryset(self):
        return departments_with_sections()


class WorkingDaysQuery(serializers.Serializer):
    start = serializers.DateField(required=False, label="起始日期")
    n = serializers.IntegerField(required=False, min_value=0, max_value=MAX_WORKING_DAYS, label="工作日数")
    end = serializers.DateField(required=False, label="截止日期")

    def validate(self, attrs):
        if "start" not in attrs:
            raise serializers.ValidationError({"start": "请提供起始日期 start（YYYY-MM-DD）。"})
        if "n" not in attrs and "end" not in attrs:
            raise serializers.ValidationError({"n": "请提供工作日数 n，或截止日期 end。"})
        if "end" in attrs and abs((attrs["end"] - attrs["start"]).days) > MAX_SPAN_DAYS:
            raise serializers.ValidationError({"end": f"起止日期相隔不得超过 {MAX_SPAN_DAYS} 天（约 20 年）。"})
        return attrs


class WorkingDaysApi(APIView):
    """Working-day arithmetic: ``start`` + ``n`` working days, or working days in ``(start, end]``."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="工作日计算",
        parameters=[
            OpenApiParameter("start", date, required=True, description="起始日期（不计入）"),
            OpenApiParameter("n", int, description="向后推算的工作日数"),
            OpenApiParameter("end", date, description="截止日期：返回 (start, end] 内的工作日数"),
        ],
        responses=inline_serializer(
            "WorkingDaysResult",
            {
                "start": serializers.DateField(),
                "n": serializers.IntegerField(required=False),
                "result_date": serializers.DateField(required=False),
                "end": serializers.DateField(required=False),
                "working_days": serializers.IntegerField(required=False),
                "warnings": serializers.ListField(child=serializers.CharField()),
            },
        ),
    )
    def get(self, request):
        query = WorkingDaysQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = query.validated_data["start"]
        calendar = current_calendar()
        if "n" in query.validated_data:
            n = query.validated_data["n"]
            result_date = add_working_days(start, n, calendar=calendar)
            payload = {"start": start, "n": n, "result_date": result_date}
            touched = [start, result_date]
        else:
            end = query.validated_data["end"]
            payload = {"start": start, "end": end, "working_days": working_days_between(start, end, calendar=calendar)}
            touched = [start, end]
        missing = calendar.unconfigured_years(touched)
        payload["warnings"] = [unconfigured_warning(missing)] if missing else []
        return Response(payload)
