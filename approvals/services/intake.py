"""Intake (收件): window receipts (窗口接件), online submissions (网上申请), theme services (一件事).

Also the application numbers (办件编号), issued under an advisory lock.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from approvals.models import (
    ApplicantType,
    Application,
    ApplicationBundle,
    ApplicationMaterial,
    Channel,
    IdType,
    NumberSequence,
    Status,
)
from approvals.services.common import ApplicantData, MaterialState, _Change, _record, validate_applicant
from approvals.services.notify import applicant_notify
from approvals.services.prereview import answer_deadline_for
from approvals.transitions import Action, check_transition
from hall.catalog.models import Material, MatterVersion, OnlineDepth, SubItem, ThemeService
from hall.models import Site, User
from hall.workdays import current_calendar

# Namespace of the PostgreSQL advisory locks that serialise number issuing (first key).
NUMBER_LOCK_NAMESPACE = 734_2026
ONLINE_DEPTHS = (OnlineDepth.III, OnlineDepth.IV)


def _applicant_fields(applicant: ApplicantData) -> dict[str, Any]:
    natural = applicant.applicant_type == ApplicantType.NATURAL_PERSON
    has_agent = bool(applicant.agent_name)
    return {
        "applicant_type": applicant.applicant_type,
        "applicant_name": applicant.name.strip(),
        "applicant_id_type": applicant.id_type if natural else "",
        "applicant_id_number": applicant.id_number.strip().upper() if natural else "",
        "applicant_credit_code": "" if natural else applicant.credit_code.strip().upper(),
        "legal_representative": "" if natural else applicant.legal_representative.strip(),
        "applicant_phone": applicant.phone,
        "agent_name": applicant.agent_name.strip(),
        "agent_id_type": (applicant.agent_id_type or IdType.RESIDENT_ID) if has_agent else "",
        "agent_id_number": applicant.agent_id_number.strip().upper() if has_agent else "",
        "agent_phone": applicant.agent_phone if has_agent else "",
    }


def _material_rows(
    version: MatterVersion, states: list[MaterialState] | None, *, today: date, sub_item: SubItem | None = None
) -> list[ApplicationMaterial]:
    """One row per catalog material of ``version`` (with a sub-item: the common materials and that
    sub-item's own); unspecified ones are missing (or n/a if optional)."""
    catalog = [m for m in version.materials.all() if sub_item is None or m.sub_item_id in (None, sub_item.pk)]
    by_id = {m.pk: m for m in catalog}
    given = {s.material_id: s for s in states or []}
    errors = []
    for material_id, entry in given.items():
        material = by_id.get(material_id)
        if material is None:
            errors.append(f"材料编号 {material_id} 不属于事项“{version.name}”。")
            continue
        if entry.state not in ApplicationMaterial.State.values:
            errors.append(f"“{material.name}”的状态无效。")
        elif entry.state == ApplicationMaterial.State.MISSING_PROMISED:
            if not material.may_be_missing:
                errors.append(f"“{material.name}”不属于可容缺受理的材料。")
            elif entry.promise_due_on is None or entry.promise_due_on <= today:
                errors.append(f"“{material.name}”容缺受理须填写今天以后的承诺补交日期。")
    if errors:
        raise ValidationError({"materials": errors})
    rows = []
    for material in catalog:
        entry = given.get(material.pk)
        default = (
            ApplicationMaterial.State.MISSING if material.is_required else ApplicationMaterial.State.NOT_APPLICABLE
        )
        state = entry.state if entry else default
        rows.append(
            ApplicationMaterial(
                material=material,
                name=material.name,
                is_required=material.is_required,
                state=state,
                promise_due_on=entry.promise_due_on if entry and state == "promised" else None,
                promise_note=entry.promise_note if entry and state == "promised" else "",
                sort_order=material.sort_order,
            )
        )
    return rows


# --- Numbers ------------------------------------------------------------------------------------


def issue_numbers(*, year: int, division_code: str, count: int = 1) -> list[str]:
    """Issue ``count`` application numbers ``YYYY`` + division code + 6-digit sequence (办件编号).

    Call inside a transaction. On PostgreSQL an advisory lock serialises issuers (also the very
    first one of a year, when the sequence row does not exist yet); on SQLite the IMMEDIATE
    transaction mode already does. The unique constraint on ``Application.number`` is the backstop.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NUMBER_LOCK_NAMESPACE + year, int(division_code)])
    sequence, _ = NumberSequence.objects.select_for_update().get_or_create(year=year, division_code=division_code)
    start = sequence.last_value + 1
    sequence.last_value += count
    if sequence.last_value > 999_999:
        raise ValidationError({"number": "本年度办件编号已用尽，请联系系统管理员。"})
    sequence.save(update_fields=["last_value"])
    return [f"{year}{division_code}{n:06d}" for n in range(start, start + count)]


# --- Intake -----------------------------------------------------------------------------------------


def _open_application(
    *,
    version: MatterVersion,
    applicant: ApplicantData,
    number: str,
    channel: str,
    site: Site,
    status: str,
    material_states: list[MaterialState] | None,
    received_by: User | None = None,
    applicant_user: User | None = None,
    is_assisted: bool = False,
    assisted_by: User | None = None,
    bundle: ApplicationBundle | None = None,
    promised_limit_days: int | None = None,
    sub_item: SubItem | None = None,
) -> Application:
    """Create one application with a row for each material its matter version requires."""
    now = timezone.now()
    rows = _material_rows(version, material_states, today=timezone.localdate(now), sub_item=sub_item)
    if promised_limit_days is None and sub_item is not None and sub_item.promised_limit_days is not None:
        promised_limit_days = sub_item.promised_limit_days
    app = Application(
        number=number,
        matter_version=version,
        sub_item=sub_item,
        bundle=bundle,
        **_applicant_fields(applicant),
        applicant_user=applicant_user,
        channel=channel,
        site=site,
        received_by=received_by,
        department_id=version.department_id,
        is_assisted=is_assisted,
        assisted_by=assisted_by if is_assisted else None,
        status=status,
        received_at=now,
        received_on=timezone.localdate(now),
        answer_deadline=answer_deadline_for(timezone.localdate(now), calendar=current_calendar()),
        promised_limit_days=version.promised_limit_days if promised_limit_days is None else promised_limit_days,
        legal_limit_days=version.legal_limit_days,
    )
    app.save()
    for row in rows:
        row.application = app
    ApplicationMaterial.objects.bulk_create(rows)
    return app


def _link_current_ticket(*, by: User, numbers: list[str], ip: str | None) -> None:
    """Link new application numbers to the queue ticket being served at the clerk's window (叫号关联办件).

    Called inside the intake's transaction, so the link and the application commit together.
    """
    if not by.window_id:
        return
    from hall.queue.selectors import window_current_ticket
    from hall.queue.services import ticket_link_application

    ticket = window_current_ticket(by.window)
    if ticket is None:
        return
    for number in numbers:
        ticket_link_application(ticket=ticket, application_number=number, by=by, ip=ip)


def _check_version(version: MatterVersion) -> None:
    if version.status != MatterVersion.Status.PUBLISHED:
        raise ValidationError({"matter_version": f"事项“{version.name}”当前版本未发布，不能申请。"})


def _check_assisted(is_assisted: bool, assisted_by: User | None) -> None:
    if is_assisted and (assisted_by is None or not assisted_by.is_bureau_staff):
        raise ValidationError({"assisted_by": "帮办代办须选择提供帮办的工作人员。"})


def application_receive(
    *,
    version: MatterVersion,
    applicant: ApplicantData,
    by: User,
    channel: str = Channel.WINDOW,
    materials: list[MaterialState] | None = None,
    is_assisted: bool = False,
    assisted_by: User | None = None,
    applicant_user: User | None = None,
    sub_item: SubItem | None = None,
    ip: str | None = None,
) -> Application:
    """Receive (接件) an application at a window of the clerk's site, with the materials' states."""
    check_transition(None, Action.RECEIVE, by)
    _check_version(version)
    validate_applicant(applicant)
    _check_assisted(is_assisted, assisted_by)
    _check_sub_item(version, sub_item, online=False)
    if channel not in (Channel.WINDOW, Channel.TOWN_SITE, Channel.POST):
        raise ValidationError({"channel": "窗口接件的渠道应为窗口、乡镇便民服务中心或邮寄。"})
    if by.site_id is None:
        raise ValidationError({"site": "您的账号未设置工作场所，不能接件。"})
    with transaction.atomic():
        site = Site.objects.select_related("division").get(pk=by.site_id)
        (number,) = issue_numbers(year=timezone.localdate().year, division_code=site.division.code)
        app = _open_application(
            version=version,
            applicant=applicant,
            number=number,
            channel=channel,
            site=site,
            status=Status.RECEIVED,
            material_states=materials,
            received_by=by,
            applicant_user=applicant_user,
            is_assisted=is_assisted,
            assisted_by=assisted_by,
            sub_item=sub_item,
        )
        change = _Change(
            sms=f"您的办件 {app.number}（{_matter_label(version, sub_item)}）已接件，可凭办件编号和手机号查询办理进度。"
        )
        _record(app, action=Action.RECEIVE, from_status="", by=by, before=None, change=change, ip=ip)
        _link_current_ticket(by=by, numbers=[app.number], ip=ip)
    return app


def _check_sub_item(version: MatterVersion, sub_item: SubItem | None, *, online: bool) -> None:
    """The business handling item (业务办理项): one of the version's own; required online when the
    matter has them (新办、变更、延续、注销 need different materials), and handled online itself."""
    if sub_item is None:
        if online and version.sub_items.exists():
            names = "、".join(version.sub_items.values_list("name", flat=True))
            raise ValidationError({"sub_item": f"请选择业务办理项（{names}）。"})
        return
    if sub_item.version_id != version.pk:
        raise ValidationError({"sub_item": f"所选业务办理项不属于事项“{version.name}”。"})
    if online and sub_item.online_depth not in ONLINE_DEPTHS:
        raise ValidationError({"sub_item": f"业务办理项“{sub_item.name}”不支持网上申请，请到窗口办理。"})


def _matter_label(version: MatterVersion, sub_item: SubItem | None) -> str:
    return f"{version.name}·{sub_item.name}" if sub_item is not None and sub_item.name != version.name else version.name


def _online_site(site: Site | None) -> Site:
    if site is not None:
        return site
    site = Site.objects.filter(level=Site.Level.COUNTY, is_active=True).select_related("division").first()
    if site is None:
        raise ValidationError({"site": "尚未设置受理网上申请的政务服务中心。"})
    return site


def application_submit_online(
    *,
    version: MatterVersion,
    by: User,
    applicant: ApplicantData | None = None,
    channel: str = Channel.ONLINE_PC,
    site: Site | None = None,
    sub_item: SubItem | None = None,
    ip: str | None = None,
) -> Application:
    """A citizen applies online (网上申请) for a matter whose online depth allows it (Ⅲ/Ⅳ级).

    Without ``applicant`` the citizen applies as a natural person with their account's name,
    ID number and phone. A matter with business handling items (业务办理项: 新办/变更/延续/注销)
    needs ``sub_item``; its own materials and promised limit then apply. Materials are then
    uploaded with :func:`material_upload`.
    """
    check_transition(None, Action.SUBMIT_ONLINE, by)
    _check_version(version)
    if version.online_depth not in ONLINE_DEPTHS:
        raise ValidationError({"matter_version": f"事项“{version.name}”不支持网上申请，请到窗口办理。"})
    if channel not in (Channel.ONLINE_PC, Channel.MOBILE):
        raise ValidationError({"channel": "网上申请的渠道应为电脑端或移动端。"})
    _check_sub_item(version, sub_item, online=True)
    if applicant is None:
        applicant = ApplicantData(
            applicant_type=ApplicantType.NATURAL_PERSON,
            name=by.full_name,
            phone=by.phone,
            id_type=IdType.RESIDENT_ID,
            id_number=by.id_number,
        )
    validate_applicant(applicant)
    with transaction.atomic():
        site = _online_site(site)
        (number,) = issue_numbers(year=timezone.localdate().year, division_code=site.division.code)
        app = _open_application(
            version=version,
            applicant=applicant,
            number=number,
            channel=channel,
            site=site,
            status=Status.SUBMITTED,
            material_states=None,
            applicant_user=by,
            sub_item=sub_item,
        )
        change = _Change(
            sms=f"您的网上申请 {app.number}（{_matter_label(version, sub_item)}）已提交，请按要求上传材料，"
            f"我们将在 {app.answer_deadline:%Y年%m月%d日} 前完成预审。"
        )
        _record(app, action=Action.SUBMIT_ONLINE, from_status="", by=by, before=None, change=change, ip=ip)
    return app


def theme_application_receive(
    *,
    theme_service: ThemeService,
    applicant: ApplicantData,
    by: User,
    channel: str = Channel.WINDOW,
    materials: list[MaterialState] | None = None,
    is_assisted: bool = False,
    assisted_by: User | None = None,
    applicant_user: User | None = None,
    ip: str | None = None,
) -> ApplicationBundle:
    """One intake of a theme service (一件事一次办): one linked application per matter, one bundle."""
    check_transition(None, Action.RECEIVE, by)
    if not theme_service.is_active:
        raise ValidationError({"theme_service": "该主题服务已停用。"})
    validate_applicant(applicant)
    _check_assisted(is_assisted, assisted_by)
    if by.site_id is None:
        raise ValidationError({"site": "您的账号未设置工作场所，不能接件。"})
    matters = list(theme_service.matters.all())
    versions = {
        v.matter_id: v
        for v in MatterVersion.objects.filter(matter__in=matters, status=MatterVersion.Status.PUBLISHED)
        .select_related("matter")
        .prefetch_related("materials")
    }
    missing = [m.code for m in matters if m.pk not in versions]
    if not matters or missing:
        raise ValidationError(
            {"theme_service": f"主题服务包含的事项没有已发布版本：{'、'.join(missing) or '无事项'}。"}
        )
    states_by_version: dict[int, list[MaterialState]] = {}
    material_version = dict(Material.objects.filter(version__in=versions.values()).values_list("pk", "version_id"))
    for entry in materials or []:
        version_id = material_version.get(entry.material_id)
        if version_id is None:
            raise ValidationError({"materials": f"材料编号 {entry.material_id} 不属于该主题服务的事项。"})
        states_by_version.setdefault(version_id, []).append(entry)
    today = timezone.localdate()
    with transaction.atomic():
        site = Site.objects.select_related("division").get(pk=by.site_id)
        numbers = issue_numbers(year=today.year, division_code=site.division.code, count=len(matters))
        bundle = ApplicationBundle.objects.create(
            number=f"YJS{numbers[0]}", theme_service=theme_service, received_by=by
        )
        apps = []
        for number, matter in zip(numbers, matters, strict=True):
            version = versions[matter.pk]
            app = _open_application(
                version=version,
                applicant=applicant,
                number=number,
                channel=channel,
                site=site,
                status=Status.RECEIVED,
                material_states=states_by_version.get(version.pk),
                received_by=by,
                applicant_user=applicant_user,
                is_assisted=is_assisted,
                assisted_by=assisted_by,
                bundle=bundle,
            )
            _record(
                app,
                action=Action.RECEIVE,
                from_status="",
                by=by,
                before=None,
                change=_Change(note=f"一件事“{theme_service.name}”（{bundle.number}）"),
                ip=ip,
            )
            apps.append(app)
        applicant_notify(
            application=apps[0],
            body=f"您的“{theme_service.name}”一件事申请已接件（{bundle.number}），共 {len(apps)} 个办件："
            + "、".join(a.number for a in apps)
            + "。",
            dedupe_key=f"bundle-received-{bundle.pk}",
        )
        _link_current_ticket(by=by, numbers=[a.number for a in apps], ip=ip)
    return bundle
