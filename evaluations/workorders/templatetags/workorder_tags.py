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


@register.inclusion_tag("workorders/_quick_form.html", takes_context=True)
def frontdesk_quick_form(context):
    """The front-desk quick entry embedded in the clerk's workbench (前台快速登记)."""
    from evaluations.workorders.forms import FrontDeskForm

    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "form": FrontDeskForm(site=getattr(user, "site", None), auto_id="qf_%s"),
        "csrf_token": context.get("csrf_token"),
        "next": getattr(request, "path", ""),
    }
