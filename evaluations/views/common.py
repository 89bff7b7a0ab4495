"""Helpers shared by the evaluation pages: reading a rating from a form, service errors."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from evaluations.models import Evaluation, Level
from evaluations.selectors import tags_by_level
from evaluations.services import Rating


def rating_from_post(post) -> Rating:
    """A rating from form fields; bad values stay as given so that the service says what is wrong."""
    tag_ids = []
    for raw in post.getlist("tags"):
        try:
            tag_ids.append(int(raw))
        except (TypeError, ValueError):
            tag_ids.append(-1)  # an unknown tag: refused by the service with its message
    return Rating(
        level=(post.get("level") or "").strip()[:40],
        tag_ids=tuple(tag_ids),
        text=post.get("text") or "",
        phone=(post.get("phone") or "").strip()[:20],
        is_public=post.get("is_public", "1") != "0",
    )


def errors_of(exc: ValidationError) -> dict[str, list[str]]:
    """Messages per field; errors not tied to a field under "general" (templates cannot read __all__)."""
    if not hasattr(exc, "error_dict"):
        return {"general": exc.messages}
    errors = dict(exc.message_dict)
    if "__all__" in errors:
        errors["general"] = errors.pop("__all__")
    return errors


def rating_context(*, post=None, errors=None, follow_up: bool = False) -> dict:
    """What ``evaluations/_rating_form.html`` needs."""
    return {
        "levels": Level.choices,
        "tags_by_level": tags_by_level(),
        "text_max": Evaluation.TEXT_MAX,
        "values": post or {},
        "selected_tags": {str(t) for t in (post.getlist("tags") if post is not None else [])},
        "errors": errors or {},
        "follow_up": follow_up,
    }
