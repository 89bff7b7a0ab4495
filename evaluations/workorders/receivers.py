"""Receivers of other apps' signals: a 差评 routed as a work order (差评转办), when switched on."""

from __future__ import annotations

import dataclasses
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

logger = logging.getLogger(__name__)


def on_bad_review(sender, evaluation=None, **kwargs) -> None:
    """``evaluations.signals.bad_review_submitted``: open one complaint order (source 差评转办) for
    the 差评 when ``settings.WORKORDER_FROM_BAD_REVIEW`` is on (off by default). Runs inside the
    sender's transaction, so the order and the evaluation commit together; idempotent per
    evaluation (the evaluation row is locked, and the order's ``evaluation`` is unique)."""
    if not getattr(settings, "WORKORDER_FROM_BAD_REVIEW", False) or evaluation is None or evaluation.pk is None:
        return
    from evaluations.models import Evaluation
    from evaluations.workorders.models import Kind, Source
    from evaluations.workorders.services import OrderInput, Requester, workorder_receive

    Evaluation.objects.select_for_update().filter(pk=evaluation.pk).first()
    text = str(evaluation.text or "").strip()
    where = evaluation.matter_name or (evaluation.window.name if evaluation.window_id else "") or "服务大厅"
    data = OrderInput(
        source=Source.BAD_REVIEW,
        kind=Kind.COMPLAINT,
        title=f"差评转办：{evaluation.get_level_display()}（{where}）"[:200],
        content=text or "评价人给出差评，未填写文字意见。",
        requester=Requester(name=(evaluation.evaluator_name or "")[:50], phone=evaluation.evaluator_phone or ""),
        department_id=evaluation.department_id,
        site_id=evaluation.site_id,
        window_id=evaluation.window_id,
        evaluation_id=evaluation.pk,
    )
    try:
        with transaction.atomic():
            workorder_receive(data=data, by=None)
    except ValidationError as exc:
        # A stale reference (a department since deactivated …) must not refuse the citizen's 差评:
        # the order is opened without it and the supervisor dispatches it.
        logger.warning("差评转办 of evaluation %s without its references: %s", evaluation.pk, exc)
        bare = dataclasses.replace(
            data, department_id=None, window_id=None, requester=Requester(name=data.requester.name)
        )
        workorder_receive(data=bare, by=None)
