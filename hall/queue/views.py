"""Pages of the queue: the kiosk (取号机), the ticket, the display board (大屏), the clerk's calling
console (叫号台), the citizen's online numbers and bookings, and the statistics (排队统计)."""

from __future__ import annotations

from datetime import date, timedelta

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hall.models import Site, User, Window
from hall.queue import selectors, services
from hall.queue.models import ACTION_LABELS, AppointmentSlot, PriorityCategory, QueueLine, Ticket, allowed_actions
from hall.queue.permissions import acting_window, ticket_for_window
from hall.ratelimit import rate_limited
from hall.services.audit import client_ip
from hall.views import page_for_roles


def _first_message(exc: ValidationError) -> str:
    return exc.messages[0] if exc.messages else "操作未成功，请重试。"


def _active_site(site_id: int) -> Site:
    return get_object_or_404(Site, pk=site_id, is_active=True)


# --- Kiosk (取号机) ----------------------------------------------------------------------------------


@never_cache
@rate_limited("kiosk_check_in", when=lambda request: request.POST.get("action") == "checkin")
def kiosk(request, site_id: int):
    """The hall's touch-screen kiosk: zone, then matter; or check in an appointment."""
    site = _active_site(site_id)
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "checkin":
                ticket = services.appointment_check_in(
                    site=site,
                    phone=request.POST.get("phone", "").strip(),
                    id_number=request.POST.get("id_number", "").strip(),
                    ip=client_ip(request),
                )
            else:
                line = QueueLine.objects.filter(site=site, pk=request.POST.get("line") or 0).first()
                if line is None:
                    raise ValidationError("请选择办理的业务。")
                priority = None
                if request.POST.get("priority"):
                    priority = PriorityCategory.objects.filter(code=request.POST["priority"], is_active=True).first()
                    if priority is None:
                        raise ValidationError("优先类别不存在。")
                ticket = services.ticket_issue(line=line, priority=priority, ip=client_ip(request))
        except ValidationError as exc:
            error = _first_message(exc)
        else:
            return redirect(f"{reverse('queue_ticket', args=[ticket.token])}?print=1")
    zones = selectors.kiosk_zones(site)
    chosen = None
    zone_id = request.GET.get("zone") or request.POST.get("zone")
    if zone_id:
        chosen = next((z for z in zones if str(z["zone"].pk) == str(zone_id)), None)
    context = {
        "site": site,
        "zones": zones,
        "chosen": chosen,
        "priorities": PriorityCategory.objects.filter(is_active=True),
        "error": error,
        "clock": hall_clock(),
    }
    return render(request, "queue/kiosk.html", context, status=400 if error else 200)


def hall_clock() -> dict:
    """The hall's time for the board, kiosk and ticket pages (大厅时间): the server's clock and zone,
    so a screen whose own clock or time zone is wrong still shows the hall's time."""
    now = timezone.now()
    return {"now": timezone.localtime(now), "server_ms": int(now.timestamp() * 1000), "time_zone": settings.TIME_ZONE}


def _ticket_context(request, ticket: Ticket) -> dict:
    follow_url = request.build_absolute_uri(reverse("queue_ticket", args=[ticket.token]))
    return {
        "ticket": ticket,
        "position": selectors.ticket_position(ticket),
        "qr_svg": segno.make(follow_url, error="m").svg_inline(scale=4, dark="#1f2933"),
        "follow_url": follow_url,
        "print": request.GET.get("print") == "1",
        "clock": hall_clock(),
    }


@never_cache
def ticket_page(request, token):
    """The printed ticket (排队小票) and, through its QR code, the citizen's live view on a phone."""
    ticket = get_object_or_404(Ticket.objects.select_related("line__zone", "site", "window", "priority"), token=token)
    return render(request, "queue/ticket.html", _ticket_context(request, ticket))


@never_cache
def ticket_state(request, token):
    ticket = get_object_or_404(Ticket.objects.select_related("line", "window"), token=token)
    return JsonResponse(
        {
            "number": ticket.number,
            "status": ticket.status,
            "status_display": ticket.get_status_display(),
            "window_number": ticket.window.number
            if ticket.window_id and ticket.status in Ticket.ACTIVE_STATUSES
            else None,
            **selectors.ticket_position(ticket),
            "server_ms": hall_clock()["server_ms"],
        }
    )


# --- Display board (大屏) ---------------------------------------------------------------------------


def board(request, site_id: int):
    """The hall's TV: numbers just called with their windows, waiting per zone, chime and voice."""
    site = _active_site(site_id)
    return render(
        request, "queue/board.html", {"site": site, "initial": selectors.board_state(site), "clock": hall_clock()}
    )


@never_cache
def board_state(request, site_id: int):
    site = _active_site(site_id)
    return JsonResponse(selectors.board_state(site))


# --- The clerk's calling console (叫号台) -------------------------------------------------------------


def _console_window(request) -> Window | None:
    """The clerk's own window (None when unassigned); a supervisor picks one with ?window=."""
    if request.user.role == User.Role.CLERK:
        return acting_window(request.user) if request.user.window_id else None
    window_id = request.GET.get("window")
    return acting_window(request.user, window_id) if window_id else None


def panel_context(window: Window, *, message: str = "", error: str = "") -> dict:
    """Context of templates/queue/_call_panel.html (the clerk workbench can include it too)."""
    panel = selectors.window_panel(window)
    current = panel["current"]
    actions = allowed_actions(current.status) if current else []
    return {
        **panel,
        "actions": actions,
        "action_labels": ACTION_LABELS,
        "message": message,
        "error": error,
        "calls_before_no_show": Ticket.CALLS_BEFORE_NO_SHOW,
    }


