"""Places: administrative divisions, service sites (服务场所), zones (专区), windows (窗口), departments (部门)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from hall.validators import validate_credit_code, validate_division_code


class Division(models.Model):
    """Administrative division (行政区划), identified by its 6-digit code (GB/T 2260)."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "市级"
        COUNTY = "county", "县级"
        TOWN = "town", "乡镇（街道）"

    code = models.CharField("区划代码", max_length=6, unique=True, validators=[validate_division_code])
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Department(models.Model):
    """Department (部门) stationed in the hall, or one of its sections (股室) as a child."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", "部门"
        SECTION = "section", "股室"

    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=30, blank=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", verbose_name="所属部门", null=True, blank=True, on_delete=models.PROTECT, related_name="sections"
    )
    credit_code = models.CharField(
        "统一社会信用代码",
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text="部门填写 18 位统一社会信用代码；股室可留空。",
    )
    division = models.ForeignKey(Division, verbose_name="所在区划", null=True, blank=True, on_delete=models.PROTECT)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=100)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门与股室"
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="department_credit_code_unique"
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="department_name_unique_within_parent"),
            models.CheckConstraint(
                condition=Q(kind="department", parent__isnull=True) | Q(kind="section", parent__isnull=False),
                name="department_section_has_parent",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.SECTION and self.parent_id:
            return f"{self.parent.name}／{self.name}"
        return self.name


class Site(models.Model):
    """Service site (服务场所): a city or county hall, a town or street centre (便民服务中心),
    or a village station (便民服务站)."""

    class Level(models.TextChoices):
        CITY = "city", "市级政务服务中心"
        COUNTY = "county", "县级政务服务中心"
        TOWN = "town", "乡镇（街道）便民服务中心"
        VILLAGE = "village", "村（社区）便民服务站"

    name = models.CharField("名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=30, blank=True)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    division = models.ForeignKey(Division, verbose_name="所在区划", on_delete=models.PROTECT, related_name="sites")
    parent = models.ForeignKey(
        "self", verbose_name="上级场所", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("咨询电话", max_length=30, blank=True)
    opening_hours = models.CharField(
        "办公时间", max_length=200, blank=True, default="周一至周五 9:00-12:00，13:30-17:00"
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "服务场所"
        verbose_name_plural = "服务场所"
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name


class Zone(models.Model):
    """Zone (专区) of a site, e.g. 综合受理, 企业开办专区, 工改专区."""

    site = models.ForeignKey(Site, verbose_name="服务场所", on_delete=models.CASCADE, related_name="zones")
    name = models.CharField("名称", max_length=60)
    description = models.CharField("说明", max_length=200, blank=True)
    floor = models.CharField("楼层/位置", max_length=30, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=100)

    class Meta:
        verbose_name = "专区"
        verbose_name_plural = "专区"
        ordering = ["site", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="zone_name_unique_per_site")]

    def __str__(self) -> str:
        return f"{self.site.short_name or self.site.name}·{self.name}"


class Window(models.Model):
    """Service window (窗口) in a zone; its number is what the display board calls out."""

    class Status(models.TextChoices):
        OPEN = "open", "开放"
        PAUSED = "paused", "暂停"
        CLOSED = "closed", "关闭"

    zone = models.ForeignKey(Zone, verbose_name="专区", on_delete=models.PROTECT, related_name="windows")
    # The site is stored with the zone so that the number can be unique per site in the database;
    # clean() checks that the zone belongs to the site.
    site = models.ForeignKey(Site, verbose_name="服务场所", on_delete=models.PROTECT, related_name="windows")
    number = models.PositiveIntegerField("窗口号")
    name = models.CharField("窗口名称", max_length=60)
    department = models.ForeignKey(
        Department, verbose_name="进驻部门", null=True, blank=True, on_delete=models.PROTECT, related_name="windows"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)

    class Meta:
        verbose_name = "窗口"
        verbose_name_plural = "窗口"
        ordering = ["site", "number"]
        constraints = [models.UniqueConstraint(fields=["site", "number"], name="window_number_unique_per_site")]

    def __str__(self) -> str:
        return f"{self.number}号窗口（{self.name}）"

    def clean(self):
        if self.zone_id and self.site_id and self.zone.site_id != self.site_id:
            raise ValidationError({"zone": "所选专区不属于该服务场所。"})
