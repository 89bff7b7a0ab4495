"""REST API of the queue (取号叫号) under /api/v1/queue/: issue, book, call, serve, board, statistics."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hall.models import Site, User, Window
from hall.queue import selectors, services
from hall.queue.models import Appointment, AppointmentSlot, PriorityCategory, QueueLine, Ticket
from hall.queue.permissions import acting_window, can_see_stats, ticket_for_window
from hall.services.audit import client_ip


class QueueConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "队列暂不可用。"
    default_code = "queue_unavailable"


def _unavailable_as_409(call):
    try:
        return call()
    except services.LineUnavailable as exc:
        raise QueueConflict(detail=exc.messages[0]) from None


class QueueTicketSerializer(serializers.ModelSerializer):
    # Plain strings, not enums: choice sets named "status" elsewhere would collide in the schema.
    status = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display")
    line_name = serializers.CharField(source="line.name")
    zone_name = serializers.CharField(source="line.zone.name")
    window_number = serializers.IntegerField(source="window.number", default=None)
    priority_name = serializers.CharField(source="priority.name", default="")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "token",
            "number",
            "status",
            "status_display",
            "service_date",
            "line",
            "line_name",
            "zone_name",
            "is_priority",
            "priority_name",
            "source",
            "window_number",
            "call_count",
            "issued_at",
            "called_at",
            "service_started_at",
            "finished_at",
        ]


class QueueAppointmentSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    line_name = serializers.CharField(source="slot.line.name")
    service_date = serializers.DateField(source="slot.service_date")
    starts_at = serializers.TimeField(source="slot.starts_at")
    ends_at = serializers.TimeField(source="slot.ends_at")

    class Meta:
        model = Appointment
        fields = ["id", "status", "line_name", "service_date", "starts_at", "ends_at", "booked_at"]


class TicketIssueApi(APIView):
    """Take a number (取号) online for today; a staff member may take one for a citizen."""

    permission_classes = [IsAuthenticated]

    class TicketIssueInput(serializers.Serializer):
        line = serializers.PrimaryKeyRelatedField(queryset=QueueLine.objects.select_related("zone"), label="队列")
        priority = serializers.SlugRelatedField(
            slug_field="code",
            queryset=PriorityCategory.objects.all(),
            required=False,
            allow_null=True,
            label="优先类别",
        )
        phone = serializers.CharField(required=False, allow_blank=True, max_length=11, label="手机号码")

    @extend_schema(request=TicketIssueInput, responses={201: QueueTicketSerializer}, summary="取号")
    def post(self, request):
        data = self.TicketIssueInput(data=request.data)
        data.is_valid(raise_exception=True)
        user: User = request.user
        is_public = user.role == User.Role.PUBLIC
        if is_public and data.validated_data.get("priority"):
            raise serializers.ValidationError({"priority": "优先号请到大厅取号，由工作人员核验后发放。"})
        ticket = _unavailable_as_409(
            lambda: services.ticket_issue(
                line=data.validated_data["line"],
                priority=data.validated_data.get("priority"),
                phone=data.validated_data.get("phone") or (user.phone if is_public else ""),
                citizen=user if is_public else None,
                source=Ticket.Source.ONLINE if is_public else Ticket.Source.KIOSK,
                by=user,
                ip=client_ip(request),
            )
        )
        return Response(QueueTicketSerializer(ticket).data, status=status.HTTP_201_CREATED)


class TicketTrackApi(APIView):
    """A ticket's live position by its query code (the QR code on the printed ticket)."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="查询排队进度",
        responses=inline_serializer(
            "QueueTicketPosition",
            {
                "ticket": QueueTicketSerializer(),
                "ahead": serializers.IntegerField(),
                "estimated_minutes": serializers.IntegerField(),
            },
        ),
    )
    def get(self, request, token):
        ticket = get_object_or_404(Ticket.objects.select_related("line__zone", "window", "priority"), token=token)
        return Response({"ticket": QueueTicketSerializer(ticket).data, **selectors.ticket_position(ticket)})


class AppointmentBookApi(APIView):
    """Book an appointment slot (预约)."""

    permission_classes = [IsAuthenticated]

    class AppointmentBookInput(serializers.Serializer):
        slot = serializers.PrimaryKeyRelatedField(
            queryset=AppointmentSlot.objects.select_related("line"), label="预约时段"
        )
        phone = serializers.CharField(required=False, allow_blank=True, max_length=11, label="手机号码")
        name = serializers.CharField(required=False, allow_blank=True, max_length=50, label="姓名")

    @extend_schema(request=AppointmentBookInput, responses={201: QueueAppointmentSerializer}, summary="预约取号")
    def post(self, request):
        data = self.AppointmentBookInput(data=request.data)
        data.is_valid(raise_exception=True)
        user: User = request.user
        is_public = user.role == User.Role.PUBLIC
        phone = data.validated_data.get("phone") or (user.phone if is_public else "")
        if not phone:
            raise serializers.ValidationError({"phone": "请填写手机号码。"})
        appointment = _unavailable_as_409(
            lambda: services.appointment_book(
                slot=data.validated_data["slot"],
                phone=phone,
                name=data.validated_data.get("name") or (user.full_name if is_public else ""),
                id_number=user.id_number if is_public else "",
                citizen=user if is_public else None,
                by=user,
                ip=client_ip(request),
            )
        )
        return Response(QueueAppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)


