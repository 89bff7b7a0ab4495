"""``manage.py seed_startup_theme``: the demo 企业开办一窗通办 theme, its departments, windows and matters."""

from django.core.management.base import BaseCommand, CommandError

from enterprises.demo import STARTUP_CLERK, seed_startup_theme


class Command(BaseCommand):
    help = "创建演示用“企业开办一窗通办”主题服务（须先运行 seed_demo）。"

    def handle(self, *args, **options):
        theme = seed_startup_theme()
        if theme is None:
            raise CommandError("未找到演示事项清单或县政务服务中心，请先运行演示数据初始化。")
        self.stdout.write(
            self.style.SUCCESS(f"主题服务“{theme.name}”（{theme.code}）包含 {theme.matters.count()} 个事项。")
        )
        username, _, window, _ = STARTUP_CLERK
        self.stdout.write(
            f"企业开办专区演示账户：{username}（{window} 号窗口，密码同其他演示账户），受理入口 /startup/new/"
        )
