"""Demo data of the 企业开办 one-window theme (企业开办一窗通办): its extra departments, windows,
matters, the theme service itself and the demo clerk of the 企业开办专区 (``clerk05``, window 5).
Idempotent; run after ``hall.demo.seed_demo`` (``make run`` runs both).

The catalog demo's own "企业开办" theme bundles three matters; the bureau's one-window practice has
six parallel tasks (设立登记, 印章刻制, 发票与税控设备申领, 社保登记/员工参保, 公积金缴存登记, 银行预约开户),
so this theme names them, each with its department and a window in the 企业开办专区.
"""

from __future__ import annotations

import copy

from django.db import transaction

from enterprises.services.startup import DEFAULT_THEME_CODE, STARTUP_ZONE
from hall.catalog.models import Material, Matter, MatterVersion, ThemeService
from hall.demo import COUNTY_CODE, COUNTY_HALL, DEMO_PASSWORD, _credit_code
from hall.models import Department, Division, Site, User, Window, Zone
from hall.services.accounts import user_create

# (department name, short name, serial for its code)
DEPARTMENTS = [
    ("清源县公安局", "公安", 3201),
    ("清源县人力资源和社会保障局", "人社", 3202),
    ("示范市住房公积金管理中心清源县管理部", "公积金", 3203),
]
# (window number, window name, department short name)
WINDOWS = [
    (14, "印章刻制窗口", "公安"),
    (15, "社保登记窗口", "人社"),
    (16, "公积金窗口", "公积金"),
    (17, "银行开户服务窗口", "审批局"),
]
# (matter name, department short name, result, materials)
MATTERS = [
    ("公章刻制备案（免费刻章）", "公安", "印章", ["营业执照", "法定代表人身份证明"]),
    ("单位社会保险登记及员工参保", "人社", "社会保险登记证明", ["营业执照", "参保人员名单"]),
    ("单位住房公积金缴存登记", "公积金", "缴存登记回执", ["营业执照", "缴存人员名单"]),
    ("银行预约开户", "审批局", "开户预约回执", ["营业执照", "法定代表人身份证明"]),
]
REGISTRATION = "有限责任公司设立登记"
TAX = "新办纳税人涉税事项"
# The demo clerk who takes 企业开办 submissions: (username, full name, window number, phone).
STARTUP_CLERK = ("clerk05", "孙悦", 5, "13900000006")


@transaction.atomic
def seed_startup_theme() -> ThemeService | None:
    """Create (once) the 企业开办一窗通办 theme and the zone's demo clerk; None when the base demo
    catalog is missing. Running it again changes nothing."""
    theme = ThemeService.objects.filter(code=DEFAULT_THEME_CODE).first() or _create_theme()
    if theme is not None:
        _seed_startup_clerk()
    return theme


def _seed_startup_clerk() -> None:
    username, full_name, number, phone = STARTUP_CLERK
    if User.objects.filter(username=username).exists():
        return
    window = Window.objects.select_related("department", "site").get(
        site__name=COUNTY_HALL, number=number, zone__name=STARTUP_ZONE
    )
    if window.clerks.exists():  # one clerk per window: someone already works there
        return
    user_create(
        username=username,
        password=DEMO_PASSWORD,
        full_name=full_name,
        role=User.Role.CLERK,
        department=window.department,
        site=window.site,
        window=window,
        phone=phone,
    )


def _create_theme() -> ThemeService | None:
    published = {
        v.name: v
        for v in MatterVersion.objects.filter(status=MatterVersion.Status.PUBLISHED, name__in=[REGISTRATION, TAX])
    }
    hall = Site.objects.filter(name=COUNTY_HALL).first()
    if len(published) < 2 or hall is None:
        return None
    county = Division.objects.get(code=COUNTY_CODE)
    departments = {d.short_name: d for d in Department.objects.filter(kind=Department.Kind.DEPARTMENT)}
    for name, short, serial in DEPARTMENTS:
        departments[short], _ = Department.objects.get_or_create(
            name=name,
            parent=None,
            defaults={
                "short_name": short,
                "division": county,
                "sort_order": serial,
                "credit_code": _credit_code(COUNTY_CODE, serial),
            },
        )
    zone = Zone.objects.get(site=hall, name=STARTUP_ZONE)
    for number, window_name, short in WINDOWS:
        Window.objects.get_or_create(
            site=hall, number=number, defaults={"zone": zone, "name": window_name, "department": departments[short]}
        )
    template = published[TAX]
    matters = [published[REGISTRATION].matter, template.matter]
    for serial, (name, short, result, material_names) in enumerate(MATTERS, start=901):
        dept = departments[short]
        matter, _ = Matter.objects.get_or_create(code=f"{dept.credit_code}20{serial:04d}000")
        version = copy.copy(template)
        version.pk = version.id = None
        version._state = copy.copy(template._state)
        version._state.adding = True
        version.matter = matter
        version.name = name
        version.department = dept
        version.result_name = result
        version.result_sample = f"{result}（样本）"
        version.keywords = "企业开办"
        version.consultation_phone = dept.phone or template.consultation_phone
        version.save()
        Material.objects.bulk_create(
            Material(version=version, name=m, originals=1, copies=0, is_required=True, sort_order=(i + 1) * 10)
            for i, m in enumerate(material_names)
        )
        matters.append(matter)
    theme = ThemeService.objects.create(
        code=DEFAULT_THEME_CODE,
        name="企业开办一窗通办",
        description="设立登记、免费刻章、发票与税控设备、社保登记、公积金缴存登记、银行预约开户，一窗受理、并联办理，半个工作日办结。",
        promised_limit_days=1,
    )
    theme.matters.set(matters)
    return theme
