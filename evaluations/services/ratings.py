"""Recording evaluations (评价) from every channel: one per service, one per application, one 追评.

Every path goes through :func:`_record`: it validates the rating (level by name, tags of that
level, text length, indicator scores), locks what is rated (the window service or the
application row) so that two taps at once are serialised, relies on the named unique
constraints as the backstop, opens the 差评 case when the level is 不满意/非常不满意, writes the
audit record and enqueues the day's rollup refresh after commit.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals.models import ApplicantType, Application, Status
from evaluations.models import (
    BAD_LEVELS,
    CASE_HANDLED_STATUSES,
    ONLINE_INDICATORS,
    ONSITE_INDICATORS,
    Channel,
    Evaluation,
    EvaluatorDevice,
    EvaluatorType,
    Level,
    ReasonTag,
    Subject,
)
from hall.models import User
from hall.queue.models import ServiceRecord, TicketApplicationLink
from hall.services.audit import audit_record

logger = logging.getLogger(__name__)
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
LEVEL_CHOICES_TEXT = "、".join(Level.labels)
# Applications that may not be rated: nothing was served yet, or the applicant withdrew.
NOT_RATABLE_STATUSES = (Status.WITHDRAWN,)


class AlreadyEvaluated(Exception):
    """What is rated already has its evaluation (一次一评 / 一事一评 / one 追评) → HTTP 409."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Rating:
    """What the evaluator said: level by name, reason tags of that level, text, indicator scores."""

    level: str
    tag_ids: tuple[int, ...] = ()
    text: str = ""
    scores: dict[str, int] = field(default_factory=dict)
    is_public: bool = True
    phone: str = ""


def validate_rating(rating: Rating, *, indicators: tuple[str, ...]) -> list[ReasonTag]:
    """Check a rating; return its tags. Raises ``ValidationError`` with a message per field."""
    errors: dict[str, str] = {}
    level = rating.level or ""
    if level not in Level.values:
        errors["level"] = f"请选择评价等级（{LEVEL_CHOICES_TEXT}）。"
    text = rating.text or ""
    if len(text) > Evaluation.TEXT_MAX:
        errors["text"] = f"评价内容不能超过 {Evaluation.TEXT_MAX} 字（当前 {len(text)} 字）。"
    scores = rating.scores or {}
    if not isinstance(scores, dict):
        errors["scores"] = "指标评分格式不正确。"
    else:
        for key, value in scores.items():
            if key not in indicators:
                errors["scores"] = f"指标“{key}”不适用于此次评价。"
                break
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                errors["scores"] = "指标评分须为 1 至 5 的整数。"
                break
    if rating.phone and not PHONE_RE.match(rating.phone):
        errors["phone"] = "请输入 11 位手机号码。"
    tags: list[ReasonTag] = []
    ids = list(dict.fromkeys(rating.tag_ids or ()))
    if len(ids) > 10:
        errors["tags"] = "评价标签最多选择 10 个。"
    elif ids:
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            errors["tags"] = "评价标签不存在。"
        else:
            tags = list(ReasonTag.objects.filter(pk__in=ids, is_active=True))
            if len(tags) != len(ids):
                errors["tags"] = "评价标签不存在或已停用。"
            elif "level" not in errors:
                wrong = [t.text for t in tags if t.level != level]
                if wrong:
                    errors["tags"] = f"标签“{'、'.join(wrong)}”不属于“{Level(level).label}”，请重新选择。"
    if "level" not in errors and "tags" not in errors and level in BAD_LEVELS and not tags:
        errors["tags"] = "差评请至少选择一个原因标签。"
    if errors:
        raise ValidationError(errors)
    return tags


