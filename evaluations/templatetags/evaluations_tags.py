"""Template tags of evaluations: signed rating links and their QR codes (评价二维码)."""

from __future__ import annotations

import segno
from django import template
from django.utils.safestring import mark_safe

from evaluations.links import link_path

register = template.Library()


def _absolute(context, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


@register.simple_tag(takes_context=True)
def evaluation_url(context, kind: str, pk: int, via: str = "") -> str:
    """The signed rating link of an application / service / 追评 (absolute when a request is at hand)."""
    path = link_path(kind=kind, pk=pk)
    return _absolute(context, path + (f"?via={via}" if via else ""))


@register.simple_tag(takes_context=True)
def evaluation_qr(context, kind: str, pk: int, title: str = "扫码评价") -> str:
    """An inline SVG QR code of the rating link. segno builds the markup from the URL alone
    (an ASCII path of our own signing), so it is safe to embed."""
    url = _absolute(context, link_path(kind=kind, pk=pk))
    return mark_safe(segno.make(url, error="m").svg_inline(scale=2, title=title))  # noqa: S308


@register.filter
def level_class(level: str) -> str:
    return {"dissatisfied": "bad", "very_dissatisfied": "bad", "basically_satisfied": "mid"}.get(level, "good")


@register.simple_tag
def evaluated_application_ids(applications) -> set[int]:
    """Which of these applications already have their evaluation (one query for the page), so that
    "my applications" shows 评价 or 已评价 without approvals importing this app."""
    from evaluations.selectors import evaluated_application_ids as evaluated

    return evaluated(app.pk for app in applications)