class QueueWindowInput(serializers.Serializer):
    window = serializers.IntegerField(required=False, allow_null=True, label="窗口（大厅管理人员必填）")


class CallNextApi(APIView):
    """Call the next ticket (叫号) at the clerk's own window."""

    @extend_schema(
        request=QueueWindowInput,
        responses=inline_serializer(
            "QueueCallNextResult", {"ticket": QueueTicketSerializer(allow_null=True), "detail": serializers.CharField()}
        ),
        summary="叫号（呼叫下一位）",
    )
    def post(self, request):
        data = QueueWindowInput(data=request.data)
        data.is_valid(raise_exception=True)
        window = acting_window(request.user, data.validated_data.get("window"))
        ticket = services.ticket_call_next(window=window, by=request.user, ip=client_ip(request))
        if ticket is None:
            return Response({"ticket": None, "detail": "当前没有等候的号码。"})
        ticket = Ticket.objects.select_related("line__zone", "window", "priority").get(pk=ticket.pk)
        return Response(
            {
                "ticket": QueueTicketSerializer(ticket).data,
                "detail": f"请 {ticket.number} 号到 {window.number} 号窗口办理",
            }
        )


class _TicketActionApi(APIView):
    """One action on one ticket at the acting window; subclasses name the service."""

    action_name = ""

    def perform(self, *, ticket, window, request, data):
        raise NotImplementedError

    input_class = QueueWindowInput

    def post(self, request, pk):
        data = self.input_class(data=request.data)
        data.is_valid(raise_exception=True)
        window = acting_window(request.user, data.validated_data.get("window"))
        ticket = ticket_for_window(request.user, pk, window)
        ticket = self.perform(ticket=ticket, window=window, request=request, data=data.validated_data)
        ticket = Ticket.objects.select_related("line__zone", "window", "priority").get(pk=ticket.pk)
        return Response(QueueTicketSerializer(ticket).data)


def _ticket_action_schema(summary: str, request_class=QueueWindowInput):
    return extend_schema(request=request_class, responses=QueueTicketSerializer, summary=summary)


class TicketRecallApi(_TicketActionApi):
    """Recall (重呼)."""

    @_ticket_action_schema("重呼")
    def post(self, request, pk):
        return super().post(request, pk)

    def perform(self, *, ticket, window, request, data):
        return services.ticket_recall(ticket=ticket, window=window, by=request.user, ip=client_ip(request))


class TicketNoShowApi(_TicketActionApi):
    """No-show (过号)."""

    @_ticket_action_schema("过号")
    def post(self, request, pk):
        return super().post(request, pk)

    def perform(self, *, ticket, window, request, data):
        return services.ticket_mark_no_show(ticket=ticket, window=window, by=request.user, ip=client_ip(request))


class TicketReactivateApi(_TicketActionApi):
    """Reactivate a no-show (过号恢复)."""

    @_ticket_action_schema("过号恢复")
    def post(self, request, pk):
        return super().post(request, pk)

    def perform(self, *, ticket, window, request, data):
        return services.ticket_reactivate(ticket=ticket, by=request.user, ip=client_ip(request))


class TicketStartApi(_TicketActionApi):
    """Start service (开始办理)."""

    @_ticket_action_schema("开始办理")
    def post(self, request, pk):
        return super().post(request, pk)

    def perform(self, *, ticket, window, request, data):
        return services.ticket_start_service(ticket=ticket, window=window, by=request.user, ip=client_ip(request))


class TicketFinishApi(_TicketActionApi):
    """Finish service (办结)."""

    @_ticket_action_schema("办结")
    def post(self, request, pk):
        return super().post(request, pk)

    def perform(self, *, ticket, window, request, data):
        return services.ticket_finish(ticket=ticket, window=window, by=request.user, ip=client_ip(request))


class TicketTransferInput(QueueWindowInput):
    to_line = serializers.PrimaryKeyRelatedField(
        queryset=QueueLine.objects.all(), required=False, allow_null=True, label="转往队列"
    )
    to_window = serializers.PrimaryKeyRelatedField(
        queryset=Window.objects.all(), required=False, allow_null=True, label="转往窗口"
    )


