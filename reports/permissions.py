"""Who reads reports (统计报表权限): supervisors, leaders and administrators see the county; the head
of a department (部门负责人, ``approvals.DepartmentHead``) sees their department; nobody else."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from hall.models import User

R = User.Role
REPORT_ROLES = (R.SUPERVISOR, R.LEADER, R.ADMIN)
DENIED = "您无权访问统计报表：只有大厅管理、局领导、系统管理员和部门负责人可以查看。"


def headed_department_id(user) -> int | None:
    if not getattr(user, "is_authenticated", False) or user.role == R.PUBLIC or not user.is_active:
        return None
    from approvals.models import DepartmentHead

    return (
        DepartmentHead.objects.filter(user=user)
        .order_by("department_id")
        .values_list("department_id", flat=True)
        .first()
    )


def can_read_reports(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in REPORT_ROLES or headed_department_id(user) is not None


def department_scope(user) -> int | None:
    """None: the whole bureau; else the only department ``user`` may read."""
    if user.role in REPORT_ROLES:
        return None
    return headed_department_id(user)


def reports_required(view=None, *, page: str | None = None):
    """Guard a report page (403 in Chinese for everyone else). With ``page``, the roles of that
    row of ``hall.roles.NAV_ITEMS`` decide (e.g. the cockpit is the leaders' own page)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            from hall.roles import can_open

            user = request.user
            allowed = can_open(user, page) if page == "leader_home" else can_read_reports(user)
            if not allowed:
                raise PermissionDenied(DENIED)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator
