"""Who may act on which window (窗口权限): a clerk only on their own window, a supervisor on any."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from hall.models import User, Window
from hall.queue.models import Ticket

CALLING_ROLES = (User.Role.CLERK, User.Role.SUPERVISOR)
STATS_ROLES = (User.Role.SUPERVISOR, User.Role.LEADER, User.Role.ADMIN)


def acting_window(user, window_id=None) -> Window:
    """The window ``user`` acts on: a clerk's own window, or the one a supervisor names."""
    if not user.is_authenticated or user.role not in CALLING_ROLES:
        raise PermissionDenied("只有窗口人员和大厅管理人员可以叫号。")
    if window_id in ("", None):
        window_id = None
    if user.role == User.Role.CLERK:
        if user.window_id is None:
            raise PermissionDenied("您尚未分配窗口，请联系大厅管理员。")
        if window_id is not None and str(window_id) != str(user.window_id):
            raise PermissionDenied("只能操作本人所在的窗口。")
        return Window.objects.select_related("zone", "site").get(pk=user.window_id)
    if window_id is None:
        raise ValidationError({"window": "请选择要操作的窗口。"})
    try:
        return Window.objects.select_related("zone", "site").get(pk=int(window_id))
    except (Window.DoesNotExist, ValueError, TypeError):
        raise Http404("窗口不存在。") from None


def ticket_for_window(user, ticket_id, window: Window) -> Ticket:
    """The ticket ``user`` may act on at ``window``: a clerk only on tickets of that window."""
    try:
        ticket = Ticket.objects.select_related("line").get(pk=int(ticket_id))
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise Http404("号码不存在。") from None
    if user.role == User.Role.CLERK and ticket.window_id != window.pk:
        raise PermissionDenied("只能操作本窗口的号码。")
    if ticket.site_id != window.site_id:
        raise PermissionDenied("只能操作本大厅的号码。")
    return ticket


def can_see_stats(user) -> bool:
    return user.is_authenticated and user.role in STATS_ROLES
