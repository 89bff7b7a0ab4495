"""Demo county (演示数据): a county hall, two town centres, departments, windows and one user per
role. Idempotent: running it again changes nothing. The passwords are for demonstrations only."""

from __future__ import annotations

from django.db import transaction

from hall.catalog.demo import seed_catalog
from hall.models import Department, Division, Site, User, Window, Zone
from hall.queue.demo import seed_queue
from hall.services.accounts import user_create
from hall.validators import credit_code_check_char

DEMO_PASSWORD = "Demo@2026"

COUNTY_CODE = "130921"
DIVISIONS = [
    ("130900", "示范市", Division.Level.CITY, None),
    (COUNTY_CODE, "清源县", Division.Level.COUNTY, "130900"),
    ("130922", "清源县城关镇", Division.Level.TOWN, COUNTY_CODE),
    ("130923", "清源县河西镇", Division.Level.TOWN, COUNTY_CODE),
]

# (name, short name, phone, sections)
DEPARTMENTS = [
    (
        "清源县行政审批局",
        "审批局",
        "0317-5210001",
        ["综合受理股", "市场准入股", "建设项目审批股", "社会事务审批股", "勘验股"],
    ),
    ("清源县市场监督管理局", "市场监管", "0317-5210002", ["登记注册股", "食品生产经营许可股"]),
    ("清源县住房和城乡建设局", "住建", "0317-5210003", ["建筑市场股", "房产交易股"]),
    ("清源县发展和改革局", "发改", "0317-5210004", ["投资股"]),
    ("清源县自然资源和规划局", "自然资源", "0317-5210005", ["国土空间规划股", "不动产登记股"]),
    ("清源县卫生健康局", "卫健", "0317-5210006", ["医政股", "公共卫生股"]),
    ("清源县交通运输局", "交通运输", "0317-5210007", ["运输管理股"]),
    ("清源县教育和体育局", "教育", "0317-5210008", ["教师资格股"]),
    ("清源县农业农村局", "农业农村", "0317-5210009", ["农机股", "种子管理股"]),
    ("清源县税务局", "税务", "0317-5210010", ["纳税服务股"]),
    ("清源县医疗保障局", "医保", "0317-5210011", ["医保经办股"]),
]

COUNTY_HALL = "清源县政务服务中心"
TOWN_CENTRES = ["城关镇便民服务中心", "河西镇便民服务中心"]

# zone → [(window number, window name, department short name)]
COUNTY_ZONES = {
    "综合受理": [
        (1, "综合受理窗口", "审批局"),
        (2, "综合受理窗口", "审批局"),
        (3, "综合受理窗口", "审批局"),
        (4, "社会事务受理窗口", "审批局"),
    ],
    "企业开办专区": [(5, "企业开办窗口", "市场监管"), (6, "企业开办窗口", "市场监管"), (7, "涉税事项窗口", "税务")],
    "工改专区": [(8, "工程建设项目窗口", "住建"), (9, "投资项目窗口", "发改"), (10, "不动产登记窗口", "自然资源")],
    "快捷即办": [(11, "快捷即办窗口", "审批局"), (12, "医保即办窗口", "医保")],
    "办不成事反映窗口": [(13, "办不成事反映窗口", "审批局")],
}


def _credit_code(division_code: str, serial: int) -> str:
    """A well-formed code for a government organ (登记管理部门 1 = 机构编制, 类别 1 = 机关)."""
    org = f"{serial:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(org, weights, strict=True)) % 11
    org += {10: "X", 11: "0"}.get(check, str(check))
    first17 = f"11{division_code}{org}"
    return first17 + credit_code_check_char(first17)


