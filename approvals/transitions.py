"""The one table of allowed status changes of an application (办件状态流转表), checked in one place.

Each row: (from_status, action) → (to_status, roles allowed, optional guard, optional actor rule).
Services call :func:`check_transition` under the row lock; pages and the API derive their buttons
from :func:`actions_for`, so what is shown and what is allowed cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from approvals.clock import max_extension_days
from approvals.models import ClockExtension, ClockPause, Status
from approvals.permissions import can_act_on
from hall.catalog.models import HandlingType
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
    # Written by history rows from before extensions needed a separate approval; no longer in the table.
    EXTEND = "extend"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    DECIDE = "decide"
    COMPLETE = "complete"
    DELIVER = "deliver"
    WITHDRAW = "withdraw"
    REVOKE = "revoke"
    ACCEPT_IMMEDIATELY = "accept_immediately"
    # Art. 32: unanswered for 5 working days, the application counts as accepted (the sweep only).
    DEEM_ACCEPT = "deem_accept"


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
    Action.REQUEST_EXTENSION: "申请延期",
    Action.APPROVE_EXTENSION: "批准延期",
    Action.REJECT_EXTENSION: "驳回延期",
    Action.DECIDE: "作出决定",
    Action.COMPLETE: "办结",
    Action.DELIVER: "送达",
    Action.WITHDRAW: "撤回",
    Action.REVOKE: "撤销",
    Action.ACCEPT_IMMEDIATELY: "即办办结",
    Action.DEEM_ACCEPT: "逾期视为受理",
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
# The decision period runs (art. 42): an extension may be asked for and granted.
EXTENDABLE = (S.ACCEPTED, S.UNDER_REVIEW, S.SPECIAL_PROCEDURE)
# A request left pending when the application moved on can still be rejected (to clear the list).
AFTER_ACCEPTANCE = (*EXTENDABLE, S.DECIDED, S.COMPLETED, S.DELIVERED, S.WITHDRAWN, S.REVOKED)

# A guard looks at the application only and returns None, or the refusal shown to the user (→ 409).
Guard = Callable[[object], "str | None"]
# An actor rule looks at the application and the user and returns None, or a refusal (→ 403).
ActorRule = Callable[[object, object], "str | None"]


@dataclass(frozen=True)
class Transition:
    to_status: str
    roles: tuple[str, ...]
    guard: Guard | None = None
    actor_rule: ActorRule | None = None


# --- Guards and actor rules (they read prefetched relations when the caller has them) -----------------


def pending_extension(application) -> ClockExtension | None:
    """The extension request awaiting a supervisor's decision, if any (at most one)."""
    return next((e for e in application.extensions.all() if e.status == ClockExtension.Status.PENDING), None)


def open_pause(application) -> ClockPause | None:
    """The special procedure in progress, if any (at most one)."""
    return next((p for p in application.pauses.all() if p.ended_on is None), None)


def _immediate_matter_only(application) -> str | None:
    version = application.matter_version
    if version.handling_type != HandlingType.IMMEDIATE:
        return f"事项“{version.name}”不是即办件，不能当场办结，请按承诺件受理。"
    return None


def _no_pending_extension(application) -> str | None:
    pending = pending_extension(application)
    if pending is not None:
        return (
            f"办件 {application.number} 已有一项待审批的延期申请（{pending.working_days} 个工作日），请待审批后再申请。"
        )
    if application.extended_working_days >= max_extension_days(application.legal_limit_days):
        return f"办件 {application.number} 已延期 {application.extended_working_days} 个工作日，达到法定延期上限。"
    return None


def _has_pending_extension(application) -> str | None:
    if pending_extension(application) is None:
        return f"办件 {application.number} 没有待审批的延期申请。"
    return None


def _not_own_request(application, user) -> str | None:
    pending = pending_extension(application)
    if pending is not None and pending.requested_by_id == user.pk:
        return "延期申请须由提出人以外的负责人审批，不能审批本人提出的申请。"
    return None


def _assigned_inspector_only(application, user) -> str | None:
    if user.role != R.INSPECTOR:
        return None
    pause = open_pause(application)
    if pause is None or pause.inspector_id != user.pk:
        return "该特别程序未指派给您，不能结束或记录结果。"
    return None


def _answer_period_open(application) -> str | None:
    """Art. 32: past the answer deadline the application already counts as accepted, so it can no
    longer be refused or sent back for supplements (the decision may still deny it)."""
    from django.utils import timezone

    deadline = application.answer_deadline
    if deadline is not None and timezone.localdate() > deadline:
        return (
            f"办件 {application.number} 已超过预审答复期限（{deadline:%Y-%m-%d}），依法视为受理，"
            "不能再不予受理或要求补正，请直接受理（自收到材料之日起计时）。"
        )
    return None


