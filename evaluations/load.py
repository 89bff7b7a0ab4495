"""Bulk load data (压测数据) of evaluations for the generated applications and window services.

Realistic shares: the great majority 非常满意/满意, a few per cent 差评, and every state of the
差评 loop present (older 差评 are mostly closed, recent ones still being verified or rectified),
with callbacks, rectifications and some 追评. Rows bypass the services on purpose (no SMS, audit
or per-row task) and carry ``is_load_data=True``; the rollups are rebuilt once at the end. The
first evaluations are derived in SQL from the applications and service records (PostgreSQL only).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
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
    Verification,
)
from evaluations.rollups import rollups_rebuild
from hall.bulkcopy import copy_instances, id_array, relax_commit
from hall.catalog.models import MatterVersion
from hall.models import Window
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


def _literal(value: str) -> str:
    assert value.replace("_", "").isalnum(), value  # our own choice values only
    return f"'{value}'"


def _case(weighted, column: str) -> str:
    """A weighted pick in SQL: ``column`` is a uniform random number in [0, 1)."""
    values, weights = zip(*weighted, strict=True)
    total, running, branches = sum(weights), 0.0, []
    for value, weight in zip(values[:-1], weights[:-1], strict=True):
        running += weight
        branches.append(f"WHEN {column} < {running / total!r} THEN {_literal(value)}")
    return f"(CASE {' '.join(branches)} ELSE {_literal(values[-1])} END)"


BAD_SQL = ", ".join(_literal(level) for level in BAD_LEVELS)
BAD_TEXT = "等候时间太长，希望增加窗口。"
EVALUATION_COLUMNS = (
    "subject, application_id, service_record_id, site_id, department_id, window_id, staff_id, matter_id, "
    "matter_name, channel, evaluator_type, evaluator_user_id, evaluator_name, evaluator_phone, level, scores, "
    "text, is_public, is_follow_up, external_id, rated_at, rated_on, is_load_data"
)
# 一事一评: a share of the completed load applications, rated 1–72 hours after completion.
APPLICATION_SQL = f"""
INSERT INTO {{evaluation}} ({EVALUATION_COLUMNS})
SELECT 'application', x.id, NULL, x.site_id, x.department_id, NULL, COALESCE(x.handler_id, x.received_by_id),
    mv.matter_id, mv.name, x.channel,
    CASE WHEN x.real_name THEN CASE WHEN x.applicant_type = {_literal(ApplicantType.LEGAL_PERSON)}
        THEN {_literal(EvaluatorType.LEGAL)} ELSE {_literal(EvaluatorType.NATURAL)} END
        ELSE {_literal(EvaluatorType.ANONYMOUS)} END,
    CASE WHEN x.real_name THEN x.applicant_user_id END,
    CASE WHEN x.real_name THEN x.applicant_name ELSE '' END,
    CASE WHEN x.real_name THEN x.applicant_phone ELSE '' END,
    x.level, '{{{{}}}}'::jsonb, CASE WHEN x.level IN ({BAD_SQL}) THEN %(bad_text)s ELSE '' END, true, false, '',
    x.rated_at, (x.rated_at AT TIME ZONE %(zone)s)::date, true
