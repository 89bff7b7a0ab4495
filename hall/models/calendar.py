"""The working-day calendar (工作日历): every day of each configured year and the hall's opening hours
(大厅工作时间), editable by administrators."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q


class CalendarYear(models.Model):
    """A year whose days are loaded. Years with no row here fall back to Monday–Friday."""

    class Source(models.TextChoices):
        PACKAGE = "chinesecalendar", "chinesecalendar 官方数据"
        IMPORT = "import", "管理员导入"
        MANUAL = "manual", "手工维护"

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    loaded_at = models.DateTimeField("载入时间", auto_now=True)

    class Meta:
        verbose_name = "日历年度"
        verbose_name_plural = "日历年度"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 年"


class CalendarDay(models.Model):
    """One day and whether it is a working day (工作日)."""

    class Kind(models.TextChoices):
        WORKDAY = "workday", "工作日"
        WEEKEND = "weekend", "周末休息"
        HOLIDAY = "holiday", "法定节假日"
        MAKEUP_WORKDAY = "makeup", "调休上班"

    WORKING_KINDS = (Kind.WORKDAY, Kind.MAKEUP_WORKDAY)

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    name = models.CharField("节日/说明", max_length=50, blank=True)

    class Meta:
        verbose_name = "日历日"
        verbose_name_plural = "工作日历"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

    @property
    def is_working_day(self) -> bool:
        return self.kind in self.WORKING_KINDS


class OpeningPeriod(models.Model):
    """A period of the hall's opening hours on working days (大厅工作时间段).

    Limits counted in working hours (企业开办 "0.5 个工作日", 紧急工单 24 working hours) count only
    these periods of working days; 09:00–12:00 and 13:30–17:30 by default.
    """

    starts_at = models.TimeField("开始时间")
    ends_at = models.TimeField("结束时间")

    class Meta:
        verbose_name = "大厅工作时间段"
        verbose_name_plural = "大厅工作时间"
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="hall_opening_order")]

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at:
            if self.ends_at <= self.starts_at:
                raise ValidationError({"ends_at": "结束时间应晚于开始时间。"})
            overlapping = OpeningPeriod.objects.exclude(pk=self.pk).filter(
                starts_at__lt=self.ends_at, ends_at__gt=self.starts_at
            )
            if overlapping.exists():
                raise ValidationError(f"与已有的工作时间段 {overlapping.first()} 重叠。")
