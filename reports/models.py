"""Daily rollups (日汇总) of applications and the queue, and annual export jobs (年度汇总导出任务).

Rollups are derived data: ``reports.rollups`` rebuilds any range of days exactly from the raw rows
(delete the days, insert the grouped counts), so dashboards and exports never scan raw rows.
Each row counts the events *of its day*: received on, accepted on, completed on that day.
Their references are plain columns (``db_constraint=False``), as in the work-order rollups: the rows
are derived data, rebuilt at will, and checking every inserted row's keys at commit made up about
half of a year's rebuild.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

# Wait-time histogram buckets (等候时长分布): one per whole minute 0..WAIT_BUCKETS-2, the last one is
# "longer". P90 over any range is read from summed histograms, so it never needs the raw tickets.
WAIT_BUCKETS = 181


class ApplicationDailyRollup(models.Model):
    """办件日汇总: counts of one day, site, department, matter and channel."""

    day = models.DateField("日期")
    site = models.ForeignKey(
        "hall.Site", verbose_name="服务场所", on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    site_level = models.CharField("场所层级", max_length=16)
    department = models.ForeignKey(
        "hall.Department", verbose_name="部门", on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    matter = models.ForeignKey(
        "catalog.Matter", verbose_name="事项", on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    category = models.CharField("事项类型", max_length=2)
    channel = models.CharField("申请渠道", max_length=16)

    received = models.PositiveIntegerField("接件量", default=0)
    online_received = models.PositiveIntegerField("网上申请量", default=0)
    full_online_received = models.PositiveIntegerField("全程网办量", default=0)
    assisted = models.PositiveIntegerField("帮办代办量", default=0)
    accepted = models.PositiveIntegerField("受理量", default=0)
    not_accepted = models.PositiveIntegerField("不予受理量", default=0)
    completed = models.PositiveIntegerField("办结量", default=0)
    completed_on_time = models.PositiveIntegerField("按时办结量", default=0)
    immediate_completed = models.PositiveIntegerField("即办件办结量", default=0)
    elapsed_days = models.PositiveIntegerField("办结用时合计（工作日）", default=0)
    paused = models.PositiveIntegerField("特别程序启动数", default=0)
    inspections = models.PositiveIntegerField("现场勘验数", default=0)
    extensions = models.PositiveIntegerField("批准延期数", default=0)

    class Meta:
        verbose_name = "办件日汇总"
        verbose_name_plural = "办件日汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "site", "department", "matter", "channel"], name="appdailyrollup_unique_key"
            )
        ]
        indexes = [
            models.Index(fields=["day", "site"], name="appdailyrollup_day_site_idx"),
            models.Index(fields=["department", "day"], name="appdailyrollup_dept_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.site_id}/{self.department_id}/{self.matter_id}/{self.channel}"


class ApplicationMonthlyRollup(models.Model):
    """办件月汇总: the daily rollup summed per month without day and matter, for long periods.

    Rebuilt from the daily rows with them; a year is a few thousand rows instead of tens of
    thousands, so dashboards over ten years read little. Figures cut by matter use the daily rows.
    """

    month = models.DateField("月份（当月 1 日）")
    site = models.ForeignKey(
        "hall.Site", verbose_name="服务场所", on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    site_level = models.CharField("场所层级", max_length=16)
    department = models.ForeignKey(
        "hall.Department", verbose_name="部门", on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    category = models.CharField("事项类型", max_length=2)
    channel = models.CharField("申请渠道", max_length=16)

    received = models.PositiveIntegerField("接件量", default=0)
    online_received = models.PositiveIntegerField("网上申请量", default=0)
    full_online_received = models.PositiveIntegerField("全程网办量", default=0)
    assisted = models.PositiveIntegerField("帮办代办量", default=0)
    accepted = models.PositiveIntegerField("受理量", default=0)
    not_accepted = models.PositiveIntegerField("不予受理量", default=0)
    completed = models.PositiveIntegerField("办结量", default=0)
    completed_on_time = models.PositiveIntegerField("按时办结量", default=0)
    immediate_completed = models.PositiveIntegerField("即办件办结量", default=0)
    elapsed_days = models.PositiveIntegerField("办结用时合计（工作日）", default=0)
    paused = models.PositiveIntegerField("特别程序启动数", default=0)
    inspections = models.PositiveIntegerField("现场勘验数", default=0)
    extensions = models.PositiveIntegerField("批准延期数", default=0)

    class Meta:
        verbose_name = "办件月汇总"
        verbose_name_plural = "办件月汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "site", "department", "category", "channel"], name="appmonthlyrollup_unique_key"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="appmonthlyrollup_first_of_month"),
        ]
        indexes = [models.Index(fields=["month", "site"], name="appmonthly_month_site_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.site_id}/{self.department_id}/{self.category}/{self.channel}"


class QueueDailyRollup(models.Model):
    """排队日汇总: tickets of one day, site, queue line (and its zone), window and clerk.

    ``window`` and ``clerk`` are null for tickets nobody called.
    """

    day = models.DateField("日期")
    site = models.ForeignKey(
        "hall.Site", verbose_name="服务场所", on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    line = models.ForeignKey(
        "queue.QueueLine", verbose_name="队列", on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    zone = models.ForeignKey(
        "hall.Zone", verbose_name="专区", on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    window = models.ForeignKey(
        "hall.Window",
        verbose_name="窗口",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="窗口人员",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )

    issued = models.PositiveIntegerField("取号量", default=0)
    called = models.PositiveIntegerField("已叫号数", default=0)
    calls = models.PositiveIntegerField("叫号次数", default=0)
    served = models.PositiveIntegerField("办结号数", default=0)
    no_show = models.PositiveIntegerField("过号数", default=0)
    wait_count = models.PositiveIntegerField("有等候时长的号数", default=0)
    wait_seconds = models.BigIntegerField("等候时长合计（秒）", default=0)
    service_count = models.PositiveIntegerField("有办理时长的号数", default=0)
    service_seconds = models.BigIntegerField("办理时长合计（秒）", default=0)
    wait_histogram = models.JSONField("等候时长分布（每分钟）", default=list)

    class Meta:
        verbose_name = "排队日汇总"
        verbose_name_plural = "排队日汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "site", "line", "window", "clerk"],
                name="queuedailyrollup_unique_key",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["day", "site"], name="queuedailyrollup_day_site_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.site_id}/{self.line_id}/{self.window_id}"


class QueueMonthlyRollup(models.Model):
    """排队月汇总: the daily queue rollup summed per month, with the month's wait histogram.

    Rebuilt from the tickets with the daily rows (the histograms of a month are counted from the
    tickets, not added up from the days), so figures of long periods, P90 waits above all, read a
    twentieth of the rows.
    """

    month = models.DateField("月份（当月 1 日）")
    site = models.ForeignKey(
        "hall.Site", verbose_name="服务场所", on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    line = models.ForeignKey(
        "queue.QueueLine", verbose_name="队列", on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    zone = models.ForeignKey(
        "hall.Zone", verbose_name="专区", on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    window = models.ForeignKey(
        "hall.Window",
        verbose_name="窗口",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="窗口人员",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )

    issued = models.PositiveIntegerField("取号量", default=0)
    called = models.PositiveIntegerField("已叫号数", default=0)
    calls = models.PositiveIntegerField("叫号次数", default=0)
    served = models.PositiveIntegerField("办结号数", default=0)
    no_show = models.PositiveIntegerField("过号数", default=0)
    wait_count = models.PositiveIntegerField("有等候时长的号数", default=0)
    wait_seconds = models.BigIntegerField("等候时长合计（秒）", default=0)
    service_count = models.PositiveIntegerField("有办理时长的号数", default=0)
    service_seconds = models.BigIntegerField("办理时长合计（秒）", default=0)
    wait_histogram = models.JSONField("等候时长分布（每分钟）", default=list)

    class Meta:
        verbose_name = "排队月汇总"
        verbose_name_plural = "排队月汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "site", "line", "window", "clerk"],
                name="queuemonthlyrollup_unique_key",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="queuemonthlyrollup_first_of_month"),
        ]
        indexes = [models.Index(fields=["month", "site"], name="queuemonthly_month_site_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.site_id}/{self.line_id}/{self.window_id}"


class RollupRun(models.Model):
    """One rebuild of the rollups (汇总重建记录): when, which days, how long."""

    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    first_day = models.DateField("起始日期")
    last_day = models.DateField("截止日期")
    application_rows = models.PositiveIntegerField("办件汇总行数", default=0)
    queue_rows = models.PositiveIntegerField("排队汇总行数", default=0)
    trigger = models.CharField("触发方式", max_length=30)

    class Meta:
        verbose_name = "汇总重建记录"
        verbose_name_plural = "汇总重建记录"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.first_day}～{self.last_day}"


class DashboardSnapshot(models.Model):
    """看板快照: the figures of a dashboard (all but the live hall) for one day, scope and rollup run.

    Written right after each rollup run (the refresh of today every few minutes, the nightly
    rebuild) by ``reports.selectors.dashboards_warm``, so that opening a dashboard reads one row
    instead of computing forty figures; a page that finds none computes and writes it. Only the
    latest row per page, department and day is kept.
    """

    page = models.CharField("看板", max_length=20)
    department = models.ForeignKey(
        "hall.Department",
        verbose_name="部门",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )
    day = models.DateField("日期")
    run = models.ForeignKey(RollupRun, verbose_name="汇总重建记录", on_delete=models.CASCADE, related_name="+")
    payload = models.BinaryField("快照内容")
    computed_at = models.DateTimeField("计算时间")
    compute_ms = models.PositiveIntegerField("计算用时（毫秒）", default=0)

    class Meta:
        verbose_name = "看板快照"
        verbose_name_plural = "看板快照"
        constraints = [
            models.UniqueConstraint(
                fields=["page", "department", "day"], name="dashboardsnapshot_unique_key", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return f"{self.page} {self.department_id or '全局'} {self.day}"


class ExportJob(models.Model):
    """An annual summary export (年度数据汇总表导出) run by a Celery task, kept for download."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    year = models.PositiveSmallIntegerField("年度")
    site = models.ForeignKey(
        "hall.Site", verbose_name="服务场所", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "hall.Department", verbose_name="部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    stage = models.CharField("当前步骤", max_length=60, blank=True)
    file = models.FileField("文件", upload_to="reports/", max_length=200, blank=True)
    file_name = models.CharField("下载文件名", max_length=120, blank=True)
    error = models.CharField("错误信息", max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "年度汇总导出"
        verbose_name_plural = "年度汇总导出"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="exportjob_progress_at_most_100"),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(file=""), name="exportjob_done_has_file"),
        ]

    def __str__(self) -> str:
        return f"{self.year} 年度数据汇总表（{self.get_status_display()}）"
