"""Bulk load data (压测数据) of evaluations for the generated applications and window services.

Realistic shares: the great majority 非常满意/满意, a few per cent 差评, and every state of the
差评 loop present (older 差评 are mostly closed, recent ones still being verified or rectified),
with callbacks, rectifications and some 追评. Rows bypass the services on purpose (no SMS, audit
or per-row task) and carry ``is_load_data=True``; the rollups are rebuilt once at the end.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from approvals.models import ApplicantType, Application
from evaluations.models import (
    BAD_LEVELS,
    BadReviewCase,
    BadReviewEvent,
    CaseStatus,
    CaseWarning,
    Channel,
    Evaluation,
    EvaluatorType,
    Level,
    ReasonTag,
    Subject,
    Verification,
)
from evaluations.rollups import rollups_rebuild
from hall.queue.models import ServiceRecord
from hall.workdays import current_calendar

LEVEL_WEIGHTS = [
    (Level.VERY_SATISFIED, 74),
    (Level.SATISFIED, 18),
    (Level.BASICALLY_SATISFIED, 5),
    (Level.DISSATISFIED, 2),
    (Level.VERY_DISSATISFIED, 1),
]
APPLICATION_CHANNELS = [
    (Channel.SMS, 35),
    (Channel.QR, 20),
    (Channel.PC, 15),
    (Channel.MOBILE, 20),
    (Channel.PHONE, 10),
]
SERVICE_CHANNELS = [(Channel.EVALUATOR, 88), (Channel.QR, 12)]
# Share of completed applications / finished services that get rated.
APPLICATION_SHARE = 0.75
SERVICE_SHARE = 0.85


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _case_status(rng: random.Random, age_days: int) -> str:
    """Older 差评 are handled; recent ones spread over the loop's open steps."""
    if age_days > 40:
        return _pick(rng, [(CaseStatus.CLOSED, 85), (CaseStatus.INVALIDATED, 8), (CaseStatus.RECTIFIED, 7)])
    return _pick(
        rng,
        [
            (CaseStatus.SUBMITTED, 12),
            (CaseStatus.VERIFYING, 14),
            (CaseStatus.CONFIRMED, 10),
            (CaseStatus.RECTIFYING, 18),
            (CaseStatus.RECTIFIED, 12),
            (CaseStatus.CLOSED, 20),
            (CaseStatus.APPEAL_REVIEW, 7),
            (CaseStatus.INVALIDATED, 7),
        ],
    )


def _case_for(rng, evaluation: Evaluation, today: date, calendar) -> BadReviewCase:
    age = (today - evaluation.rated_on).days
    status = _case_status(rng, age)
    rated = evaluation.rated_at
    case = BadReviewCase(
        evaluation=evaluation,
        department_id=evaluation.department_id,
        site_id=evaluation.site_id,
        status=status,
        created_at=rated,
        warning_level=CaseWarning.NONE,
    )
    verified = status not in (CaseStatus.SUBMITTED, CaseStatus.VERIFYING)
    if verified and (evaluation.evaluator_phone or evaluation.evaluator_type != EvaluatorType.ANONYMOUS):
        case.called_back_at = rated + timedelta(hours=rng.randint(2, 20))
        case.callback_note = "已电话回访评价人。"
    if status in (CaseStatus.CONFIRMED, CaseStatus.RECTIFYING, CaseStatus.RECTIFIED, CaseStatus.CLOSED):
        case.verification = Verification.TRUE
        case.verification_note = "经核实情况属实。"
    elif status in (CaseStatus.APPEAL_REVIEW, CaseStatus.INVALIDATED):
        case.verification = rng.choice([Verification.MISTAKEN, Verification.MALICIOUS])
        case.verification_note = "评价人误操作。"
    if status in (CaseStatus.RECTIFIED, CaseStatus.CLOSED):
        case.rectified_at = rated + timedelta(days=rng.randint(2, 18))
        case.rectification_note = "已整改到位。"
    if status in (CaseStatus.CLOSED, CaseStatus.INVALIDATED):
        case.closed_at = (case.rectified_at or rated) + timedelta(days=rng.randint(0, 3))
    start = evaluation.rated_on
    if status in (CaseStatus.SUBMITTED, CaseStatus.VERIFYING):
        case.due_on = calendar.add_working_days(start, 1)
    elif status in (CaseStatus.CONFIRMED, CaseStatus.RECTIFYING):
        case.due_on = calendar.add_working_days(start, 16)
    elif status == CaseStatus.APPEAL_REVIEW:
        case.due_on = calendar.add_working_days(start, 4)
    return case


