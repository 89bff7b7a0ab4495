"""python manage.py seed_demo — build the demo county (idempotent)."""

from django.core.management.base import BaseCommand

from hall.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "创建演示数据：县政务服务中心、两个镇便民服务中心、部门、窗口和各角色演示账户（可重复执行）。"

    def handle(self, *args, **options):
        counts = seed_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据就绪：{counts['sites']} 个服务场所，{counts['zones']} 个专区，{counts['windows']} 个窗口，"
                f"{counts['departments']} 个部门；新建用户 {counts['users_created']} 个。"
            )
        )
        self.stdout.write(
            "演示账户（仅供演示，上线前请删除）：clerk01 窗口人员 / approver01 审批人员 / inspector01 勘验人员 / "
            f"supervisor01 大厅管理 / leader01 局领导 / admin 系统管理员 / citizen01 群众；密码均为 {DEMO_PASSWORD}"
        )