@transaction.atomic
def seed_demo() -> dict[str, int]:
    divisions = {}
    for code, name, level, parent in DIVISIONS:
        divisions[code], _ = Division.objects.update_or_create(
            code=code, defaults={"name": name, "level": level, "parent": divisions.get(parent)}
        )
    county = divisions[COUNTY_CODE]

    departments = {}
    for order, (name, short, phone, sections) in enumerate(DEPARTMENTS, start=1):
        dept, _ = Department.objects.update_or_create(
            name=name,
            parent=None,
            defaults={
                "short_name": short,
                "phone": phone,
                "sort_order": order * 10,
                "division": county,
                "credit_code": _credit_code(COUNTY_CODE, 3100 + order),
            },
        )
        departments[short] = dept
        for s_order, section in enumerate(sections, start=1):
            Department.objects.update_or_create(
                name=section,
                parent=dept,
                defaults={"kind": Department.Kind.SECTION, "sort_order": s_order * 10, "division": county},
            )

    hall, _ = Site.objects.update_or_create(
        name=COUNTY_HALL,
        defaults={
            "short_name": "县政务服务中心",
            "level": Site.Level.COUNTY,
            "division": county,
            "address": "清源县人民路 88 号",
            "phone": "0317-5212345",
            "opening_hours": "周一至周五 8:30-12:00，13:30-17:30（法定节假日除外，周末延时服务请预约）",
        },
    )
    for order, (zone_name, windows) in enumerate(COUNTY_ZONES.items(), start=1):
        zone, _ = Zone.objects.update_or_create(
            site=hall, name=zone_name, defaults={"sort_order": order * 10, "floor": "一楼" if order <= 3 else "二楼"}
        )
        for number, window_name, dept_short in windows:
            Window.objects.update_or_create(
                site=hall,
                number=number,
                defaults={"zone": zone, "name": window_name, "department": departments[dept_short]},
            )
    for centre_name, code in zip(TOWN_CENTRES, ("130922", "130923"), strict=True):
        centre, _ = Site.objects.update_or_create(
            name=centre_name,
            defaults={
                "level": Site.Level.TOWN,
                "division": divisions[code],
                "parent": hall,
                "address": f"{divisions[code].name}政府院内",
                "phone": "0317-52" + code[-4:],
            },
        )
        zone, _ = Zone.objects.update_or_create(site=centre, name="综合受理", defaults={"sort_order": 10})
        for number in (1, 2):
            Window.objects.update_or_create(
                site=centre,
                number=number,
                defaults={"zone": zone, "name": "综合便民窗口", "department": departments["审批局"]},
            )

    window_1 = Window.objects.get(site=hall, number=1)
    people = [
        ("clerk01", "张敏", User.Role.CLERK, departments["审批局"], window_1, "13900000001", ""),
        ("approver01", "李强", User.Role.APPROVER, departments["市场监管"], None, "13900000002", ""),
        ("inspector01", "王磊", User.Role.INSPECTOR, departments["住建"], None, "13900000003", ""),
        ("supervisor01", "赵静", User.Role.SUPERVISOR, departments["审批局"], None, "13900000004", ""),
        ("leader01", "陈国华", User.Role.LEADER, departments["审批局"], None, "13900000005", ""),
        ("admin", "系统管理员", User.Role.ADMIN, departments["审批局"], None, "", ""),
        ("citizen01", "刘洋", User.Role.PUBLIC, None, None, "13800138000", "11010519491231002X"),
    ]
    created = 0
    for username, full_name, role, dept, window, phone, id_number in people:
        if User.objects.filter(username=username).exists():
            continue
        user_create(
            username=username,
            password=DEMO_PASSWORD,
            full_name=full_name,
            role=role,
            department=dept,
            site=None if role == User.Role.PUBLIC else hall,
            window=window,
            phone=phone,
            id_number=id_number,
        )
        created += 1
    seed_queue()
    seed_catalog()
    return {
        "sites": Site.objects.count(),
        "zones": Zone.objects.count(),
        "windows": Window.objects.count(),
        "departments": Department.objects.filter(kind=Department.Kind.DEPARTMENT).count(),
        "users_created": created,
    }
