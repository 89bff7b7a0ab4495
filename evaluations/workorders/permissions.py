"""Who sees and who may act on which work orders (工单数据权限): the hall's data scope
(``hall.scopes``) over an order's site, department and receiving clerk.

- hall supervisor (大厅管理), leader (局领导), administrator: all; leaders and administrators read only;
- department staff (审批/勘验人员): orders dispatched to their department (or its parent department);
- window clerk (窗口人员): orders received at their site or entered by themselves;
- citizens: none (they follow their request through the hotline).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from hall.models import User
from hall.scopes import DEPARTMENT_ROLES, SEE_ALL_ROLES, RecordScope, department_ids

__all__ = ["DEPARTMENT_ROLES", "SEE_ALL_ROLES", "department_ids"]

R = User.Role
STAFF_ROLES = (R.CLERK, R.APPROVER, R.INSPECTOR, R.SUPERVISOR, R.LEADER, R.ADMIN)
ORDERS = RecordScope(received_by="received_by")


def scope_filter(user) -> Q | None:
    """The filter limiting work orders to ``user``'s scope; None means everything."""
    return ORDERS.filter(user)


def orders_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    from evaluations.workorders.models import WorkOrder

    return ORDERS.visible(user, WorkOrder.objects.all() if queryset is None else queryset)


can_see = ORDERS.can_see
can_act_on = ORDERS.can_act
can_view_personal_data = ORDERS.can_view_personal_data
