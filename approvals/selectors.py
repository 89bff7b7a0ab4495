"""Reads of applications (办件查询) shared by the pages and the API, scoped by permission."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from approvals.models import (
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    ClockExtension,
    ClockPause,
    MaterialFile,
)
from approvals.permissions import applications_visible_to, can_see


def applications_for(user) -> QuerySet[Application]:
    """The applications ``user`` may see (citizen: own; clerk: site; approver: department; …),
    with what a list shows joined, newest first."""
    return applications_visible_to(user).select_related(
        "matter_version__matter", "department", "site", "handler", "received_by", "bundle", "sub_item"
    )


def with_details(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Prefetch what a detail view shows: materials with files, history, pauses and extensions."""
    return queryset.prefetch_related(
        Prefetch(
            "materials",
            queryset=ApplicationMaterial.objects.order_by("sort_order", "id").prefetch_related(
                Prefetch("files", queryset=MaterialFile.objects.order_by("uploaded_at", "id"))
            ),
        ),
        Prefetch("events", queryset=ApplicationEvent.objects.order_by("created_at", "id")),
        Prefetch("pauses", queryset=ClockPause.objects.select_related("started_by", "ended_by", "inspector")),
        Prefetch("extensions", queryset=ClockExtension.objects.select_related("requested_by", "decided_by")),
    )


def application_for(user, number: str) -> Application | None:
    """One application by number with its details, or None when missing or outside the scope."""
    return with_details(applications_for(user)).filter(number=number).first()


def theme_published_versions(theme_service) -> list:
    """The published version of each matter of a theme service (一件事), with materials, by matter code."""
    from hall.catalog.models import MatterVersion

    return list(
        MatterVersion.objects.filter(matter__in=theme_service.matters.all(), status=MatterVersion.Status.PUBLISHED)
        .select_related("matter", "department")
        .prefetch_related("materials")
        .order_by("matter__code")
    )


def bundle_applications(user, bundle_number: str) -> QuerySet[Application]:
    """The linked applications of one theme-service intake (一件事), as far as ``user`` may see."""
    return applications_for(user).filter(bundle__number=bundle_number).order_by("number")


def application_track(*, number: str, phone: str) -> Application | None:
    """Public tracking (办件进度查询): only when the number and the applicant's phone match."""
    if not number or not phone:
        return None
    return (
        Application.objects.select_related("matter_version", "department")
        .prefetch_related(Prefetch("events", queryset=ApplicationEvent.objects.order_by("created_at", "id")))
        .filter(number=number.strip(), applicant_phone=phone.strip())
        .first()
    )


def material_file_for(user, *, number: str, file_id: int) -> MaterialFile | None:
    """A stored file of an application ``user`` may see, or None."""
    upload = (
        MaterialFile.objects.select_related("material__application")
        .filter(pk=file_id, material__application__number=number)
        .first()
    )
    if upload is None or not can_see(user, upload.material.application):
        return None
    return upload


def status_counts(user) -> dict[str, int]:
    """Applications per status within ``user``'s scope (one query), for workbench badges."""
    rows = applications_visible_to(user).order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def warning_counts(user) -> dict[str, int]:
    """Running clocks per warning level within ``user``'s scope (one query)."""
    rows = (
        applications_visible_to(user)
        .filter(clock_state="running")
        .order_by()
        .values("warning_level")
        .annotate(n=Count("id"))
    )
    return {row["warning_level"]: row["n"] for row in rows}


# --- Reads of the pages (窗口工作台 / 审批工作台 / 勘验任务) — added by the pages engineer --------------


def application_search(
    user, *, q: str = "", status: str = "", warning: str = "", mine: bool = False
) -> QuerySet[Application]:
    """The list of 办件查询 / 我的办件: ``q`` matches the number or the applicant's ID / credit code."""
    from django.db.models import Q

    queryset = applications_for(user)
    q = q.strip().upper()
    if q:
        queryset = queryset.filter(
            Q(number=q) | Q(applicant_id_number=q) | Q(applicant_credit_code=q) | Q(bundle__number=q)
        )
    if status:
        queryset = queryset.filter(status=status)
    if warning:
        queryset = queryset.filter(warning_level=warning, clock_state="running")
    if mine:
        queryset = queryset.filter(Q(received_by=user) | Q(handler=user) | Q(assisted_by=user))
    return queryset


def awaiting_answer(user) -> QuerySet[Application]:
    """待受理: applications of ``user``'s scope still owed an answer (art. 32), nearest answer deadline first."""
    from approvals.models import PRE_ACCEPTANCE_STATUSES

    return applications_for(user).filter(status__in=PRE_ACCEPTANCE_STATUSES).order_by("answer_deadline", "received_at")


def department_queue(user, *, status: str = "", warning: str = "", q: str = "") -> QuerySet[Application]:
    """The back office's queue (审批工作台): accepted applications not yet completed, deadline first."""
    from approvals.models import Status

    statuses = [Status.ACCEPTED, Status.UNDER_REVIEW, Status.SPECIAL_PROCEDURE, Status.DECIDED]
    queryset = application_search(user, q=q, warning=warning).filter(status__in=statuses)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("promised_deadline", "number")


def inspection_tasks(user) -> QuerySet[Application]:
    """Applications of ``user``'s scope in an open site inspection (现场勘验), oldest first."""
    return (
        applications_for(user)
        .filter(pauses__kind=ClockPause.Kind.INSPECTION, pauses__ended_on__isnull=True)
        .prefetch_related(Prefetch("pauses", queryset=ClockPause.objects.filter(ended_on__isnull=True)))
        .order_by("paused_since", "number")
        .distinct()
    )


