"""Demo catalog (演示事项清单): 40+ matters of the demo county's departments in two editions.

Each matter has a 2025年版 version (retired) and a 2026年版 version (published) that cuts
materials, steps, days or visits, so the "四减" comparison has real figures to compute. Theme
services bundle matters of several departments. Idempotent; written in a few bulk queries
because every test that seeds the demo county runs it.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from hall.catalog.delegations import matter_delegate
from hall.catalog.demo_data import (
    HOURS,
    MATTERS,
    PLACE,
    STEPS_2025,
    STEPS_2026,
    SUPERVISION_PHONE,
    THEMES,
    D,
    E,
    L,
    T,
)
from hall.catalog.models import (
    CatalogEdition,
    CrossAreaScope,
    HandlingForm,
    HandlingType,
    Material,
    Matter,
    MatterDelegation,
    MatterVersion,
    ProcessStep,
    SubItem,
    ThemeService,
)
from hall.models import Department, Site


def _code(department: Department, matter_type: str, serial: int) -> str:
    # 实施编码: implementing body's credit code + matter type + serial, as provincial systems issue them.
    return f"{department.credit_code}{matter_type}{serial:04d}000"


@transaction.atomic
def seed_catalog() -> dict[str, int]:
    """Seed the demo catalog once; returns counts. Runs no rules: the data is made to pass them."""
    departments = {d.short_name: d for d in Department.objects.filter(kind=Department.Kind.DEPARTMENT)}
    if not departments or Matter.objects.filter(versions__name=MATTERS[0][1]).exists():
        seed_delegations()
        return {"matters": Matter.objects.count(), "created": 0}
    old_edition, _ = CatalogEdition.objects.get_or_create(
        name="2025年版", defaults={"effective_date": datetime.date(2025, 1, 1), "note": "县级政务服务事项实施清单"}
    )
    new_edition, _ = CatalogEdition.objects.get_or_create(
        name="2026年版",
        defaults={
            "effective_date": datetime.date(2026, 1, 1),
            "note": "按“四减”要求修订：减材料、减环节、减时限、减跑动",
        },
    )
    now = timezone.now()
    rows = [row for row in MATTERS if row[0] in departments]
    matters = Matter.objects.bulk_create(
        Matter(code=_code(departments[row[0]], row[2], serial)) for serial, row in enumerate(rows, start=1)
    )
    versions: list[tuple[MatterVersion, tuple, bool]] = []
    for serial, (matter, row) in enumerate(zip(matters, rows, strict=True), start=1):
        dept, name, mtype, legal, promised, depth, visits, objects, reform, keywords, result, basis = row[:12]
        revised = serial % 4 != 0  # three matters in four were cut in the 2026 revision
        base = {
            "matter": matter,
            "name": name,
            "basic_code": f"{mtype}{serial:05d}000",
            "matter_type": mtype,
            "legal_basis": basis,
            "keywords": keywords,
            "department": departments[dept],
            "legal_limit_days": legal,
            "legal_limit_note": "自受理之日起计算，不含特别程序时间",
            "acceptance_conditions": f"申请人符合{name}法定条件，申请材料齐全、符合法定形式。",
            "result_name": result,
            "result_is_licence": mtype == T.LICENSING,
            "result_sample": f"{result}（样本）",
            "service_objects": list(objects),
            "service_theme": "企业" if E in objects else "个人",
            "handling_forms": [HandlingForm.WINDOW, HandlingForm.ONLINE_PC, HandlingForm.MOBILE],
            "cross_area_scope": CrossAreaScope.CITY if depth == D.IV else CrossAreaScope.COUNTY,
            "supports_appointment": True,
            "supports_postal_delivery": depth != D.I,
            "supports_online_handling": depth in (D.II, D.III, D.IV),
            "online_handling_url": "https://www.hbzwfw.gov.cn/" if depth != D.I else "",
            "place": PLACE,
            "hours": HOURS,
            "consultation_phone": departments[dept].phone or "0317-5212345",
            "supervision_phone": SUPERVISION_PHONE,
            "licence_reform_measure": reform,
            "commitment_allowed": reform == L.COMMITMENT,
        }
        old_promised = min(legal, promised + (5 if revised and promised else 0))
        old_visits = min(2, visits + 1) if revised else visits
        old = MatterVersion(
            **base,
            version=1,
            status=MatterVersion.Status.RETIRED,
            edition=old_edition,
            valid_from=old_edition.effective_date,
            valid_to=new_edition.effective_date,
            published_at=now,
            retired_at=now,
            promised_limit_days=old_promised,
            handling_type=HandlingType.IMMEDIATE if old_promised == 0 else HandlingType.PROMISED,
            online_depth=D.III if depth == D.IV and old_visits else depth,
            site_visits=old_visits,
            site_visit_reason="需现场核验原件" if old_visits else "",
        )
        new = MatterVersion(
            **base,
            version=2,
            status=MatterVersion.Status.PUBLISHED,
            edition=new_edition,
            valid_from=new_edition.effective_date,
            published_at=now,
            promised_limit_days=promised,
            promised_limit_note="即来即办" if promised == 0 else "压缩至法定时限的一半以内",
            handling_type=HandlingType.IMMEDIATE if promised == 0 else HandlingType.PROMISED,
            online_depth=depth,
            site_visits=visits,
            site_visit_reason="需现场核验原件并签字确认" if visits else "",
        )
        versions += [(old, row, revised), (new, row, False)]
    MatterVersion.objects.bulk_create(v for v, _, _ in versions)

    sub_items = []
    for version, row, _ in versions:
        for order, (suffix, sub_name) in enumerate(row[13], start=1):
            sub_items.append(
                SubItem(
                    version=version,
                    code=f"{version.matter.code}{suffix}",
                    name=sub_name,
                    online_depth=version.online_depth,
                    sort_order=order * 10,
                )
            )
    SubItem.objects.bulk_create(sub_items)

    materials, steps = [], []
    for version, row, revised in versions:
        names = list(row[12]) + (["申请人身份证明复印件（已可共享获取）"] if revised else [])
        for order, material_name in enumerate(names, start=1):
            shared = "营业执照" in material_name or "身份证明" in material_name
            materials.append(
                Material(
                    version=version,
                    name=material_name,
                    issuing_body="市场监督管理部门" if "营业执照" in material_name else "",
                    originals=1,
                    copies=0 if shared else 1,
                    is_required=True,
                    material_form=Material.Form.BOTH if version.online_depth != D.I else Material.Form.PAPER,
                    source_channel=Material.Source.SHARED if shared else Material.Source.APPLICANT,
                    blank_form="申请表（空白）" if "申请" in material_name else "",
                    filling_notes="请如实填写，并由申请人签字（盖章）。" if "申请" in material_name else "",
                    acceptance_standard="内容完整、签章齐全",
                    may_be_missing=order == len(names) and len(names) > 2,
                    sort_order=order * 10,
                )
            )
        step_plan = STEPS_2025 if revised else STEPS_2026
        if version.handling_type == HandlingType.IMMEDIATE:
            step_plan = [("受理并办结", "综合受理窗口"), ("送达", "出件窗口")] + (
                [("审查", "审批股室")] if revised else []
            )
        for order, (step_name, actor) in enumerate(step_plan, start=1):
            steps.append(
                ProcessStep(
                    version=version,
                    order=order,
                    name=step_name,
                    actor=actor,
                    limit_days=0 if version.handling_type == HandlingType.IMMEDIATE else 1,
                    description=f"{step_name}：按《{row[1]}》办事指南和审查细则办理。",
                )
            )
    Material.objects.bulk_create(materials)
    ProcessStep.objects.bulk_create(steps)

    by_name = {version.name: version.matter for version, _, _ in versions}
    for code, name, description, days, names in THEMES:
        theme, _ = ThemeService.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "promised_limit_days": days}
        )
        theme.matters.set([by_name[n] for n in names if n in by_name])
    seed_delegations()
    return {"matters": len(matters), "created": len(matters)}


# Delegations of the demo county (seeds 001, 003): high-frequency matters go down to the two town
# centres (下放乡镇); the town centres also collect and forward (代收代办) a few county matters.
DELEGATION_DOCUMENT = "清政办〔2025〕12号《关于向乡镇（街道）下放部分县级政务服务事项的通知》"
DELEGATION_DATE = datetime.date(2025, 3, 1)
DELEGATIONS = {
    "城关镇便民服务中心": [
        ("个体工商户设立登记", MatterDelegation.Kind.DELEGATED),
        ("小餐饮登记", MatterDelegation.Kind.DELEGATED),
        ("城乡居民基本医疗保险参保登记", MatterDelegation.Kind.DELEGATED),
        ("乡村建设规划许可证核发", MatterDelegation.Kind.DELEGATED),
        ("食品经营许可", MatterDelegation.Kind.COLLECT),
    ],
    "河西镇便民服务中心": [
        ("个体工商户设立登记", MatterDelegation.Kind.DELEGATED),
        ("城乡居民基本医疗保险参保登记", MatterDelegation.Kind.DELEGATED),
        ("乡村建设规划许可证核发", MatterDelegation.Kind.DELEGATED),
        ("拖拉机和联合收割机登记", MatterDelegation.Kind.COLLECT),
    ],
}


def seed_delegations() -> int:
    """Record the demo delegations through the service (audited); idempotent, returns how many were new."""
    sites = {site.name: site for site in Site.objects.filter(name__in=DELEGATIONS)}
    names = {name for rows in DELEGATIONS.values() for name, _ in rows}
    matters = {
        v.name: v.matter
        for v in MatterVersion.objects.filter(name__in=names, status=MatterVersion.Status.PUBLISHED).select_related(
            "matter"
        )
    }
    existing = set(MatterDelegation.objects.values_list("site__name", "matter_id"))
    created = 0
    for site_name, rows in DELEGATIONS.items():
        site = sites.get(site_name)
        if site is None:
            continue
        for name, kind in rows:
            matter = matters.get(name)
            if matter is None or (site_name, matter.pk) in existing:
                continue
            matter_delegate(
                matter=matter, site=site, kind=kind, document=DELEGATION_DOCUMENT, effective_date=DELEGATION_DATE
            )
            created += 1
    return created
