"""Who may open which page: each role's home and navigation (导航按角色)."""

from __future__ import annotations

from dataclasses import dataclass

from hall.models import User

R = User.Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[str, ...]


# One table: a page's roles decide both the navigation and the access check.
NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("窗口工作台", "workbench", (R.CLERK, R.SUPERVISOR)),
    NavItem("审批工作台", "backoffice", (R.APPROVER, R.SUPERVISOR, R.LEADER)),
    NavItem("勘验任务", "inspections", (R.INSPECTOR, R.APPROVER, R.SUPERVISOR, R.LEADER)),
    NavItem("大厅监管", "dashboard", (R.SUPERVISOR, R.LEADER, R.ADMIN)),
    NavItem("事项清单", "catalog_home", (R.SUPERVISOR, R.LEADER, R.ADMIN)),
    NavItem("领导驾驶舱", "leader_home", (R.LEADER,)),
    NavItem("系统管理", "system_home", (R.ADMIN,)),
    NavItem("办事服务", "portal", (R.PUBLIC,)),
    NavItem("叫号", "queue_window", (R.CLERK, R.SUPERVISOR)),
    NavItem("排队监控", "queue_stats", (R.SUPERVISOR, R.LEADER, R.ADMIN)),
    NavItem("统计报表", "reports_period", (R.SUPERVISOR, R.LEADER, R.ADMIN)),
    NavItem("年度汇总", "reports_exports", (R.SUPERVISOR, R.LEADER, R.ADMIN)),
    NavItem("取号预约", "queue_take", (R.PUBLIC,)),
    NavItem("我的办件", "my_applications", (R.PUBLIC,)),
    NavItem("办件查询", "application_list", (R.CLERK, R.APPROVER, R.INSPECTOR, R.SUPERVISOR, R.LEADER)),
    NavItem("延期审批", "application_extensions", (R.SUPERVISOR,)),
    NavItem("好差评监管", "evaluation_supervision", (R.SUPERVISOR, R.LEADER, R.ADMIN)),
    NavItem("差评整改", "evaluation_cases", (R.APPROVER, R.SUPERVISOR, R.LEADER)),
    NavItem("电话回访", "evaluation_callback", (R.CLERK, R.APPROVER, R.SUPERVISOR)),
    NavItem("我的评价", "my_evaluations", (R.PUBLIC,)),
    NavItem("企业开办", "startup_list", (R.CLERK, R.APPROVER, R.SUPERVISOR, R.LEADER)),
    NavItem("市场主体", "entity_list", (R.CLERK, R.APPROVER, R.SUPERVISOR, R.LEADER, R.ADMIN)),
    NavItem("市场主体统计", "enterprise_figures", (R.SUPERVISOR, R.LEADER, R.ADMIN)),
    NavItem("工单派单台", "workorder_board", (R.SUPERVISOR, R.LEADER)),
    NavItem("部门工单", "workorder_inbox", (R.APPROVER,)),
    NavItem("前台登记", "workorder_frontdesk", (R.CLERK, R.SUPERVISOR)),
    NavItem("工单统计", "workorder_figures", (R.SUPERVISOR, R.LEADER, R.ADMIN)),
)

ROLE_HOME = {
    R.CLERK: "workbench",
    R.APPROVER: "backoffice",
    R.INSPECTOR: "inspections",
    R.SUPERVISOR: "dashboard",
    R.LEADER: "leader_home",
    R.ADMIN: "system_home",
    R.PUBLIC: "portal",
}

PAGE_ROLES = {item.url_name: item.roles for item in NAV_ITEMS}


def nav_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAV_ITEMS if user.role in item.roles]


def can_open(user, url_name: str) -> bool:
    return user.is_authenticated and user.role in PAGE_ROLES.get(url_name, ())