def returning_applicant(user, *, identifier: str) -> Application | None:
    """The latest application in ``user``'s scope whose applicant has this ID number or credit code."""
    from django.db.models import Q

    identifier = identifier.strip().upper()
    if len(identifier) < 5:
        return None
    return (
        applications_visible_to(user)
        .filter(Q(applicant_id_number=identifier) | Q(applicant_credit_code=identifier))
        .order_by("-received_at", "-id")
        .first()
    )


def department_approvers(application: Application):
    """Active approvers who may handle ``application`` (承办人 candidates)."""
    from hall.models import Department, User

    # As in approvals.permissions: the department itself or one of its sections (股室).
    ids = [application.department_id]
    ids += list(Department.objects.filter(parent_id=application.department_id).values_list("pk", flat=True))
    return User.objects.filter(role=User.Role.APPROVER, is_active=True, department_id__in=ids).order_by("full_name")


def department_inspectors(application: Application):
    """Active inspectors who may carry out a site inspection (勘验人员) of ``application``."""
    from hall.models import Department, User

    ids = [application.department_id]
    ids += list(Department.objects.filter(parent_id=application.department_id).values_list("pk", flat=True))
    return User.objects.filter(role=User.Role.INSPECTOR, is_active=True, department_id__in=ids).order_by("full_name")


def pending_extensions(user) -> QuerySet[ClockExtension]:
    """延期审批: the extension requests awaiting a decision, of applications in ``user``'s scope, oldest first."""
    return (
        ClockExtension.objects.filter(
            status=ClockExtension.Status.PENDING, application__in=applications_visible_to(user)
        )
        .select_related("application__matter_version", "application__department", "requested_by")
        # The table's guards read the application's extensions: prefetched, so the buttons cost no query each.
        .prefetch_related("application__extensions")
        .order_by("created_at", "id")
    )


def open_inspections(user) -> QuerySet[ClockPause]:
    """勘验任务: open site inspections — for an inspector those assigned to them, for the others
    those of their scope — soonest first."""
    from hall.models import User

    queryset = ClockPause.objects.filter(
        kind=ClockPause.Kind.INSPECTION,
        ended_on__isnull=True,
        application__in=applications_visible_to(user),
    )
    if user.role == User.Role.INSPECTOR:
        queryset = queryset.filter(inspector=user)
    # The application's pauses are prefetched for the table's actor rule (who may record the result).
    return (
        queryset.select_related("application__matter_version", "inspector")
        .prefetch_related("application__pauses")
        .order_by("scheduled_on", "started_on", "id")
    )


# --- Filters of the figures' drill-down (统计明细), used by reports' links into 办件查询 -------------------

REPORT_DATE_FIELDS = {
    "received": "received_on",
    "accepted": "accepted_on",
    "completed": "completed_on",
}


def report_filter(params):
    """The rows behind a reported figure, from the query string of 办件查询: ``date_field`` with
    ``date_from``/``date_to``, ``department``, ``site``, ``site_level=base``, ``channel`` (a value or
    ``online``), ``depth``, ``on_time``, ``immediate``, ``assisted``. Unknown values are ignored;
    returns a ``Q`` and a short Chinese description of the filter (empty when none applies)."""
    from datetime import date

    from django.db.models import Q

    from approvals.models import ONLINE_CHANNELS, Channel

    def day(name):
        try:
            return date.fromisoformat(params.get(name, ""))
        except ValueError:
            return None

    condition, labels = Q(), []
    field, start, end = params.get("date_field", ""), day("date_from"), day("date_to")
    if start and end:
        label = f"{start:%Y-%m-%d}～{end:%Y-%m-%d}"
        if field in REPORT_DATE_FIELDS:
            condition &= Q(**{f"{REPORT_DATE_FIELDS[field]}__range": (start, end)})
            labels.append({"received": "接件", "accepted": "受理", "completed": "办结"}[field] + label)
        elif field in ("inspection", "paused"):
            pauses = ClockPause.objects.filter(started_on__range=(start, end))
            if field == "inspection":
                pauses = pauses.filter(kind=ClockPause.Kind.INSPECTION)
            condition &= Q(pk__in=pauses.values("application_id"))
            labels.append(("现场勘验" if field == "inspection" else "特别程序") + label)
        elif field == "extended":
            extensions = ClockExtension.objects.filter(status="approved", decided_at__date__range=(start, end))
            condition &= Q(pk__in=extensions.values("application_id"))
            labels.append("批准延期" + label)
    for name in ("department", "site"):
        value = params.get(name, "")
        if value.isdigit():
            if name == "department":
                condition &= Q(department_id=int(value)) | Q(department__parent_id=int(value))
            else:
                condition &= Q(site_id=int(value))
            labels.append("指定部门" if name == "department" else "指定场所")
    if params.get("site_level") == "base":
        condition &= Q(site__level__in=["town", "village"])
        labels.append("乡镇、村")
    channel = params.get("channel", "")
    if channel == "online":
        condition &= Q(channel__in=ONLINE_CHANNELS)
        labels.append("网上办理")
    elif channel in Channel.values:
        condition &= Q(channel=channel)
        labels.append(Channel(channel).label)
    if params.get("depth") in ("1", "2", "3", "4"):
        condition &= Q(matter_version__online_depth=params["depth"])
        labels.append("全程网办" if params["depth"] == "4" else f"网办深度{params['depth']}级")
    if params.get("on_time") in ("0", "1"):
        condition &= Q(on_time=params["on_time"] == "1")
        labels.append("按时办结" if params["on_time"] == "1" else "超期办结")
    if params.get("immediate") == "1":
        condition &= Q(matter_version__handling_type="1")
        labels.append("即办件")
    if params.get("assisted") == "1":
        condition &= Q(is_assisted=True)
        labels.append("帮办代办")
    return condition, "，".join(labels)
