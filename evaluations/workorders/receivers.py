"""Receivers of other apps' signals: a 差评 routed as a work order (差评转办), when switched on."""

from __future__ import annotations

import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def on_bad_review(sender, evaluation=None, **kwargs) -> None:
    """``evaluations.signals.bad_review_submitted``: open a complaint order for the 差评 when
    ``settings.WORKORDER_FROM_BAD_REVIEW`` is on (off by default). Runs inside the sender's
    transaction, so the order and the evaluation commit together."""
    if not getattr(settings, "WORKORDER_FROM_BAD_REVIEW", False) or evaluation is None:
        return
    from evaluations.workorders.models import Kind, Source
    from evaluations.workorders.services import OrderInput, Requester, workorder_receive

    text = str(getattr(evaluation, "text", "") or getattr(evaluation, "comment", "") or "").strip()
    department_id = getattr(evaluation, "department_id", None)
    data = OrderInput(
        source=Source.BAD_REVIEW,
        kind=Kind.COMPLAINT,
        title=f"差评转办：{str(evaluation)[:180]}",
        content=text or "评价人给出差评，未填写文字意见。",
        requester=Requester(
            name=str(getattr(evaluation, "evaluator_name", "") or "")[:50],
            phone=str(getattr(evaluation, "evaluator_phone", "") or "")[:20],
        ),
        department_id=department_id,
        site_id=getattr(evaluation, "site_id", None),
        window_id=getattr(evaluation, "window_id", None),
    )
    workorder_receive(data=data, by=None)
