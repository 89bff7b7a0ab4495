"""The one table of allowed status changes of an application (办件状态流转表), checked in one place.

Each row: (from_status, action) → (to_status, roles allowed). Services call
:func:`check_transition` under the row lock; pages and the API derive their buttons from
:func:`actions_for`, so what is shown and what is allowed cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from approvals.models import Status
from approvals.permissions import can_act_on
from hall.models import User

R = User.Role
S = Status


class Action:
    """Action names (操作), as they appear in URLs and history rows."""

    RECEIVE = "receive"
    SUBMIT_ONLINE = "submit_online"
    START_PREREVIEW = "start_prereview"
    ACCEPT = "accept"
    REFUSE = "refuse"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT = "supplement"
    ASSIGN = "assign"
    START_REVIEW = "start_review"
    PAUSE = "pause"
    RESUME = "resume"
    EXTEND = "extend"
    DECIDE = "decide"
    COMPLETE = "complete"
    DELIVER = "deliver"
    WITHDRAW = "withdraw"
    REVOKE = "revoke"
    ACCEPT_IMMEDIATELY = "accept_immediately"


ACTION_LABELS = {
    Action.RECEIVE: "窗口接件",
    Action.SUBMIT_ONLINE: "网上申请",
    Action.START_PREREVIEW: "网上预审",
    Action.ACCEPT: "受理",
    Action.REFUSE: "不予受理",
    Action.REQUEST_SUPPLEMENT: "一次性告知补正",
    Action.SUPPLEMENT: "补正材料",
    Action.ASSIGN: "分派承办人",
    Action.START_REVIEW: "开始审查",
    Action.PAUSE: "启动特别程序",
    Action.RESUME: "结束特别程序",
    Action.EXTEND: "延期",
    Action.DECIDE: "作出决定",
    Action.COMPLETE: "办结",
    Action.DELIVER: "送达",
    Action.WITHDRAW: "撤回",
    Action.REVOKE: "撤销",
    Action.ACCEPT_IMMEDIATELY: "即办办结",
}

# Actions that create an application: they have no from-status.
CREATE = ""

INTAKE_STAFF = (R.CLERK, R.SUPERVISOR)
BACK_OFFICE = (R.APPROVER, R.SUPERVISOR)
BEFORE_ACCEPTANCE = (S.RECEIVED, S.SUBMITTED, S.PREREVIEW, S.SUPPLEMENTED)
BEFORE_DECISION = (
    S.RECEIVED,
    S.SUBMITTED,
    S.PREREVIEW,
    S.SUPPLEMENT_REQUESTED,
    S.SUPPLEMENTED,
    S.ACCEPTED,
    S.UNDER_REVIEW,
    S.SPECIAL_PROCEDURE,
)
REVOCABLE = (*BEFORE_DECISION, S.DECIDED, S.COMPLETED, S.DELIVERED)


@dataclass(frozen=True)
class Transition:
    to_status: str
    roles: tuple[str, ...]


def _rows() -> dict[tuple[str, str], Transition]:
    table: dict[tuple[str, str], Transition] = {
        (CREATE, Action.RECEIVE): Transition(S.RECEIVED, INTAKE_STAFF),
        (CREATE, Action.SUBMIT_ONLINE): Transition(S.SUBMITTED, (R.PUBLIC,)),
        (S.SUBMITTED, Action.START_PREREVIEW): Transition(S.PREREVIEW, INTAKE_STAFF),
        (S.SUPPLEMENT_REQUESTED, Action.SUPPLEMENT): Transition(S.SUPPLEMENTED, (R.PUBLIC, *INTAKE_STAFF)),
        (S.RECEIVED, Action.ACCEPT_IMMEDIATELY): Transition(S.COMPLETED, INTAKE_STAFF),
        (S.ACCEPTED, Action.START_REVIEW): Transition(S.UNDER_REVIEW, BACK_OFFICE),
        (S.UNDER_REVIEW, Action.PAUSE): Transition(S.SPECIAL_PROCEDURE, (*BACK_OFFICE, R.INSPECTOR)),
        (S.SPECIAL_PROCEDURE, Action.RESUME): Transition(S.UNDER_REVIEW, (*BACK_OFFICE, R.INSPECTOR)),
        (S.UNDER_REVIEW, Action.DECIDE): Transition(S.DECIDED, BACK_OFFICE),
        (S.DECIDED, Action.COMPLETE): Transition(S.COMPLETED, (*BACK_OFFICE, R.CLERK)),
        (S.COMPLETED, Action.DELIVER): Transition(S.DELIVERED, (*INTAKE_STAFF, R.APPROVER)),
    }
    for status in BEFORE_ACCEPTANCE:
        table[(status, Action.ACCEPT)] = Transition(S.ACCEPTED, INTAKE_STAFF)
        table[(status, Action.REFUSE)] = Transition(S.NOT_ACCEPTED, INTAKE_STAFF)
    # 补正 is told in one go: never from SUPPLEMENTED, so it cannot be asked twice.
    for status in (S.RECEIVED, S.SUBMITTED, S.PREREVIEW):
        table[(status, Action.REQUEST_SUPPLEMENT)] = Transition(S.SUPPLEMENT_REQUESTED, INTAKE_STAFF)
    for status in (S.ACCEPTED, S.UNDER_REVIEW, S.SPECIAL_PROCEDURE):
        table[(status, Action.ASSIGN)] = Transition(status, BACK_OFFICE)
        table[(status, Action.EXTEND)] = Transition(status, BACK_OFFICE)
    for status in BEFORE_DECISION:
        table[(status, Action.WITHDRAW)] = Transition(S.WITHDRAWN, (R.PUBLIC, *INTAKE_STAFF))
    for status in REVOCABLE:
        table[(status, Action.REVOKE)] = Transition(S.REVOKED, (R.SUPERVISOR,))
    return table


TRANSITIONS: dict[tuple[str, str], Transition] = _rows()


class TransitionNotAllowed(Exception):
    """The action is not allowed in the application's current status (→ HTTP 409)."""

    def __init__(self, message: str, *, status: str = "", action: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.action = action


def _status_label(status: str) -> str:
    return Status(status).label if status in Status.values else status


def check_transition(application, action: str, user) -> str:
    """Return the status ``action`` leads to, or raise.

    Raises ``TransitionNotAllowed`` when the current status does not allow the action, and
    ``PermissionDenied`` when the user's role may not take it or the application is outside
    the user's scope (a citizen's own, a clerk's site, an approver's department).
    """
    from_status = application.status if application is not None else CREATE
    transition = TRANSITIONS.get((from_status, action))
    label = ACTION_LABELS.get(action, action)
    if transition is None:
        if application is None:
            raise TransitionNotAllowed(f"不能{label}：未知操作。", action=action)
        raise TransitionNotAllowed(
            f"办件 {application.number} 当前状态为“{_status_label(from_status)}”，不能{label}。",
            status=from_status,
            action=action,
        )
    if user is None or getattr(user, "role", None) not in transition.roles:
        raise PermissionDenied(f"您的角色无权{label}。")
    if application is not None and not can_act_on(user, application):
        raise PermissionDenied(f"该办件不在您的办理范围内，不能{label}。")
    return transition.to_status


def actions_for(application, user) -> list[str]:
    """The actions ``user`` may take on ``application`` now (the buttons a page shows)."""
    result = []
    for (from_status, action), transition in TRANSITIONS.items():
        if from_status != application.status or getattr(user, "role", None) not in transition.roles:
            continue
        if can_act_on(user, application):
            result.append(action)
    return result
