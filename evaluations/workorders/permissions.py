"""Who sees and who may act on which work orders (工单数据权限), as for applications.

- hall supervisor (大厅管理), leader (局领导), administrator: all; leaders and administrators read only;
- department staff (审批/勘验人员): orders dispatched to their department (or its parent department);
- window clerk (窗口人员): orders received at their site or entered by themselves;
- citizens: none (they follow their request through the hotline).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from hall.models import User

R = User.Role
SEE_ALL_ROLES = (R.SUPERVISOR, R.LEADER, R.ADMIN)
DEPARTMENT_ROLES = (R.APPROVER, R.INSPECTOR)
STAFF_ROLES = (R.CLERK, R.APPROVER, R.INSPECTOR, R.SUPERVISOR, R.LEADER, R.ADMIN)


def department_ids(user) -> list[int]:
    ids = []
    if user.department_id:
        ids.append(user.department_id)
        parent_id = getattr(user.department, "parent_id", None)
        if parent_id:
            ids.append(parent_id)
    return ids


def scope_filter(user) -> Q | None:
    """The filter limiting work orders to ``user``'s scope; None means everything."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.role in SEE_ALL_ROLES:
        return None
    if user.role in DEPARTMENT_ROLES:
        ids = department_ids(user)
        return Q(department_id__in=ids) if ids else Q(pk__in=[])
    if user.role == R.CLERK:
        return Q(received_by=user) | (Q(site_id=user.site_id) if user.site_id else Q(pk__in=[]))
    return Q(pk__in=[])


def orders_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    from evaluations.workorders.models import WorkOrder

    queryset = WorkOrder.objects.all() if queryset is None else queryset
    condition = scope_filter(user)
    return queryset if condition is None else queryset.filter(condition)


def can_see(user, order) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.role in SEE_ALL_ROLES:
        return True
    if user.role in DEPARTMENT_ROLES:
        return order.department_id is not None and order.department_id in department_ids(user)
    if user.role == R.CLERK:
        return order.received_by_id == user.pk or (bool(user.site_id) and order.site_id == user.site_id)
    return False


def can_act_on(user, order) -> bool:
    """Scope for actions: leaders and administrators are read-only."""
    return getattr(user, "role", None) not in (R.LEADER, R.ADMIN) and can_see(user, order)


def can_view_personal_data(user, order) -> bool:
    """The requester's full phone: staff handling the order, never a leader's list."""
    return can_see(user, order) and getattr(user, "role", None) != R.LEADER
