"""Who sees and who may act on which applications (办件数据权限): the hall's data scope
(``hall.scopes``) over an application's site, department and applicant.

- citizen (群众/企业): only applications they made (``applicant_user``);
- clerk (窗口人员): applications of their own site;
- approver / inspector (审批/勘验人员): applications of their own department (or its parent,
  when the user sits in a section 股室);
- supervisor (大厅管理), leader (局领导), administrator: all; leaders and administrators
  read only (the transitions table grants them no action).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from hall.scopes import DEPARTMENT_ROLES, SEE_ALL_ROLES, RecordScope

__all__ = ["DEPARTMENT_ROLES", "SEE_ALL_ROLES"]

APPLICATIONS = RecordScope(citizen="applicant_user")


def scope_filter(user) -> Q | None:
    """The filter limiting applications to ``user``'s scope; None means everything."""
    return APPLICATIONS.filter(user)


def applications_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Scope ``queryset`` (default: all applications) to what ``user`` may see."""
    from approvals.models import Application

    return APPLICATIONS.visible(user, Application.objects.all() if queryset is None else queryset)


can_see = APPLICATIONS.can_see
can_act_on = APPLICATIONS.can_act
can_view_personal_data = APPLICATIONS.can_view_personal_data