def _evaluator(by: User | None, rating: Rating, *, applicant_type: str = "") -> dict:
    """Who rated: a logged-in citizen (实名) or anonymous, with the phone they left (masked on lists)."""
    if by is not None and getattr(by, "pk", None) and by.role == User.Role.PUBLIC:
        kind = EvaluatorType.LEGAL if applicant_type == ApplicantType.LEGAL_PERSON else EvaluatorType.NATURAL
        return {
            "evaluator_type": kind,
            "evaluator_user": by,
            "evaluator_name": by.full_name,
            "evaluator_phone": rating.phone or by.phone,
        }
    return {"evaluator_type": EvaluatorType.ANONYMOUS, "evaluator_phone": rating.phone}


def _matter_of_service(record: ServiceRecord) -> tuple[int | None, str]:
    number = (
        TicketApplicationLink.objects.filter(ticket_id=record.ticket_id)
        .order_by("linked_at")
        .values_list("application_number", flat=True)
        .first()
    )
    if not number:
        return None, ""
    row = (
        Application.objects.filter(number=number)
        .values_list("matter_version__matter_id", "matter_version__name")
        .first()
    )
    return row if row else (None, "")


def _save(evaluation: Evaluation, tags: list[ReasonTag], duplicate_message: str) -> Evaluation:
    """INSERT under a savepoint: a unique-constraint violation becomes :class:`AlreadyEvaluated`."""
    try:
        with transaction.atomic():
            evaluation.save()
    except IntegrityError as exc:
        if "evaluation_one_" in str(exc) or "evaluation_external_id_unique" in str(exc):
            raise AlreadyEvaluated(duplicate_message) from exc
        raise
    if tags:
        evaluation.tags.set(tags)
    return evaluation


