"""Helpers shared by the application pages: loading in scope, service errors, role guards."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404

from approvals.models import Application
from approvals.selectors import application_for
from hall.models import User

R = User.Role
STAFF_ROLES = (R.CLERK, R.APPROVER, R.INSPECTOR, R.SUPERVISOR, R.LEADER, R.ADMIN)
PAGE_SIZE = 20


def load_application(request, number: str) -> Application:
    """The application in the user's scope, else 404 (never reveal that another person's exists)."""
    application = application_for(request.user, number)
    if application is None:
        raise Http404("没有找到该办件。")
    return application


def roles_required(*roles: str):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied("您的角色无权访问此页面。")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def paginate(request, queryset, per_page: int = PAGE_SIZE, param: str = "page"):
    return Paginator(queryset, per_page).get_page(request.GET.get(param))


def query_without(request, *names: str) -> str:
    """The current query string without ``names`` (for pagination links keeping the filters)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()