FROM (
    SELECT r.*, r.channel IN ({_literal(Channel.SMS)}, {_literal(Channel.PHONE)}) OR r.u_real < 0.5 AS real_name
    FROM (
        SELECT u.*, {_case(APPLICATION_CHANNELS, "u.u_channel")} AS channel,
            {_case(LEVEL_WEIGHTS, "u.u_level")} AS level,
            LEAST(u.completed_at + (1 + floor(u.u_hours * 72)) * interval '1 hour', %(now)s) AS rated_at
        FROM (
            SELECT a.id, a.site_id, a.department_id, a.handler_id, a.received_by_id, a.matter_version_id,
                a.applicant_type, a.applicant_user_id, a.applicant_name, a.applicant_phone, a.completed_at,
                random() AS u_share, random() AS u_channel, random() AS u_level, random() AS u_hours,
                random() AS u_real
            FROM {{application}} a
            WHERE a.is_load_data AND a.completed_at IS NOT NULL AND a.id BETWEEN %(first)s AND %(last)s
                AND a.received_on < %(before)s
                AND NOT EXISTS (
                    SELECT 1 FROM {{evaluation}} e WHERE e.application_id = a.id AND e.subject = 'application'
                        AND NOT e.is_follow_up AND e.supersedes_id IS NULL
                )
        ) u
        WHERE u.u_share < %(share)s
    ) r
) x
JOIN {{version}} mv ON mv.id = x.matter_version_id
"""  # noqa: S608 (table names and our own choice values only)
# 一次一评: a share of the pending window services, rated at the tablet within a minute; every
# pending service record ends up evaluated or skipped.
SERVICE_SQL = f"""
WITH picked AS MATERIALIZED (
    SELECT sr.id, sr.finished_at, sr.window_id, sr.clerk_id, w.site_id, w.department_id,
        random() AS u_share, random() AS u_channel, random() AS u_level, random() AS u_phone,
        random() AS u_digits, random() AS u_seconds
    FROM {{service}} sr JOIN {{window}} w ON w.id = sr.window_id
    WHERE sr.evaluation_status = %(pending)s AND sr.id BETWEEN %(first)s AND %(last)s
), marked AS (
    UPDATE {{service}} s SET evaluation_status = CASE WHEN p.u_share < %(share)s THEN %(evaluated)s ELSE %(skipped)s END
    FROM picked p WHERE s.id = p.id
)
INSERT INTO {{evaluation}} ({EVALUATION_COLUMNS})
SELECT 'service', NULL, x.id, x.site_id, x.department_id, x.window_id, x.clerk_id, NULL, '', x.channel,
    {_literal(EvaluatorType.ANONYMOUS)}, NULL, '',
    CASE WHEN x.u_phone < 0.3 THEN '139' || lpad(floor(x.u_digits * 100000000)::bigint::text, 8, '0') ELSE '' END,
    x.level, '{{{{}}}}'::jsonb, CASE WHEN x.level IN ({BAD_SQL}) THEN %(bad_text)s ELSE '' END, true, false, '',
    x.rated_at, (x.rated_at AT TIME ZONE %(zone)s)::date, true
