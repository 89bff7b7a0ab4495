"""Signed evaluation links (评价链接): QR codes on notices and tickets, SMS invitations, 追评 links.

A link carries what is rated (``a<id>`` an application, ``s<id>`` a window service, ``f<id>`` the
追评 of an evaluation) signed with a timestamp, so it cannot be forged and expires after
``EVALUATIONS_LINK_MAX_DAYS``. It is single-use because what it rates can be rated only once
(the one-per constraints of ``Evaluation``): a second use is refused with a Chinese message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse

SALT = "evaluations.link"
KINDS = {"a": "application", "s": "service", "f": "follow_up"}


@dataclass(frozen=True)
class LinkTarget:
    kind: str  # "application" | "service" | "follow_up"
    pk: int


def link_token(*, kind: str, pk: int) -> str:
    code = {v: k for k, v in KINDS.items()}[kind]
    return signing.TimestampSigner(salt=SALT).sign(f"{code}{int(pk)}")


def link_path(*, kind: str, pk: int) -> str:
    return reverse("evaluation_link", args=[link_token(kind=kind, pk=pk)])


def read_link_token(token: str) -> LinkTarget:
    """The target of a link, or a ``ValidationError`` on ``token`` (invalid or expired)."""
    max_age = timedelta(days=settings.EVALUATIONS_LINK_MAX_DAYS)
    try:
        value = signing.TimestampSigner(salt=SALT).unsign((token or "")[:200], max_age=max_age)
    except signing.SignatureExpired:
        raise ValidationError(
            {"token": f"评价链接已过期（有效期 {settings.EVALUATIONS_LINK_MAX_DAYS} 天），请通过“我的办件”评价。"}
        ) from None
    except signing.BadSignature:
        raise ValidationError({"token": "评价链接无效，请重新扫码或打开短信中的链接。"}) from None
    code, digits = value[:1], value[1:]
    if code not in KINDS or not digits.isdigit():
        raise ValidationError({"token": "评价链接无效，请重新扫码或打开短信中的链接。"})
    return LinkTarget(kind=KINDS[code], pk=int(digits))