def _after_record(evaluation: Evaluation, *, by: User | None, ip: str | None) -> None:
    from evaluations.rollups import rollup_enqueue
    from evaluations.services.cases import case_open

    audit_record(
        actor=by,
        action="evaluation.follow_up" if evaluation.is_follow_up else "evaluation.submit",
        obj=evaluation,
        after={
            "subject": evaluation.subject,
            "channel": evaluation.channel,
            "level": evaluation.level,
            "service_record": evaluation.service_record_id,
            "application": evaluation.application_id,
            "follows": evaluation.follows_id,
        },
        ip=ip,
    )
    if evaluation.is_bad and not evaluation.is_follow_up:
        case_open(evaluation=evaluation)
    rollup_enqueue(evaluation.rated_on)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def evaluation_submit_for_service(
    *,
    service_record: ServiceRecord,
    rating: Rating,
    channel: str = Channel.EVALUATOR,
    device: EvaluatorDevice | None = None,
    by: User | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Evaluation:
    """Rate one window service (一次一评), from the window's evaluator or the ticket's QR code."""
    if channel not in Channel.values:
        raise ValidationError({"channel": "评价渠道不正确。"})
    tags = validate_rating(rating, indicators=tuple(ONSITE_INDICATORS))
    now = _now(now)
    with transaction.atomic():
        record = (
            ServiceRecord.objects.select_for_update(of=("self",))
            .select_related("ticket", "window__site", "window__department", "clerk")
            .get(pk=service_record.pk)
        )
        if device is not None and device.window_id != record.window_id:
            raise PermissionDenied("该评价器不属于此窗口。")
        message = f"排队号 {record.ticket.number} 的这次服务已评价，每次服务只能评价一次（一次一评）。"
        if Evaluation.objects.filter(
            service_record=record, subject=Subject.SERVICE, is_follow_up=False, supersedes__isnull=True
        ).exists():
            raise AlreadyEvaluated(message)
        matter_id, matter_name = _matter_of_service(record)
        window = record.window
        evaluation = Evaluation(
            subject=Subject.SERVICE,
            service_record=record,
            site=window.site,
            department=window.department,
            window=window,
            staff=record.clerk,
            matter_id=matter_id,
            matter_name=matter_name or "",
            channel=channel,
            device=device,
            level=rating.level,
            scores=rating.scores or {},
            text=(rating.text or "").strip(),
            is_public=rating.is_public,
            rated_at=now,
            rated_on=timezone.localdate(now),
            **_evaluator(by, rating),
        )
        _save(evaluation, tags, message)
        ServiceRecord.objects.filter(pk=record.pk).update(evaluation_status=ServiceRecord.EvaluationStatus.EVALUATED)
        _after_record(evaluation, by=by, ip=ip)
    return evaluation


def _application_fields(app: Application) -> dict:
    version = app.matter_version
    return {
        "site_id": app.site_id,
        "department_id": app.department_id,
        "staff_id": app.handler_id or app.received_by_id,
        "matter_id": version.matter_id,
        "matter_name": version.name,
    }


def evaluation_submit_for_application(
    *,
    application: Application,
    rating: Rating,
    channel: str,
    by: User | None = None,
    ip: str | None = None,
    now: datetime | None = None,
    external_id: str = "",
) -> Evaluation:
    """Rate one application (一事一评): QR code, SMS link, "my applications", phone callback."""
    if channel not in Channel.values:
        raise ValidationError({"channel": "评价渠道不正确。"})
    online = channel in (Channel.PC, Channel.MOBILE, Channel.PLATFORM)
    tags = validate_rating(rating, indicators=tuple(ONLINE_INDICATORS if online else ONSITE_INDICATORS))
    now = _now(now)
    with transaction.atomic():
        app = Application.objects.select_for_update().select_related("matter_version").get(pk=application.pk)
        if (
            by is not None
            and getattr(by, "role", None) == User.Role.PUBLIC
            and app.applicant_user_id
            not in (
                None,
                by.pk,
            )
        ):
            raise PermissionDenied("只能评价本人的办件。")
        if app.status in NOT_RATABLE_STATUSES:
            raise ValidationError({"application": f"办件 {app.number} 已撤回，不能评价。"})
        message = f"办件 {app.number} 已评价，每个办件只能评价一次（一事一评）。"
        if Evaluation.objects.filter(
            application=app, subject=Subject.APPLICATION, is_follow_up=False, supersedes__isnull=True
        ).exists():
            raise AlreadyEvaluated(message)
        if channel == Channel.PHONE:
            # A callback (电话回访): staff record what the applicant said on the phone.
            evaluator = {
                "evaluator_type": EvaluatorType.LEGAL
                if app.applicant_type == ApplicantType.LEGAL_PERSON
                else EvaluatorType.NATURAL,
                "evaluator_name": app.applicant_name,
                "evaluator_phone": app.applicant_phone,
            }
        elif channel == Channel.SMS and not (by and by.role == User.Role.PUBLIC):
            # The link went to the applicant's phone: the rating is theirs (实名).
            evaluator = {
                "evaluator_type": EvaluatorType.LEGAL
                if app.applicant_type == ApplicantType.LEGAL_PERSON
                else EvaluatorType.NATURAL,
                "evaluator_name": app.applicant_name,
                "evaluator_phone": app.applicant_phone,
            }
        else:
            evaluator = _evaluator(by, rating, applicant_type=app.applicant_type)
        evaluation = Evaluation(
            subject=Subject.APPLICATION,
            application=app,
            channel=channel,
            level=rating.level,
            scores=rating.scores or {},
            text=(rating.text or "").strip(),
            is_public=rating.is_public,
            rated_at=now,
            rated_on=timezone.localdate(now),
            external_id=external_id,
            **_application_fields(app),
            **evaluator,
        )
        _save(evaluation, tags, message)
        _after_record(evaluation, by=by, ip=ip)
    return evaluation


def evaluation_follow_up(
    *,
    evaluation: Evaluation,
    rating: Rating,
    channel: str,
    by: User | None = None,
    via_link: bool = False,
    ip: str | None = None,
    now: datetime | None = None,
) -> Evaluation:
    """追评: one follow-up evaluation of a 差评, after its case was handled (办结 or 认定不实).

    Only its evaluator: the citizen logged in, or whoever holds the 追评 link sent to their phone.
    """
    tags = validate_rating(rating, indicators=())
    now = _now(now)
    with transaction.atomic():
        original = Evaluation.objects.select_for_update(of=("self",)).select_related("case").get(pk=evaluation.pk)
        if not via_link and (by is None or original.evaluator_user_id != getattr(by, "pk", None)):
            raise PermissionDenied("只有评价人本人可以追评。")
        case = getattr(original, "case", None)
        if original.is_follow_up or case is None:
            raise ValidationError({"evaluation": "只有差评可以追评。"})
        if case.status not in CASE_HANDLED_STATUSES:
            raise ValidationError({"evaluation": "差评尚在处理中，处理完毕后才可以追评。"})
        message = "该差评已追评，每条差评只能追评一次。"
        if Evaluation.objects.filter(follows=original, is_follow_up=True).exists():
            raise AlreadyEvaluated(message)
        follow_up = Evaluation(
            subject=original.subject,
            service_record_id=original.service_record_id,
            application_id=original.application_id,
            site_id=original.site_id,
            department_id=original.department_id,
            window_id=original.window_id,
            staff_id=original.staff_id,
            matter_id=original.matter_id,
            matter_name=original.matter_name,
            channel=channel,
            evaluator_type=original.evaluator_type,
            evaluator_user_id=original.evaluator_user_id,
            evaluator_name=original.evaluator_name,
            evaluator_phone=original.evaluator_phone,
            level=rating.level,
            text=(rating.text or "").strip(),
            is_public=rating.is_public,
            is_follow_up=True,
            follows=original,
            rated_at=now,
            rated_on=timezone.localdate(now),
        )
        _save(follow_up, tags, message)
        _after_record(follow_up, by=by, ip=ip)
    return follow_up


def service_record_skip(*, service_record: ServiceRecord, device: EvaluatorDevice | None = None) -> bool:
    """The evaluator stood idle: the service is recorded as not evaluated (未评价). Idempotent."""
    with transaction.atomic():
        if device is not None and device.window_id != service_record.window_id:
            raise PermissionDenied("该评价器不属于此窗口。")
        changed = ServiceRecord.objects.filter(
            pk=service_record.pk, evaluation_status=ServiceRecord.EvaluationStatus.PENDING
        ).update(evaluation_status=ServiceRecord.EvaluationStatus.SKIPPED)
        if changed:
            audit_record(actor=None, action="evaluation.skip", obj=service_record, note="评价器超时未评价")
    return bool(changed)


@dataclass(frozen=True)
class ExternalEvaluation:
    """An evaluation pushed by the provincial 好差评 platform, keyed by its own id."""

    external_id: str
    application_number: str
    rating: Rating
    rated_at: datetime | None = None


def evaluation_import_external(*, data: ExternalEvaluation, ip: str | None = None) -> tuple[Evaluation, bool]:
    """Record a platform evaluation; the same ``external_id`` again returns the first row (idempotent)."""
    errors = {}
    external_id = (data.external_id or "").strip()
    if not external_id or len(external_id) > 64:
        errors["external_id"] = "请提供 1 至 64 位的外部评价编号。"
    application = Application.objects.filter(number=(data.application_number or "").strip()[:24]).first()
    if application is None:
        errors["application_number"] = "未找到该办件编号。"
    if errors:
        raise ValidationError(errors)
    existing = Evaluation.objects.filter(external_id=external_id).first()
    if existing is not None:
        return existing, False
    try:
        evaluation = evaluation_submit_for_application(
            application=application,
            rating=data.rating,
            channel=Channel.PLATFORM,
            ip=ip,
            now=data.rated_at,
            external_id=external_id,
        )
    except AlreadyEvaluated:
        existing = Evaluation.objects.filter(external_id=external_id).first()
        if existing is not None:  # the same push raced itself
            return existing, False
        raise
    return evaluation, True
