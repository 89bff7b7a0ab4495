"""The one table of allowed status changes of a 差评 case (差评整改流转表), checked in one place.

Each row: (from_status, action) → (to_status, roles allowed, optional guard). Services call
:func:`check_case_transition` under the row lock; pages and the API derive their buttons from
:func:`case_actions_for`, so what is shown and what is allowed cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from evaluations.models import CaseStatus
from evaluations.permissions import can_act_on_case
from hall.models import User

R = User.Role
S = CaseStatus


class CaseAction:
    """Action names (操作) of a 差评 case, as they appear in URLs and history rows."""

    CREATE = "create"
    START_VERIFY = "start_verify"
    CALLBACK = "callback"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    START_RECTIFY = "start_rectify"
    RECTIFY = "rectify"
    CLOSE = "close"
    UPHOLD_APPEAL = "uphold_appeal"
    REJECT_APPEAL = "reject_appeal"


CASE_ACTION_LABELS = {
    CaseAction.CREATE: "收到差评",
    CaseAction.START_VERIFY: "签收核实",
    CaseAction.CALLBACK: "记录回访",
    CaseAction.CONFIRM: "核实属实",
    CaseAction.DISPUTE: "认定误评/恶意差评",
    CaseAction.START_RECTIFY: "开始整改",
    CaseAction.RECTIFY: "提交整改结果",
    CaseAction.CLOSE: "审核办结",
    CaseAction.UPHOLD_APPEAL: "复核：认定不实",
    CaseAction.REJECT_APPEAL: "复核：驳回申诉",
}

# The department handles (责任部门: its approvers); the hall supervisor (大厅管理) may act for it.
DEPARTMENT = (R.APPROVER, R.SUPERVISOR)
SUPERVISOR = (R.SUPERVISOR,)

Guard = Callable[[object], "str | None"]


@dataclass(frozen=True)
class CaseTransition:
    to_status: str
    roles: tuple[str, ...]
    guard: Guard | None = None


def _called_back_if_real_name(case) -> str | None:
    """Every real-name 差评 gets a callback (回访) before it is judged."""
    if case.evaluation.is_real_name and case.called_back_at is None:
        return "实名差评须先完成回访并记录回访情况，才能作出核实结论。"
    return None


def _rows() -> dict[tuple[str, str], CaseTransition]:
    table = {
        (S.SUBMITTED, CaseAction.START_VERIFY): CaseTransition(S.VERIFYING, DEPARTMENT),
        (S.VERIFYING, CaseAction.CONFIRM): CaseTransition(S.CONFIRMED, DEPARTMENT, _called_back_if_real_name),
        (S.VERIFYING, CaseAction.DISPUTE): CaseTransition(S.APPEAL_REVIEW, DEPARTMENT, _called_back_if_real_name),
        (S.CONFIRMED, CaseAction.START_RECTIFY): CaseTransition(S.RECTIFYING, DEPARTMENT),
        (S.RECTIFYING, CaseAction.RECTIFY): CaseTransition(S.RECTIFIED, DEPARTMENT),
        (S.RECTIFIED, CaseAction.CLOSE): CaseTransition(S.CLOSED, SUPERVISOR),
        (S.APPEAL_REVIEW, CaseAction.UPHOLD_APPEAL): CaseTransition(S.INVALIDATED, SUPERVISOR),
        (S.APPEAL_REVIEW, CaseAction.REJECT_APPEAL): CaseTransition(S.CONFIRMED, SUPERVISOR),
    }
    # A callback may be recorded at any step before the case is closed; it does not move it.
    for status in (S.SUBMITTED, S.VERIFYING, S.CONFIRMED, S.RECTIFYING, S.RECTIFIED, S.APPEAL_REVIEW):
        table[(status, CaseAction.CALLBACK)] = CaseTransition(status, DEPARTMENT)
    return table


CASE_TRANSITIONS: dict[tuple[str, str], CaseTransition] = _rows()


class CaseTransitionNotAllowed(Exception):
    """The action is not allowed in the case's current status (→ HTTP 409)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_case_transition(case, action: str, user) -> str:
    """Return the status ``action`` leads to, or raise ``CaseTransitionNotAllowed`` (409) /
    ``PermissionDenied`` (403: role, or a case of another department)."""
    transition = CASE_TRANSITIONS.get((case.status, action))
    label = CASE_ACTION_LABELS.get(action, action)
    if transition is None:
        if action not in CASE_ACTION_LABELS:
            raise CaseTransitionNotAllowed(f"未知操作“{action}”。")
        raise CaseTransitionNotAllowed(f"该差评当前状态为“{S(case.status).label}”，不能{label}。")
    if user is None or getattr(user, "role", None) not in transition.roles:
        raise PermissionDenied(f"您的角色无权{label}。")
    if not can_act_on_case(user, case):
        raise PermissionDenied(f"该差评不属于您的部门，不能{label}。")
    if transition.guard is not None:
        refusal = transition.guard(case)
        if refusal:
            raise CaseTransitionNotAllowed(refusal)
    return transition.to_status


def case_actions_for(case, user) -> list[str]:
    """The actions ``user`` may take on ``case`` now (the buttons a page shows)."""
    result = []
    for (from_status, action), transition in CASE_TRANSITIONS.items():
        if from_status != case.status or getattr(user, "role", None) not in transition.roles:
            continue
        if not can_act_on_case(user, case):
            continue
        if transition.guard is not None and transition.guard(case):
            continue
        result.append(action)
    return result