@page_for_roles("queue_window")
def window_console(request):
    window = _console_window(request)
    context = {"window": window, "today": timezone.localdate()}
    if window is not None:
        context.update(panel_context(window))
    if request.user.role == User.Role.SUPERVISOR:
        context["all_windows"] = Window.objects.select_related("site").order_by("site__name", "number")
    return render(request, "queue/window.html", context)


CONSOLE_ACTIONS = {"call", "recall", "no_show", "start", "finish", "transfer", "reactivate", "pause", "resume"}


@page_for_roles("queue_window")
@require_POST
def window_act(request, action: str):
    """One button of the console; htmx swaps the panel, a plain form post redirects back."""
    if action not in CONSOLE_ACTIONS:
        raise Http404("未知操作。")
    window = acting_window(request.user, request.POST.get("window"))
    by, ip = request.user, client_ip(request)
    message = error = ""
    try:
        if action == "call":
            ticket = services.ticket_call_next(window=window, by=by, ip=ip)
            message = f"请 {ticket.number} 号到 {window.number} 号窗口办理" if ticket else "当前没有等候的号码。"
        elif action == "pause":
            services.window_pause(window=window, reason=request.POST.get("reason", ""), by=by, ip=ip)
            message = "已暂停服务。"
        elif action == "resume":
            services.window_resume(window=window, by=by, ip=ip)
            message = "已恢复服务。"
        else:
            ticket = ticket_for_window(request.user, request.POST.get("ticket"), window)
            if action == "recall":
                services.ticket_recall(ticket=ticket, window=window, by=by, ip=ip)
            elif action == "no_show":
                services.ticket_mark_no_show(ticket=ticket, window=window, by=by, ip=ip)
            elif action == "start":
                services.ticket_start_service(ticket=ticket, window=window, by=by, ip=ip)
            elif action == "finish":
                services.ticket_finish(ticket=ticket, window=window, by=by, ip=ip)
            elif action == "reactivate":
                services.ticket_reactivate(ticket=ticket, by=by, ip=ip)
            elif action == "transfer":
                to_line = QueueLine.objects.filter(pk=request.POST.get("to_line") or 0, site_id=window.site_id).first()
                to_window = Window.objects.filter(pk=request.POST.get("to_window") or 0, site_id=window.site_id).first()
                services.ticket_transfer(
                    ticket=ticket, window=window, to_line=to_line, to_window=to_window, by=by, ip=ip
                )
            message = f"{ticket.number}：{ACTION_LABELS[action]}成功。"
    except ValidationError as exc:
        error = _first_message(exc)
    window.refresh_from_db()
    if request.headers.get("HX-Request"):
        return render(request, "queue/_call_panel.html", panel_context(window, message=message, error=error))
    if error:
        messages.error(request, error)
    elif message:
        messages.success(request, message)
    url = reverse("queue_window")
    return redirect(f"{url}?window={window.pk}" if request.user.role == User.Role.SUPERVISOR else url)


# --- Citizens: take a number online, book a slot (网上取号、预约) --------------------------------------


@page_for_roles("queue_take")
def take(request):
    user: User = request.user
    if request.method == "POST":
        try:
            if request.POST.get("action") == "book":
                slot = get_object_or_404(
                    AppointmentSlot.objects.select_related("line"), pk=request.POST.get("slot") or 0
                )
                services.appointment_book(
                    slot=slot,
                    phone=user.phone,
                    name=user.full_name,
                    id_number=user.id_number,
                    citizen=user,
                    by=user,
                    ip=client_ip(request),
                )
                messages.success(
                    request, f"预约成功：{slot.service_date:%m月%d日} {slot.starts_at:%H:%M}，请按时到大厅签到。"
                )
            else:
                line = get_object_or_404(QueueLine, pk=request.POST.get("line") or 0)
                ticket = services.ticket_issue(
                    line=line,
                    phone=user.phone,
                    citizen=user,
                    source=Ticket.Source.ONLINE,
                    by=user,
                    ip=client_ip(request),
                )
                messages.success(request, f"取号成功：{ticket.number}，请留意叫号。")
        except ValidationError as exc:
            messages.error(request, _first_message(exc))
        return redirect("queue_take")
    sites = Site.objects.filter(is_active=True, queue_lines__is_active=True).distinct()
    lines = QueueLine.objects.filter(is_active=True).select_related("zone", "site").order_by("site", "sort_order")
    tickets = list(selectors.tickets_of_citizen(user))
    for ticket in tickets:
        ticket.position = selectors.ticket_position(ticket)
    context = {
        "sites": sites,
        "lines": lines,
        "slots": selectors.open_slots(),
        "tickets": tickets,
        "appointments": user.queue_appointments.select_related("slot__line__zone").order_by("-booked_at")[:10],
    }
    return render(request, "queue/take.html", context)


# --- Statistics (排队统计) ---------------------------------------------------------------------------


def _parse_date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


@page_for_roles("queue_stats")
def stats(request):
    today = timezone.localdate()
    sites = list(Site.objects.filter(is_active=True, queue_lines__isnull=False).distinct().order_by("level", "name"))
    site = next((s for s in sites if str(s.pk) == request.GET.get("site")), sites[0] if sites else None)
    start = _parse_date(request.GET.get("start"), today)
    end = _parse_date(request.GET.get("end"), start)
    if start > end:
        messages.warning(request, "起始日期晚于截止日期，已交换。")
        start, end = end, start
    if (end - start).days > selectors.STATS_MAX_DAYS:
        messages.warning(request, "统计区间不能超过一年，已截取为一年。")
        end = start + timedelta(days=selectors.STATS_MAX_DAYS)
    context = {"sites": sites, "site": site, "start": start, "end": end, "today": today}
    if site is not None:
        context["stats"] = selectors.queue_statistics(site, start=start, end=end)
    return render(request, "queue/stats.html", context)