def _rows() -> dict[tuple[str, str], Transition]:
    table: dict[tuple[str, str], Transition] = {
        (CREATE, Action.RECEIVE): Transition(S.RECEIVED, INTAKE_STAFF),
        (CREATE, Action.SUBMIT_ONLINE): Transition(S.SUBMITTED, (R.PUBLIC,)),
        (S.SUBMITTED, Action.START_PREREVIEW): Transition(S.PREREVIEW, INTAKE_STAFF),
        (S.SUPPLEMENT_REQUESTED, Action.SUPPLEMENT): Transition(S.SUPPLEMENTED, (R.PUBLIC, *INTAKE_STAFF)),
        (S.RECEIVED, Action.ACCEPT_IMMEDIATELY): Transition(S.COMPLETED, INTAKE_STAFF, guard=_immediate_matter_only),
        (S.ACCEPTED, Action.START_REVIEW): Transition(S.UNDER_REVIEW, BACK_OFFICE),
        (S.UNDER_REVIEW, Action.PAUSE): Transition(S.SPECIAL_PROCEDURE, (*BACK_OFFICE, R.INSPECTOR)),
        (S.SPECIAL_PROCEDURE, Action.RESUME): Transition(
            S.UNDER_REVIEW, (*BACK_OFFICE, R.INSPECTOR), actor_rule=_assigned_inspector_only
        ),
        (S.UNDER_REVIEW, Action.DECIDE): Transition(S.DECIDED, BACK_OFFICE),
        (S.DECIDED, Action.COMPLETE): Transition(S.COMPLETED, (*BACK_OFFICE, R.CLERK)),
        (S.COMPLETED, Action.DELIVER): Transition(S.DELIVERED, (*INTAKE_STAFF, R.APPROVER)),
    }
    for status in BEFORE_ACCEPTANCE:
        table[(status, Action.ACCEPT)] = Transition(S.ACCEPTED, INTAKE_STAFF)
        table[(status, Action.REFUSE)] = Transition(S.NOT_ACCEPTED, INTAKE_STAFF, guard=_answer_period_open)
        # No role may take it: only the sweep (approvals.services.prereview), acting for the law.
        table[(status, Action.DEEM_ACCEPT)] = Transition(S.ACCEPTED, ())
    # 补正 is told in one go: never from SUPPLEMENTED, so it cannot be asked twice.
    for status in (S.RECEIVED, S.SUBMITTED, S.PREREVIEW):
        table[(status, Action.REQUEST_SUPPLEMENT)] = Transition(
            S.SUPPLEMENT_REQUESTED, INTAKE_STAFF, guard=_answer_period_open
        )
    for status in EXTENDABLE:
        table[(status, Action.ASSIGN)] = Transition(status, BACK_OFFICE)
        # 延期 (art. 42): the handler asks with a written reason, a supervisor (负责人) decides.
        table[(status, Action.REQUEST_EXTENSION)] = Transition(status, BACK_OFFICE, guard=_no_pending_extension)
        table[(status, Action.APPROVE_EXTENSION)] = Transition(
            status, (R.SUPERVISOR,), guard=_has_pending_extension, actor_rule=_not_own_request
        )
    for status in AFTER_ACCEPTANCE:
        table[(status, Action.REJECT_EXTENSION)] = Transition(
            status, (R.SUPERVISOR,), guard=_has_pending_extension, actor_rule=_not_own_request
        )
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

    Raises ``TransitionNotAllowed`` when the current status does not allow the action or its
    guard refuses (e.g. 即办 of a matter that is not 即办件), and ``PermissionDenied`` when the
    user's role may not take it, the application is outside the user's scope (a citizen's own, a
    clerk's site, an approver's department) or the actor rule refuses this user.
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
    if application is not None and transition.actor_rule is not None:
        refusal = transition.actor_rule(application, user)
        if refusal:
            raise PermissionDenied(refusal)
    if application is not None and transition.guard is not None:
        refusal = transition.guard(application)
        if refusal:
            raise TransitionNotAllowed(refusal, status=from_status, action=action)
    return transition.to_status


def actions_for(application, user) -> list[str]:
    """The actions ``user`` may take on ``application`` now (the buttons a page shows)."""
    result = []
    for (from_status, action), transition in TRANSITIONS.items():
        if from_status != application.status or getattr(user, "role", None) not in transition.roles:
            continue
        if not can_act_on(user, application):
            continue
        if transition.actor_rule is not None and transition.actor_rule(application, user):
            continue
        if transition.guard is not None and transition.guard(application):
            continue
        result.append(action)
    return result