def _evaluation(rng, *, subject, channel, rated_at: datetime, **fields) -> Evaluation:
    level = _pick(rng, LEVEL_WEIGHTS)
    return Evaluation(
        subject=subject,
        channel=channel,
        level=level,
        rated_at=rated_at,
        rated_on=timezone.localdate(rated_at),
        is_load_data=True,
        text="等候时间太长，希望增加窗口。" if level in BAD_LEVELS else "",
        **fields,
    )


def _from_applications(rng, now: datetime) -> list[Evaluation]:
    rows = (
        Application.objects.filter(is_load_data=True, completed_at__isnull=False, evaluations__isnull=True)
        .values_list(
            "pk",
            "completed_at",
            "site_id",
            "department_id",
            "handler_id",
            "received_by_id",
            "matter_version__matter_id",
            "matter_version__name",
            "applicant_type",
            "applicant_name",
            "applicant_phone",
            "applicant_user_id",
        )
        .iterator(chunk_size=5000)
    )
    result = []
    for pk, completed_at, site, dept, handler, receiver, matter, name, kind, applicant, phone, user in rows:
        if rng.random() > APPLICATION_SHARE:
            continue
        rated_at = min(completed_at + timedelta(hours=rng.randint(1, 72)), now)
        channel = _pick(rng, APPLICATION_CHANNELS)
        real_name = channel in (Channel.SMS, Channel.PHONE) or rng.random() < 0.5
        evaluator_type = (
            (EvaluatorType.LEGAL if kind == ApplicantType.LEGAL_PERSON else EvaluatorType.NATURAL)
            if real_name
            else EvaluatorType.ANONYMOUS
        )
        result.append(
            _evaluation(
                rng,
                subject=Subject.APPLICATION,
                channel=channel,
                rated_at=rated_at,
                application_id=pk,
                site_id=site,
                department_id=dept,
                staff_id=handler or receiver,
                matter_id=matter,
                matter_name=name,
                evaluator_type=evaluator_type,
                evaluator_user_id=user if real_name else None,
                evaluator_name=applicant if real_name else "",
                evaluator_phone=phone if real_name else "",
            )
        )
    return result


def _from_services(rng, now: datetime) -> tuple[list[Evaluation], list[int]]:
    rows = (
        ServiceRecord.objects.filter(evaluation_status=ServiceRecord.EvaluationStatus.PENDING)
        .values_list("pk", "finished_at", "window_id", "window__site_id", "window__department_id", "clerk_id")
        .iterator(chunk_size=5000)
    )
    result, skipped = [], []
    for pk, finished_at, window, site, dept, clerk in rows:
        if rng.random() > SERVICE_SHARE:
            skipped.append(pk)
            continue
        phone = f"139{rng.randint(0, 99999999):08d}" if rng.random() < 0.3 else ""
        result.append(
            _evaluation(
                rng,
                subject=Subject.SERVICE,
                channel=_pick(rng, SERVICE_CHANNELS),
                rated_at=min(finished_at + timedelta(seconds=rng.randint(5, 60)), now),
                service_record_id=pk,
                site_id=site,
                department_id=dept,
                window_id=window,
                staff_id=clerk,
                evaluator_type=EvaluatorType.ANONYMOUS,
                evaluator_phone=phone,
            )
        )
    return result, skipped


