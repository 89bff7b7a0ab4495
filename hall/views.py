"""Pages of the hall: login and password, each role's home, notifications, health check."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_POST

from hall.forms import HallPasswordChangeForm, LoginForm
from hall.models import Notification, User
from hall.public_cache import HALL, public_page
from hall.roles import ROLE_HOME, can_open
from hall.selectors import calendar_status, sites_with_zones_and_windows
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


@public_page(HALL)
def portal(request):
    """Citizen and enterprise portal (群众/企业门户): open to everyone."""
    return render(request, "hall/portal.html", {"sites": sites_with_zones_and_windows()})


def _staff_context(request) -> dict:
    user: User = request.user
    return {"today": timezone.localdate(), "staff_user": user}


# The supervisor dashboard (/dashboard/) and the leader cockpit (/leader/) are reports' pages,
# routed by hall.urls: hall itself never imports reports.


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


@cache_control(max_age=60 * 60 * 24 * 7, public=True)
def favicon(request):
    """Browsers and crawlers ask for /favicon.ico whatever the page says: send them the SVG icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "您无权访问此页面。"
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return HttpResponse(
        "<!doctype html><meta charset='utf-8'><title>系统错误</title><h1>系统繁忙，请稍后再试</h1>", status=500
    )
