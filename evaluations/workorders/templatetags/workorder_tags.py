"""Template filters of the work-order pages: masking, action labels, deadline colours."""

from django import template

from evaluations.workorders.transitions import ACTION_LABELS
from hall.privacy import mask_name, mask_phone

register = template.Library()


@register.filter
def wo_mask_phone(value: str) -> str:
    return mask_phone(value or "")


@register.filter
def wo_mask_name(value: str) -> str:
    return mask_name(value or "")


@register.filter
def wo_action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


@register.filter
def wo_deadline_class(order) -> str:
    """deadline-red / deadline-yellow / deadline-green for active orders, nothing once closed."""
    if order.status == "closed":
        return ""
    return {"red": "deadline-red", "yellow": "deadline-yellow"}.get(order.warning_level, "deadline-green")
