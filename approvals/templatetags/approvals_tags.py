"""Template helpers of the application pages: labels, deadline colours, masking."""

from __future__ import annotations

from django import template
from django.utils import timezone

from approvals.models import PRE_ACCEPTANCE_STATUSES, ClockState, Status, WarningLevel
from approvals.transitions import ACTION_LABELS
from hall.privacy import mask_id_number, mask_name, mask_phone

register = template.Library()

STATUS_BADGES = {
    Status.NOT_ACCEPTED: "badge-danger",
    Status.WITHDRAWN: "badge-closed",
    Status.REVOKED: "badge-closed",
    Status.DELIVERED: "badge-success",
    Status.COMPLETED: "badge-success",
    Status.SUPPLEMENT_REQUESTED: "badge-warning",
    Status.SPECIAL_PROCEDURE: "badge-paused",
}
EXTRA_ACTION_LABELS = {"material_upload": "上传材料", "warn": "时限预警"}


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "badge-info")


@register.filter
def status_label(status: str) -> str:
    return Status(status).label if status in Status.values else status


@register.filter
def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or EXTRA_ACTION_LABELS.get(action, action)


LEVEL_CLASSES = {WarningLevel.RED: "deadline-red", WarningLevel.YELLOW: "deadline-yellow"}


def awaits_answer(application) -> bool:
    """Received and not yet answered: the pre-review clock (art. 32) runs."""
    return application.status in PRE_ACCEPTANCE_STATUSES and application.answer_deadline is not None


@register.filter
def deadline_class(application) -> str:
    """green / yellow / red by the warning level while a clock runs: the pre-review clock before
    acceptance (red once its deadline passed, until the sweep deems it accepted), then the legal one."""
    if awaits_answer(application):
        if timezone.localdate() > application.answer_deadline:
            return "deadline-red"
        return LEVEL_CLASSES.get(application.warning_level, "deadline-green")
    if application.clock_state not in (ClockState.RUNNING, ClockState.PAUSED):
        return "deadline-none"
    return LEVEL_CLASSES.get(application.warning_level, "deadline-green")


@register.filter
def matter_label(application) -> str:
    """The matter's name, with the business handling item (业务办理项) chosen when there is one."""
    name = application.matter_version.name
    sub_item = application.sub_item if application.sub_item_id else None
    return f"{name}（{sub_item.name}）" if sub_item is not None and sub_item.name != name else name


@register.filter
def answer_due(application):
    """The last working day to answer (预审答复期限) while the pre-review clock runs, else None."""
    return application.answer_deadline if awaits_answer(application) else None


@register.filter
def mask_id(value: str) -> str:
    return mask_id_number(value or "")


@register.filter(name="mask_phone")
def mask_phone_filter(value: str) -> str:
    return mask_phone(value or "")


@register.filter(name="mask_name")
def mask_name_filter(value: str) -> str:
    return mask_name(value or "")
