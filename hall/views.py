"""Pages of the hall: login and password, each role's home, notifications, health check."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hall.forms import HallPasswordChangeForm, LoginForm
from hall.models import Notification, User, Window
from hall.roles import ROLE_HOME, can_open
from hall.selectors import calendar_status, sites_with_zones_and_windows, window_status_counts
from hall.services.notifications import notification_mark_all_read
from hall.workdays import unconfigured_warning


def page_for_roles(url_name: str):
    """Guard a role page with the same table that builds the navigation."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not can_open(request.user, url_name):
                raise PermissionDenied("您的角色无权访问此页面。")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = HallPasswordChangeForm
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改。")
        return response


@login_required
def home(request):
    """Send each person to their role's home."""
    return redirect(ROLE_HOME.get(request.user.role, "portal"))


def portal(request):
    """Citizen and enterprise portal (群众/企业门户): open to everyone."""
    return render(request, "hall/portal.html", {"sites": sites_with_zones_and_windows()})


def _staff_context(request) -> dict:
    user: User = request.user
    return {"today": timezone.localdate(), "staff_user": user}


@page_for_roles("workbench")
def workbench(request):
    """Window clerk workbench (窗口工作台)."""
    window = (
        Window.objects.select_related("zone", "site", "department").filter(pk=request.user.window_id).first()
        if request.user.window_id
        else None
    )
    # The application panels (一窗受理, 我的办件) read through approvals' selectors.
    from approvals.models import FINAL_STATUSES, Status
    from approvals.selectors import application_search

    my_work = application_search(request.user, mine=True).exclude(status__in=[*FINAL_STATUSES, Status.COMPLETED])
    # The calling panel (叫号) of the clerk's window, the same partial as the queue console.
    from hall.queue.views import panel_context

    context = {
        **(panel_context(window) if window else {}),
        **_staff_context(request),
        "window": window,
        "my_work": Paginator(my_work.order_by("promised_deadline", "-received_at"), 10).get_page(
            request.GET.get("page")
        ),
    }
    return render(request, "hall/workbench.html", context)


@page_for_roles("backoffice")
def backoffice(request):
    """Back-office approver workbench (审批工作台)."""
    from approvals.models import Status, WarningLevel
    from approvals.selectors import department_queue, inspection_tasks

    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    warning = request.GET.get("warning", "")
    warning = warning if warning in WarningLevel.values else ""
    q = request.GET.get("q", "")[:40]
    queue = department_queue(request.user, status=status, warning=warning, q=q)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        **_staff_context(request),
        "queue": Paginator(queue, 20).get_page(request.GET.get("page")),
        "inspections": inspection_tasks(request.user)[:10],
        "status": status,
        "warning": warning,
        "q": q,
        "query": params.urlencode(),
        "queue_statuses": [
            (s.value, s.label) for s in (Status.ACCEPTED, Status.UNDER_REVIEW, Status.SPECIAL_PROCEDURE, Status.DECIDED)
        ],
        "warnings": WarningLevel.choices,
    }
    return render(request, "hall/backoffice.html", context)


@page_for_roles("inspections")
def inspections(request):
    """Site inspector's task list (勘验任务): an inspector's assigned inspections (others: their scope's)."""
    from approvals.models import Status
    from approvals.selectors import applications_for, open_inspections
    from approvals.transitions import actions_for

    tasks = Paginator(open_inspections(request.user), 20).get_page(request.GET.get("page"))
    context = {
        **_staff_context(request),
        "tasks": tasks,
        # Who may record the result (结束特别程序) comes from the transitions table, as on the application page.
        "rows": [(pause, "resume" in actions_for(pause.application, request.user)) for pause in tasks.object_list],
        "is_inspector": request.user.role == User.Role.INSPECTOR,
        "under_review": applications_for(request.user)
        .filter(status=Status.UNDER_REVIEW)
        .order_by("promised_deadline")[:10],
    }
    return render(request, "hall/inspections.html", context)


@page_for_roles("dashboard")
def dashboard(request):
    """Hall supervisor dashboard (大厅监管看板)."""
    context = {
        **_staff_context(request),
        "sites": sites_with_zones_and_windows(),
        "window_counts": window_status_counts(),
    }
    return render(request, "hall/dashboard.html", context)


@page_for_roles("leader_home")
def leader_home(request):
    """Bureau leader cockpit (领导驾驶舱)."""
    context = {**_staff_context(request), "window_counts": window_status_counts()}
    return render(request, "hall/leader.html", context)


@page_for_roles("system_home")
def system_home(request):
    """Administrator's home (系统管理): calendar health and links into the admin."""
    today = timezone.localdate()
    status = calendar_status(today)
    if status["missing_years"]:
        messages.warning(request, unconfigured_warning(status["missing_years"]))
    return render(request, "hall/system.html", {**_staff_context(request), "calendar": status})


@login_required
def notification_list(request):
    notifications = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    page = Paginator(notifications, 20).get_page(request.GET.get("page"))
    return render(request, "hall/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read_all(request):
    count = notification_mark_all_read(user=request.user)
    messages.success(request, f"已将 {count} 条消息标记为已读。")
    return redirect("notifications")


@never_cache
def healthz(request):
    """Liveness and database check for the load balancer and docker compose."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "您无权访问此页面。"
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return HttpResponse(
        "<!doctype html><meta charset='utf-8'><title>系统错误</title><h1>系统繁忙，请稍后再试</h1>", status=500
    )
