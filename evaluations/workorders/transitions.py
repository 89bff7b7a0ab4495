"""The one table of allowed status changes of a work order (工单状态流转表), checked in one place.

received → dispatched (派单, supervisor) → signed for (签收 → in handling) | returned (退回, with a
reason, back to the supervisor to dispatch again) → replied (答复) → called back (回访) → closed
(办结). A callback "not satisfied" reopens the order once (重办); an extension needs the
supervisor's approval; an overdue order can be put under supervision (督办).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from evaluations.workorders.models import Status, WarningLevel
from evaluations.workorders.permissions import can_act_on
from hall.models import User

R = User.Role
S = Status


class Action:
    """Action names (操作), as they appear in URLs and history rows."""

    RECEIVE = "receive"
    DISPATCH = "dispatch"
    SIGN = "sign"
    RETURN = "return"
    REPLY = "reply"
    CALLBACK = "callback"
    REOPEN = "reopen"
    CLOSE = "close"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    SUPERVISE = "supervise"


ACTION_LABELS = {
    Action.RECEIVE: "登记受理",
    Action.DISPATCH: "派单",
    Action.SIGN: "签收",
    Action.RETURN: "退回",
    Action.REPLY: "答复",
    Action.CALLBACK: "回访",
    Action.REOPEN: "回访不满意重办",
    Action.CLOSE: "办结",
    Action.REQUEST_EXTENSION: "申请延期",
    Action.APPROVE_EXTENSION: "批准延期",
    Action.REJECT_EXTENSION: "驳回延期",
    Action.SUPERVISE: "督办",
}

CREATE = ""
INTAKE_ROLES = (R.CLERK, R.SUPERVISOR)
DEPARTMENT = (R.APPROVER,)
HALL = (R.SUPERVISOR,)
CALLBACK_ROLES = (R.CLERK, R.SUPERVISOR)
DEPARTMENT_OPEN = (S.DISPATCHED, S.IN_HANDLING)
SUPERVISABLE = (S.RECEIVED, S.DISPATCHED, S.RETURNED, S.IN_HANDLING)

Guard = Callable[[object], "str | None"]


@dataclass(frozen=True)
class Transition:
    to_status: str
    roles: tuple[str, ...]
    guard: Guard | None = None


def _no_pending_extension(order) -> str | None:
    if order.pending_extension:
        return f"工单 {order.number} 已有一项待审批的延期申请，请待审批后再申请。"
    return None


def _has_pending_extension(order) -> str | None:
    if not order.pending_extension:
        return f"工单 {order.number} 没有待审批的延期申请。"
    return None


def _not_reopened_yet(order) -> str | None:
    if order.reopen_count >= 1:
        return f"工单 {order.number} 已重办过一次，不能再次重办。"
    return None


def _overdue_not_supervised(order) -> str | None:
    if order.is_supervised:
        return f"工单 {order.number} 已在督办中。"
    if order.warning_level != WarningLevel.RED:
        return f"工单 {order.number} 尚未超期，不能督办。"
    return None


def _rows() -> dict[tuple[str, str], Transition]:
    table = {
        (CREATE, Action.RECEIVE): Transition(S.RECEIVED, (*INTAKE_ROLES, R.ADMIN)),
        (S.RECEIVED, Action.DISPATCH): Transition(S.DISPATCHED, HALL),
        (S.RETURNED, Action.DISPATCH): Transition(S.DISPATCHED, HALL),
        (S.DISPATCHED, Action.SIGN): Transition(S.IN_HANDLING, DEPARTMENT),
        (S.DISPATCHED, Action.RETURN): Transition(S.RETURNED, DEPARTMENT),
        (S.IN_HANDLING, Action.REPLY): Transition(S.REPLIED, DEPARTMENT),
        (S.REPLIED, Action.CALLBACK): Transition(S.CALLED_BACK, CALLBACK_ROLES),
        (S.REPLIED, Action.REOPEN): Transition(S.IN_HANDLING, CALLBACK_ROLES, guard=_not_reopened_yet),
        (S.CALLED_BACK, Action.CLOSE): Transition(S.CLOSED, HALL),
    }
    for status in DEPARTMENT_OPEN:
        table[(status, Action.REQUEST_EXTENSION)] = Transition(status, DEPARTMENT, guard=_no_pending_extension)
        table[(status, Action.APPROVE_EXTENSION)] = Transition(status, HALL, guard=_has_pending_extension)
        table[(status, Action.REJECT_EXTENSION)] = Transition(status, HALL, guard=_has_pending_extension)
    for status in SUPERVISABLE:
        table[(status, Action.SUPERVISE)] = Transition(status, HALL, guard=_overdue_not_supervised)
    return table


TRANSITIONS: dict[tuple[str, str], Transition] = _rows()


class TransitionNotAllowed(Exception):
    """The action is not allowed in the order's current status (→ HTTP 409)."""

    def __init__(self, message: str, *, status: str = "", action: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.action = action


def check_transition(order, action: str, user) -> str:
    """Return the status ``action`` leads to, or raise ``TransitionNotAllowed`` (409) /
    ``PermissionDenied`` (403)."""
    from_status = order.status if order is not None else CREATE
    transition = TRANSITIONS.get((from_status, action))
    label = ACTION_LABELS.get(action, action)
    if transition is None:
        if order is None:
            raise TransitionNotAllowed(f"不能{label}：未知操作。", action=action)
        raise TransitionNotAllowed(
            f"工单 {order.number} 当前状态为“{Status(from_status).label}”，不能{label}。",
            status=from_status,
            action=action,
        )
    if user is not None and getattr(user, "role", None) not in transition.roles:
        raise PermissionDenied(f"您的角色无权{label}。")
    if order is not None and user is not None and not can_act_on(user, order):
        raise PermissionDenied(f"该工单不在您的办理范围内，不能{label}。")
    if order is not None and transition.guard is not None:
        refusal = transition.guard(order)
        if refusal:
            raise TransitionNotAllowed(refusal, status=from_status, action=action)
    return transition.to_status


def actions_for(order, user) -> list[str]:
    """The actions ``user`` may take on ``order`` now (the buttons a page shows)."""
    if not can_act_on(user, order):
        return []
    result = []
    for (from_status, action), transition in TRANSITIONS.items():
        if from_status != order.status or getattr(user, "role", None) not in transition.roles:
            continue
        if transition.guard is not None and transition.guard(order):
            continue
        result.append(action)
    return result