class TicketTransferApi(_TicketActionApi):
    """Transfer to another line or window, keeping the number (转移)."""

    input_class = TicketTransferInput

    @_ticket_action_schema("转移", TicketTransferInput)
    def post(self, request, pk):
        return super().post(request, pk)

    def perform(self, *, ticket, window, request, data):
        return services.ticket_transfer(
            ticket=ticket,
            window=window,
            to_line=data.get("to_line"),
            to_window=data.get("to_window"),
            by=request.user,
            ip=client_ip(request),
        )


class QueueWindowStateSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Window
        fields = ["id", "number", "name", "status", "status_display"]


class WindowPauseApi(APIView):
    """Pause the window with a reason (暂停服务)."""

    class WindowPauseInput(QueueWindowInput):
        reason = serializers.CharField(max_length=100, label="暂停原因")

    @extend_schema(request=WindowPauseInput, responses=QueueWindowStateSerializer, summary="暂停服务")
    def post(self, request):
        data = self.WindowPauseInput(data=request.data)
        data.is_valid(raise_exception=True)
        window = acting_window(request.user, data.validated_data.get("window"))
        window = services.window_pause(
            window=window, reason=data.validated_data["reason"], by=request.user, ip=client_ip(request)
        )
        return Response(QueueWindowStateSerializer(window).data)


class WindowResumeApi(APIView):
    """Resume service (恢复服务)."""

    @extend_schema(request=QueueWindowInput, responses=QueueWindowStateSerializer, summary="恢复服务")
    def post(self, request):
        data = QueueWindowInput(data=request.data)
        data.is_valid(raise_exception=True)
        window = acting_window(request.user, data.validated_data.get("window"))
        window = services.window_resume(window=window, by=request.user, ip=client_ip(request))
        return Response(QueueWindowStateSerializer(window).data)


class QueueBoardCallSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    window_number = serializers.IntegerField()
    zone = serializers.CharField()
    action = serializers.CharField()
    called_at = serializers.CharField()
    announcement = serializers.CharField()


class QueueBoardZoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    waiting = serializers.IntegerField()


class BoardStateApi(APIView):
    """The display board's state (大屏): last calls and waiting counts per zone. Public."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="大屏叫号状态",
        responses=inline_serializer(
            "QueueBoardState",
            {
                "site": inline_serializer(
                    "QueueBoardSite", {"id": serializers.IntegerField(), "name": serializers.CharField()}
                ),
                "server_time": serializers.CharField(),
                "last_call_id": serializers.IntegerField(),
                "calls": QueueBoardCallSerializer(many=True),
                "zones": QueueBoardZoneSerializer(many=True),
            },
        ),
    )
    def get(self, request, site_id):
        site = get_object_or_404(Site, pk=site_id, is_active=True)
        return Response(selectors.board_state(site))


class QueueStatsApi(APIView):
    """Wait and service statistics (排队统计) for a site and a date range (supervisors, leaders)."""

    class QueueStatsQuery(serializers.Serializer):
        site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all(), label="服务场所")
        start = serializers.DateField(required=False, label="起始日期")
        end = serializers.DateField(required=False, label="截止日期")

        def validate(self, attrs):
            today = timezone.localdate()
            attrs.setdefault("end", attrs.get("start") or today)
            attrs.setdefault("start", attrs["end"])
            if attrs["start"] > attrs["end"]:
                raise serializers.ValidationError({"start": "起始日期不能晚于截止日期。"})
            if attrs["end"] - attrs["start"] > timedelta(days=selectors.STATS_MAX_DAYS):
                raise serializers.ValidationError({"end": "统计区间不能超过一年。"})
            return attrs

    @extend_schema(
        summary="排队统计",
        parameters=[
            OpenApiParameter("site", int, required=True, description="服务场所"),
            OpenApiParameter("start", str, description="起始日期 YYYY-MM-DD，默认今天"),
            OpenApiParameter("end", str, description="截止日期 YYYY-MM-DD，默认同起始日期"),
        ],
        responses=inline_serializer(
            "QueueStatistics",
            {
                "start": serializers.DateField(),
                "end": serializers.DateField(),
                "outcome": serializers.DictField(child=serializers.IntegerField()),
                "no_show_rate": serializers.FloatField(allow_null=True),
                "by_zone": serializers.ListField(child=serializers.DictField()),
                "by_window": serializers.ListField(child=serializers.DictField()),
                "by_clerk": serializers.ListField(child=serializers.DictField()),
                "calls_per_window": serializers.ListField(child=serializers.DictField()),
                "per_hour": serializers.ListField(child=serializers.DictField()),
                "waiting_now": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request):
        if not can_see_stats(request.user):
            raise PermissionDenied("只有大厅管理人员和局领导可以查看排队统计。")
        query = self.QueueStatsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        stats = selectors.queue_statistics(
            query.validated_data["site"], start=query.validated_data["start"], end=query.validated_data["end"]
        )
        stats.pop("site")
        return Response(stats)