FROM (
    SELECT p.*, {_case(SERVICE_CHANNELS, "p.u_channel")} AS channel, {_case(LEVEL_WEIGHTS, "p.u_level")} AS level,
        LEAST(p.finished_at + (5 + floor(p.u_seconds * 56)) * interval '1 second', %(now)s) AS rated_at
    FROM picked p WHERE p.u_share < %(share)s
) x
"""  # noqa: S608 (table names and our own choice values only)
# Reason tags (评价标签): one or two of the level's tags on every 差评 and on 30 % of the others.
TAGS_SQL = """
WITH chosen AS MATERIALIZED (
    SELECT e.id, t.ids, t.n, floor(random() * t.n)::int AS i, random() < 0.5 AS two, random() AS u_second
    FROM {evaluation} e JOIN (VALUES {levels}) AS t(level, ids, n) ON t.level = e.level
    WHERE e.id > %(after)s AND e.id <= %(until)s AND e.is_load_data AND NOT e.is_follow_up
        AND (e.level IN ({bad}) OR random() < 0.3)
)
INSERT INTO {through} (evaluation_id, reasontag_id)
SELECT id, ids[1 + i] FROM chosen
UNION ALL
SELECT id, ids[1 + (i + 1 + floor(u_second * (n - 1))::int) %% n] FROM chosen WHERE two AND n > 1
"""
CHUNK = 200_000  # ids per statement: bounded memory for the deferred foreign-key checks


def _chunks(first: int | None, last: int | None):
    if first is None or last is None:
        return
    for start in range(first, last + 1, CHUNK):
        yield start, min(start + CHUNK - 1, last)


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "evaluation": quote(Evaluation._meta.db_table),
        "application": quote(Application._meta.db_table),
        "version": quote(MatterVersion._meta.db_table),
        "service": quote(ServiceRecord._meta.db_table),
        "window": quote(Window._meta.db_table),
        "through": quote(Evaluation.tags.through._meta.db_table),
    }


def _rate_in_sql(cursor, *, seed: float, now: datetime, before: date) -> int:
    """Insert the first evaluations of applications and services; returns how many."""
    tables = _tables()
    common = {"bad_text": BAD_TEXT, "zone": settings.TIME_ZONE, "now": now, "before": before}
    for table in ("application", "service", "evaluation"):
        # Rows just copied in are not in the statistics yet; without them the planner guesses a
        # handful of rows and picks a nested loop over millions.
        cursor.execute(f"ANALYZE {tables[table]}")
    cursor.execute("SELECT setseed(%s)", [seed])
    made = 0
    span = Application.objects.filter(is_load_data=True, completed_at__isnull=False).aggregate(
        first=Min("pk"), last=Max("pk")
    )
    for first, last in _chunks(span["first"], span["last"]):
        with transaction.atomic():
            relax_commit()
            cursor.execute(
                APPLICATION_SQL.format(**tables),
                {**common, "first": first, "last": last, "share": APPLICATION_SHARE},
            )
            made += cursor.rowcount
    span = ServiceRecord.objects.filter(evaluation_status=ServiceRecord.EvaluationStatus.PENDING).aggregate(
        first=Min("pk"), last=Max("pk")
    )
    for first, last in _chunks(span["first"], span["last"]):
        with transaction.atomic():
            relax_commit()
            cursor.execute(
                SERVICE_SQL.format(**tables),
                {
                    **common,
                    "first": first,
                    "last": last,
                    "share": SERVICE_SHARE,
                    "pending": ServiceRecord.EvaluationStatus.PENDING,
                    "evaluated": ServiceRecord.EvaluationStatus.EVALUATED,
                    "skipped": ServiceRecord.EvaluationStatus.SKIPPED,
                },
            )
            made += cursor.rowcount
    return made


def _tag_in_sql(cursor, *, after: int, until: int) -> None:
    tags: dict[str, list[int]] = {}
    for pk, level in ReasonTag.objects.filter(is_active=True).order_by("pk").values_list("pk", "level"):
        tags.setdefault(level, []).append(pk)
    if not tags:
        return
    tables = _tables()
    levels = ", ".join(f"({_literal(level)}, '{id_array(ids)}'::bigint[], {len(ids)})" for level, ids in tags.items())
    sql = TAGS_SQL.format(levels=levels, bad=BAD_SQL, **tables)
    for first, last in _chunks(after + 1, until):
        with transaction.atomic():
            relax_commit()
            cursor.execute(sql, {"after": first - 1, "until": last})


def generate_evaluations(
    *, seed: int | None = None, today: date | None = None, batch_size: int = 5000, received_before: date | None = None
) -> dict:
    """Rate the generated applications and the finished window services that have no rating yet.

    ``received_before`` limits the applications to those received earlier (history years added to
    a generated year leave that year's unrated share alone).

    The first evaluations and their tags are made by a few set-based statements (millions of rows in
    a large district's year); the 差评 loop (cases, their events, 追评), a few per cent, in Python.
    """
    rng = random.Random(seed)  # noqa: S311 (load data, not secrets)
    now = timezone.now()
    today = today or timezone.localdate()
    calendar = current_calendar()
    after = Evaluation.objects.aggregate(last=Max("pk"))["last"] or 0
    counts = {"evaluations": 0, "cases": 0, "follow_ups": 0}
    with connection.cursor() as cursor:
        counts["evaluations"] = _rate_in_sql(
            cursor, seed=rng.random() * 2 - 1, now=now, before=received_before or date.max
        )
        until = Evaluation.objects.aggregate(last=Max("pk"))["last"] or 0
        _tag_in_sql(cursor, after=after, until=until)
    bad = list(
        Evaluation.objects.filter(
            pk__gt=after, pk__lte=until, is_load_data=True, is_follow_up=False, level__in=BAD_LEVELS
        ).only(
            "pk",
            "subject",
            "service_record_id",
            "application_id",
            "site_id",
            "department_id",
            "window_id",
            "staff_id",
            "matter_id",
            "matter_name",
            "evaluator_type",
            "evaluator_user_id",
            "evaluator_phone",
            "rated_at",
            "rated_on",
        )
    )
    with transaction.atomic():
        cases = copy_instances(BadReviewCase, [_case_for(rng, e, today, calendar) for e in bad])
        counts["cases"] = len(cases)
        copy_instances(
            BadReviewEvent,
            [
                BadReviewEvent(case=c, action="create", from_status="", to_status=c.status, actor_repr="压测数据")
                for c in cases
            ],
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
        counts["follow_ups"] = len(copy_instances(Evaluation, follow_ups))
    # The completion rollup (主动评价率's denominator) spans the generated applications too.
    span = Evaluation.objects.filter(pk__gt=after, is_load_data=True).aggregate(
        first=Min("rated_on"), last=Max("rated_on")
    )
    done = Application.objects.filter(is_load_data=True, completed_on__isnull=False).aggregate(
        first=Min("completed_on"), last=Max("completed_on")
    )
    days = [d for d in (*span.values(), *done.values()) if d]
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
