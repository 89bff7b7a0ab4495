"""Printable notices (文书): A4 pages printed from the browser, each with a QR code to the tracking page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import segno
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from approvals.models import Application, Decision, Status
from approvals.views.common import load_application
from hall.services.audit import audit_record, client_ip


@dataclass(frozen=True)
class Notice:
    kind: str
    title: str
    available: Callable[[Application], bool]


def _has_promise(app: Application) -> bool:
    return any(m.promise_due_on for m in app.materials.all())


NOTICES: tuple[Notice, ...] = (
    Notice("acceptance", "受理通知书", lambda app: app.accepted_on is not None),
    Notice("refusal", "不予受理通知书", lambda app: app.status == Status.NOT_ACCEPTED),
    Notice("supplement", "补齐补正告知书", lambda app: app.supplement_requested_at is not None),
    Notice("promise", "容缺承诺书", _has_promise),
    Notice("special", "特别程序告知书", lambda app: bool(app.pauses.all())),
    Notice(
        "decision",
        "准予许可决定书",
        lambda app: app.decision == Decision.APPROVED,
    ),
    Notice("denial", "不予许可决定书", lambda app: app.decision == Decision.DENIED),
    Notice("receipt", "送达回执", lambda app: app.status in (Status.COMPLETED, Status.DELIVERED)),
)
NOTICES_BY_KIND = {n.kind: n for n in NOTICES}


def notices_for(application: Application) -> list[Notice]:
    """The notices this application has reached (the detail page lists them)."""
    return [n for n in NOTICES if n.available(application)]


def tracking_qr_svg(request, number: str) -> str:
    """An inline SVG QR code opening the public tracking page for ``number``."""
    url = request.build_absolute_uri(reverse("track") + f"?number={number}")
    return segno.make(url, error="m").svg_inline(scale=3, title=f"扫码查询办件 {number} 的办理进度")


@login_required
def notice(request, number: str, kind: str):
    """One notice of one application; permission-checked (404 outside scope) and audited."""
    application = load_application(request, number)
    spec = NOTICES_BY_KIND.get(kind)
    if spec is None or not spec.available(application):
        raise Http404("该办件没有这份文书。")
    audit_record(
        actor=request.user,
        action="application.notice_print",
        obj=application,
        after={"notice": kind, "title": spec.title},
        ip=client_ip(request),
    )
    events = list(application.events.all())
    context = {
        "app": application,
        "notice": spec,
        "kind": kind,
        # segno builds the markup from the number only (digits), so it is safe to embed.
        "qr_svg": mark_safe(tracking_qr_svg(request, application.number)),  # noqa: S308
        "today": timezone.localdate(),
        "bureau": application.department.name,
        "site": application.site,
        "materials": list(application.materials.all()),
        "pauses": list(application.pauses.all()),
        "last_event": events[-1] if events else None,
    }
    return render(request, f"approvals/notices/{kind}.html", context)
