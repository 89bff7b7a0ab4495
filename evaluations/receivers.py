"""How evaluations reacts to applications (approvals never imports this app)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from approvals.models import Status
from evaluations.links import link_path
from evaluations.rollups import rollup_enqueue


def on_application_transitioned(sender, *, application, action, from_status, to_status, by, **kwargs) -> None:
    """On completion (办结): invite the applicant to rate it by SMS (a signed short link, sent
    after commit through approvals' outbox) and refresh that day's completion rollup."""
    if to_status != Status.COMPLETED:
        return
    from approvals.services import sms_enqueue

    path = link_path(kind="application", pk=application.pk)
    link = f"{settings.EVALUATIONS_PUBLIC_URL}{path}?via=sms"
    sms_enqueue(
        phone=application.applicant_phone,
        body=f"您的办件 {application.number} 已办结，请对本次服务作出评价：{link}",
        application=application,
        dedupe_key=f"evaluation-invite-{application.pk}",
    )
    rollup_enqueue(application.completed_on or timezone.localdate())
