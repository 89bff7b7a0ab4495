"""Who sees and who may act on which evaluations and 差评 cases (好差评数据权限): the hall's data
scope (``hall.scopes``), as for applications.

- citizen (群众/企业): only the evaluations they made themselves;
- clerk (窗口人员): evaluations of their own site;
- approver / inspector: evaluations and 差评 of their own department (or its parent for a 股室);
- supervisor, leader, administrator: all; leaders and administrators read only.
"""

from __future__ import annotations

from django.db.models import Q

from hall.scopes import DEPARTMENT_ROLES, READ_ONLY_ROLES, SEE_ALL_ROLES, RecordScope, department_ids

__all__ = ["DEPARTMENT_ROLES", "READ_ONLY_ROLES", "SEE_ALL_ROLES", "department_ids"]

EVALUATIONS = RecordScope(citizen="evaluator_user")
# A case carries its evaluation's site and the department answerable for the 差评.
CASES = RecordScope(citizen="evaluation__evaluator_user")


def evaluation_scope(user) -> Q | None:
    """The filter limiting evaluations to ``user``; None = all."""
    return EVALUATIONS.filter(user)


def case_scope(user) -> Q | None:
    """Cases a user may see: a citizen only their own 差评; staff by the case's site or department."""
    return CASES.filter(user)


can_see_case = CASES.can_see
can_act_on_case = CASES.can_act