def generate_evaluations(*, seed: int | None = None, today: date | None = None, batch_size: int = 5000) -> dict:
    """Rate the generated applications and the finished window services that have no rating yet."""
    rng = random.Random(seed)  # noqa: S311 (load data, not secrets)
    now = timezone.now()
    today = today or timezone.localdate()
    calendar = current_calendar()
    tags: dict[str, list[int]] = {}
    for pk, level in ReasonTag.objects.filter(is_active=True).values_list("pk", "level"):
        tags.setdefault(level, []).append(pk)
    rows = _from_applications(rng, now)
    service_rows, skipped = _from_services(rng, now)
    rows += service_rows
    counts = {"evaluations": 0, "cases": 0, "follow_ups": 0}
    with transaction.atomic():
        created = Evaluation.objects.bulk_create(rows, batch_size=batch_size)
        counts["evaluations"] = len(created)
        ServiceRecord.objects.filter(pk__in=[e.service_record_id for e in service_rows]).update(
            evaluation_status=ServiceRecord.EvaluationStatus.EVALUATED
        )
        ServiceRecord.objects.filter(pk__in=skipped).update(evaluation_status=ServiceRecord.EvaluationStatus.SKIPPED)
        through = Evaluation.tags.through
        links = []
        for evaluation in created:
            options = tags.get(evaluation.level, [])
            if options and (evaluation.is_bad or rng.random() < 0.3):
                for tag_id in rng.sample(options, k=min(len(options), rng.randint(1, 2))):
                    links.append(through(evaluation_id=evaluation.pk, reasontag_id=tag_id))
        through.objects.bulk_create(links, batch_size=batch_size)
        cases = [_case_for(rng, e, today, calendar) for e in created if e.is_bad]
        cases = BadReviewCase.objects.bulk_create(cases, batch_size=batch_size)
        counts["cases"] = len(cases)
        BadReviewEvent.objects.bulk_create(
            [
                BadReviewEvent(case=c, action="create", from_status="", to_status=c.status, actor_repr="压测数据")
                for c in cases
            ],
            batch_size=batch_size,
        )
        follow_ups = []
        for case in cases:
            if case.status in (CaseStatus.CLOSED, CaseStatus.INVALIDATED) and rng.random() < 0.3:
                original = case.evaluation
                follow_ups.append(
                    Evaluation(
                        subject=original.subject,
                        service_record_id=original.service_record_id,
                        application_id=original.application_id,
                        site_id=original.site_id,
                        department_id=original.department_id,
                        window_id=original.window_id,
                        staff_id=original.staff_id,
                        matter_id=original.matter_id,
                        matter_name=original.matter_name,
                        channel=Channel.SMS,
                        evaluator_type=original.evaluator_type,
                        evaluator_user_id=original.evaluator_user_id,
                        evaluator_phone=original.evaluator_phone,
                        level=_pick(rng, [(Level.SATISFIED, 70), (Level.BASICALLY_SATISFIED, 30)]),
                        is_follow_up=True,
                        follows=original,
                        rated_at=case.closed_at,
                        rated_on=timezone.localdate(case.closed_at),
                        is_load_data=True,
                    )
                )
        counts["follow_ups"] = len(Evaluation.objects.bulk_create(follow_ups, batch_size=batch_size))
    days = [e.rated_on for e in created] + [f.rated_on for f in follow_ups]
    # The completion rollup (主动评价率's denominator) spans the generated applications too.
    span = Application.objects.filter(is_load_data=True, completed_on__isnull=False).aggregate(
        first=Min("completed_on"), last=Max("completed_on")
    )
    days += [d for d in span.values() if d]
    if days:
        rollups_rebuild(start=min(days), end=max(days))
    return counts


def delete_load_evaluations() -> int:
    """Remove the generated evaluations (follow-ups first), their cases, and refresh the rollups."""
    rows = Evaluation.objects.filter(is_load_data=True)
    span = rows.order_by().values_list("rated_on", flat=True)
    first, last = span.order_by("rated_on").first(), span.order_by("-rated_on").first()
    with transaction.atomic():
        cases = BadReviewCase.objects.filter(evaluation__is_load_data=True)
        BadReviewEvent.objects.filter(case__in=cases).delete()
        cases.delete()
        Evaluation.tags.through.objects.filter(evaluation__is_load_data=True).delete()
        deleted, _ = rows.filter(is_follow_up=True).delete()
        more, _ = rows.delete()
    if first and last:
        rollups_rebuild(start=first, end=last)
    return deleted + more
