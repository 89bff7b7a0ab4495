"""Who sees and who may act on which applications (办件数据权限), in one place.

- citizen (群众/企业): only applications they made (``applicant_user``);
- clerk (窗口人员): applications of their own site;
- approver / inspector (审批/勘验人员): applications of their own department (or its parent,
  when the user sits in a section 股室);
- supervisor (大厅管理), leader (局领导), administrator: all; leaders and administrators
  read only (the transitions table grants them no action).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from hall.models import User

R = User.Role
SEE_ALL_ROLES = (R.SUPERVISOR, R.LEADER, R.ADMIN)
DEPARTMENT_ROLES = (R.APPROVER, R.INSPECTOR)


def _department_ids(user) -> list[int]:
    ids = []
    if user.department_id:
        ids.append(user.department_id)
        parent_id = getattr(user.department, "parent_id", None)
        if parent_id:
            ids.append(parent_id)
    return ids


def scope_filter(user) -> Q | None:
    """The filter limiting applications to ``user``'s scope; None means everything."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    role = user.role
    if role in SEE_ALL_ROLES:
        return None
    if role == R.PUBLIC:
        return Q(applicant_user=user)
    if role == R.CLERK:
        return Q(site_id=user.site_id) if user.site_id else Q(pk__in=[])
    if role in DEPARTMENT_ROLES:
        ids = _department_ids(user)
        return Q(department_id__in=ids) if ids else Q(pk__in=[])
    return Q(pk__in=[])


def applications_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Scope ``queryset`` (default: all applications) to what ``user`` may see."""
    from approvals.models import Application

    queryset = Application.objects.all() if queryset is None else queryset
    condition = scope_filter(user)
    return queryset if condition is None else queryset.filter(condition)


def can_see(user, application) -> bool:
    """Whether ``application`` (already loaded) is within ``user``'s scope."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    role = user.role
    if role in SEE_ALL_ROLES:
        return True
    if role == R.PUBLIC:
        return application.applicant_user_id == user.pk
    if role == R.CLERK:
        return bool(user.site_id) and application.site_id == user.site_id
    if role in DEPARTMENT_ROLES:
        return application.department_id in _department_ids(user)
    return False


def can_act_on(user, application) -> bool:
    """Scope for actions: like :func:`can_see`, but leaders and administrators are read-only."""
    return getattr(user, "role", None) not in (R.LEADER, R.ADMIN) and can_see(user, application)


def can_view_personal_data(user, application) -> bool:
    """Full ID numbers and phones: the applicant and staff handling it, never a leader's list."""
    return can_see(user, application) and getattr(user, "role", None) != R.LEADER
