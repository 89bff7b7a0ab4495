"""The working-day calendar (工作日历): every day of each configured year, editable by administrators."""

from django.db import models


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
