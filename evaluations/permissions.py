"""Who sees and who may act on which evaluations and 差评 cases (好差评数据权限), as for applications.

- citizen (群众/企业): only the evaluations they made themselves;
- clerk (窗口人员): evaluations of their own site;
- approver / inspector: evaluations and 差评 of their own department (or its parent for a 股室);
- supervisor, leader, administrator: all; leaders and administrators read only.
"""

from __future__ import annotations

from django.db.models import Q

from hall.models import User

R = User.Role
SEE_ALL_ROLES = (R.SUPERVISOR, R.LEADER, R.ADMIN)
DEPARTMENT_ROLES = (R.APPROVER, R.INSPECTOR)
READ_ONLY_ROLES = (R.LEADER, R.ADMIN)


def department_ids(user) -> list[int]:
    ids = []
    if user.department_id:
        ids.append(user.department_id)
        parent_id = getattr(user.department, "parent_id", None)
        if parent_id:
            ids.append(parent_id)
    return ids


def evaluation_scope(user, prefix: str = "") -> Q | None:
    """The filter limiting evaluations (``prefix`` = "evaluation__" for cases) to ``user``; None = all."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    role = user.role
    if role in SEE_ALL_ROLES:
        return None
    if role == R.PUBLIC:
        return Q(**{f"{prefix}evaluator_user": user})
    if role == R.CLERK:
        return Q(**{f"{prefix}site_id": user.site_id}) if user.site_id else Q(pk__in=[])
    if role in DEPARTMENT_ROLES:
        ids = department_ids(user)
        return Q(**{f"{prefix}department_id__in": ids}) if ids else Q(pk__in=[])
    return Q(pk__in=[])


def case_scope(user) -> Q | None:
    """Cases a user may see: a citizen only their own 差评; staff as for evaluations."""
    if user is not None and user.is_authenticated and user.role in (R.APPROVER, R.INSPECTOR):
        ids = department_ids(user)
        return Q(department_id__in=ids) if ids else Q(pk__in=[])
    return evaluation_scope(user, prefix="evaluation__")


def can_see_case(user, case) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    role = user.role
    if role in SEE_ALL_ROLES:
        return True
    if role == R.PUBLIC:
        return case.evaluation.evaluator_user_id == user.pk
    if role == R.CLERK:
        return bool(user.site_id) and case.site_id == user.site_id
    if role in DEPARTMENT_ROLES:
        return case.department_id in department_ids(user)
    return False


def can_act_on_case(user, case) -> bool:
    """Like :func:`can_see_case`, but leaders and administrators are read-only."""
    return getattr(user, "role", None) not in READ_ONLY_ROLES and can_see_case(user, case)
