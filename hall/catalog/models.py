"""Matters (事项) and their versions, sub-items, materials, process steps and theme services.

Every element of GB/T 39046-2020 table 4 that DOMAIN.md §1 lists lives on ``MatterVersion``.
A version is drafted, published, then retired; a published version never changes, and at most
one version of a matter is published at any time. Applications point at the exact version.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class MatterType(models.TextChoices):
    """事项类型 (GB/T 39046 appendix A)."""

    ADMINISTRATIVE_POWER = "00", "行政权力"
    LICENSING = "01", "行政许可"
    PENALTY = "02", "行政处罚"
    ENFORCEMENT = "03", "行政强制"
    LEVY = "04", "行政征收"
    PAYMENT = "05", "行政给付"
    INSPECTION = "06", "行政检查"
    CONFIRMATION = "07", "行政确认"
    AWARD = "08", "行政奖励"
    ADJUDICATION = "09", "行政裁决"
    OTHER_POWER = "10", "其他行政权力"
    PUBLIC_SERVICE = "20", "公共服务"


class ExerciseLevel(models.TextChoices):
    """行使层级."""

    NATIONAL = "1", "国家"
    PROVINCE = "2", "省"
    CITY = "3", "市"
    COUNTY = "4", "县"
    TOWN = "5", "乡镇街道"
    VILLAGE = "6", "村社区"
    TIERED = "7", "分级管理"


class BodyNature(models.TextChoices):
    """实施主体性质."""

    STATUTORY = "1", "法定机关"
    AUTHORISED = "2", "授权组织"
    ENTRUSTED = "3", "受委托组织"
    OTHER = "9", "其他"


class ServiceObject(models.TextChoices):
    """服务对象."""

    NATURAL_PERSON = "1", "自然人"
    ENTERPRISE = "2", "企业法人"
    PUBLIC_INSTITUTION = "3", "事业法人"
    SOCIAL_ORGANISATION = "4", "社会组织法人"
    GOVERNMENT = "5", "行政机关"
    OTHER = "6", "其他组织"


class HandlingForm(models.TextChoices):
    """办理形式."""

    WINDOW = "1", "窗口办理"
    ONLINE_PC = "2", "网上办理(电脑端)"
    MOBILE = "3", "移动端"
    POST = "4", "快递"
    OTHER = "9", "其他"


class HandlingType(models.TextChoices):
    """办件类型."""

    IMMEDIATE = "1", "即办件"
    PROMISED = "2", "承诺件"
    OTHER = "9", "其他"


class OnlineDepth(models.TextChoices):
    """网上办理深度: Ⅳ = 全程网办."""

    I = "1", "Ⅰ级（网上咨询）"  # noqa: E741 (the national numeral)
    II = "2", "Ⅱ级（网上预审）"
    III = "3", "Ⅲ级（网上受理）"
    IV = "4", "Ⅳ级（全程网办）"


class CrossAreaScope(models.TextChoices):
    """通办范围."""

    NONE = "none", "不通办"
    COUNTY = "county", "全县通办"
    CITY = "city", "全市通办"
    PROVINCE = "province", "全省通办"
    NATIONAL = "national", "全国通办"


class LicenceReformMeasure(models.TextChoices):
    """证照分离 reform measure (国发〔2021〕7号)."""

    NONE = "", "不涉及"
    ABOLISHED = "abolish", "直接取消审批"
    FILING = "filing", "审批改为备案"
    COMMITMENT = "commitment", "实行告知承诺"
    OPTIMISED = "optimise", "优化审批服务"


class CatalogEdition(models.Model):
    """An edition of the implementation list (事项清单版本), e.g. 2026年版.

    Versions revised for a yearly edition belong to it, so two editions can be compared
    (the "四减" figures: materials, steps, working days and visits cut).
    """

    name = models.CharField("名称", max_length=40, unique=True)
    effective_date = models.DateField("施行日期")
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "清单版本"
        verbose_name_plural = "清单版本"
        ordering = ["-effective_date"]

    def __str__(self) -> str:
        return self.name


class Matter(models.Model):
    """The identity of a matter across its versions: its implementation code (实施编码)."""

    code = models.CharField("实施编码", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "事项"
        verbose_name_plural = "事项"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class MatterVersion(models.Model):
    """One version of a matter's implementation list entry (实施清单)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        RETIRED = "retired", "已废止"

    matter = models.ForeignKey(Matter, verbose_name="事项", on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField("版本号")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    valid_from = models.DateField("计划生效日期", null=True, blank=True)
    valid_to = models.DateField("计划取消日期", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retired_at = models.DateTimeField("废止时间", null=True, blank=True)
    edition = models.ForeignKey(
        CatalogEdition,
        verbose_name="所属清单版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    # Identity
    name = models.CharField("事项名称", max_length=200)
    basic_code = models.CharField("基本编码", max_length=40, blank=True)
    matter_type = models.CharField("事项类型", max_length=2, choices=MatterType.choices)
    legal_basis = models.TextField("设定依据", blank=True)
    exercise_level = models.CharField(
        "行使层级", max_length=1, choices=ExerciseLevel.choices, default=ExerciseLevel.COUNTY
    )
    keywords = models.CharField("关键词", max_length=200, blank=True)

    # Who
    department = models.ForeignKey(
        "hall.Department", verbose_name="实施主体", on_delete=models.PROTECT, related_name="matter_versions"
    )
    body_nature = models.CharField(
        "实施主体性质", max_length=1, choices=BodyNature.choices, default=BodyNature.STATUTORY
    )
    co_departments = models.ManyToManyField(
        "hall.Department", verbose_name="联办部门", blank=True, related_name="co_matter_versions"
    )

    # Time limits, in working days
    legal_limit_days = models.PositiveIntegerField("法定办结时限（工作日）")
    legal_limit_note = models.CharField("法定时限说明", max_length=300, blank=True)
    promised_limit_days = models.PositiveIntegerField("承诺办结时限（工作日）")
    promised_limit_note = models.CharField("承诺时限说明", max_length=300, blank=True)
    handling_type = models.CharField(
        "办件类型", max_length=1, choices=HandlingType.choices, default=HandlingType.PROMISED
    )

    # Process
    acceptance_conditions = models.TextField("受理条件", blank=True)
    special_procedures = models.TextField("特别程序", blank=True)
    intermediary_services = models.TextField("中介服务", blank=True)
    quantity_limit = models.CharField("数量限制", max_length=300, blank=True)
    result_name = models.CharField("审批结果名称", max_length=200, blank=True)
    result_is_licence = models.BooleanField("结果为证照", default=False)
    result_sample = models.CharField("审批结果样本", max_length=300, blank=True)

    # Fees
    is_charged = models.BooleanField("是否收费", default=False)
    fee_basis = models.TextField("收费依据", blank=True)
    fee_standard = models.TextField("收费标准", blank=True)

    # Service
    service_objects = models.JSONField("服务对象", default=list, blank=True)  # list of ServiceObject values
    service_theme = models.CharField("服务主题", max_length=100, blank=True)
    handling_forms = models.JSONField("办理形式", default=list, blank=True)  # list of HandlingForm values
    cross_area_scope = models.CharField(
        "通办范围", max_length=16, choices=CrossAreaScope.choices, default=CrossAreaScope.NONE
    )

    # Flags
    supports_appointment = models.BooleanField("支持预约办理", default=False)
    supports_online_payment = models.BooleanField("支持网上支付", default=False)
    supports_postal_delivery = models.BooleanField("支持物流快递", default=False)
    supports_online_handling = models.BooleanField("支持网上办理", default=False)
    online_handling_url = models.CharField("网上办理地址", max_length=300, blank=True)
    in_hall = models.BooleanField("进驻政务大厅", default=True)
    online_depth = models.CharField("网上办理深度", max_length=1, choices=OnlineDepth.choices, default=OnlineDepth.I)
    site_visits = models.PositiveSmallIntegerField("到办事现场次数", default=1)
    site_visit_reason = models.CharField("必须现场办理原因", max_length=300, blank=True)

    # Place and contacts
    place = models.CharField("办理地点", max_length=300, blank=True)
    hours = models.CharField("办理时间", max_length=200, blank=True)
    consultation_phone = models.CharField("咨询电话", max_length=60, blank=True)
    supervision_phone = models.CharField("监督投诉电话", max_length=60, blank=True)

    # Reform
    licence_reform_measure = models.CharField(
        "证照分离改革方式",
        max_length=16,
        choices=LicenceReformMeasure.choices,
        default=LicenceReformMeasure.NONE,
        blank=True,
    )
    commitment_allowed = models.BooleanField("实行告知承诺", default=False)

    class Meta:
        verbose_name = "事项版本"
        verbose_name_plural = "事项版本"
        ordering = ["matter__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "version"], name="matterversion_version_unique"),
            models.UniqueConstraint(
                fields=["matter"], condition=Q(status="published"), name="matterversion_one_published_per_matter"
            ),
            models.CheckConstraint(condition=Q(site_visits__lte=2), name="matterversion_site_visits_0_to_2"),
        ]
        indexes = [
            models.Index(fields=["status", "department"], name="matterversion_status_dept_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（v{self.version}）"

    @property
    def code(self) -> str:
        return self.matter.code

    @property
    def is_immediate(self) -> bool:
        return self.handling_type == HandlingType.IMMEDIATE

    @property
    def service_object_labels(self) -> list[str]:
        labels = dict(ServiceObject.choices)
        return [labels.get(v, v) for v in self.service_objects or []]

    @property
    def handling_form_labels(self) -> list[str]:
        labels = dict(HandlingForm.choices)
        return [labels.get(v, v) for v in self.handling_forms or []]


class SubItem(models.Model):
    """Business handling item (业务办理项) of a matter version."""

    version = models.ForeignKey(
        MatterVersion, verbose_name="事项版本", on_delete=models.CASCADE, related_name="sub_items"
    )
    code = models.CharField("业务办理项编码", max_length=80)
    name = models.CharField("名称", max_length=200)
    online_depth = models.CharField("网上办理深度", max_length=1, choices=OnlineDepth.choices, default=OnlineDepth.I)
    promised_limit_days = models.PositiveIntegerField("承诺办结时限（工作日）", null=True, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=100)

    class Meta:
        verbose_name = "业务办理项"
        verbose_name_plural = "业务办理项"
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="subitem_code_unique_per_version")]

    def __str__(self) -> str:
        return self.name


class Material(models.Model):
    """A material (申请材料) an applicant supplies."""

    class Form(models.TextChoices):
        PAPER = "paper", "纸质"
        ELECTRONIC = "electronic", "电子"
        BOTH = "both", "纸质和电子"

    class Source(models.TextChoices):
        APPLICANT = "applicant", "申请人自备"
        GOVERNMENT = "government", "政府部门核发"
        INTERMEDIARY = "intermediary", "中介机构出具"
        SHARED = "shared", "部门共享获取"
        OTHER = "other", "其他"

    version = models.ForeignKey(
        MatterVersion, verbose_name="事项版本", on_delete=models.CASCADE, related_name="materials"
    )
    sub_item = models.ForeignKey(
        SubItem, verbose_name="适用办理项", null=True, blank=True, on_delete=models.CASCADE, related_name="materials"
    )
    name = models.CharField("材料名称", max_length=200)
    issuing_body = models.CharField("出具单位", max_length=200, blank=True)
    originals = models.PositiveSmallIntegerField("原件份数", default=0)
    copies = models.PositiveSmallIntegerField("复印件份数", default=0)
    is_required = models.BooleanField("必要材料", default=True)
    material_form = models.CharField("材料形式", max_length=16, choices=Form.choices, default=Form.PAPER)
    source_channel = models.CharField("来源渠道", max_length=16, choices=Source.choices, default=Source.APPLICANT)
    blank_form = models.CharField("空白表格", max_length=300, blank=True)
    sample = models.CharField("示例样表", max_length=300, blank=True)
    filling_notes = models.TextField("填报须知", blank=True)
    acceptance_standard = models.TextField("受理标准", blank=True)
    may_be_missing = models.BooleanField("可容缺受理", default=False)
    sort_order = models.PositiveIntegerField("排序", default=100)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class ProcessStep(models.Model):
    """A step of the handling process (办理流程), e.g. 受理 → 审查 → 决定 → 送达."""

    version = models.ForeignKey(MatterVersion, verbose_name="事项版本", on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("环节名称", max_length=60)
    actor = models.CharField("办理人员", max_length=60, blank=True)
    limit_days = models.PositiveSmallIntegerField("环节时限（工作日）", default=0)
    description = models.TextField("办理内容与标准", blank=True)

    class Meta:
        verbose_name = "办理环节"
        verbose_name_plural = "办理流程"
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["version", "order"], name="processstep_order_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class ThemeService(models.Model):
    """A theme service (一件事一次办) bundling matters of several departments into one intake.

    It names matters, not versions: an intake uses each matter's version published at that time.
    """

    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    description = models.TextField("说明", blank=True)
    matters = models.ManyToManyField(Matter, verbose_name="包含事项", related_name="theme_services")
    promised_limit_days = models.PositiveIntegerField("承诺办结时限（工作日）", default=1)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "主题服务（一件事）"
        verbose_name_plural = "主题服务（一件事）"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class MatterDelegation(models.Model):
    """Where a matter can be done besides the county hall (事项下放/委托/代收代办).

    High-frequency matters are delegated (下放) to town centres, some powers are entrusted (委托)
    to an industrial park, and village stations collect and forward (代收代办). Each record names the
    document and the date, and whether the site decides (受理并办结) or only collects (只收件，转县级办理).
    It belongs to the matter, not a version: a revision of the guide does not undo a delegation.
    """

    class Kind(models.TextChoices):
        DELEGATED = "delegated", "下放"
        ENTRUSTED = "entrusted", "委托"
        COLLECT = "collect", "代收代办"

    matter = models.ForeignKey(Matter, verbose_name="事项", on_delete=models.CASCADE, related_name="delegations")
    site = models.ForeignKey(
        "hall.Site", verbose_name="承接场所", on_delete=models.PROTECT, related_name="matter_delegations"
    )
    kind = models.CharField("方式", max_length=16, choices=Kind.choices, default=Kind.DELEGATED)
    decides = models.BooleanField("承接场所作出决定", default=True, help_text="否：只收件，转县级部门审批（代收代办）")
    document = models.CharField("依据文件（文号）", max_length=200)
    effective_date = models.DateField("下放（委托）日期")
    revoked_date = models.DateField("收回日期", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "事项下放（委托）"
        verbose_name_plural = "事项下放（委托）"
        ordering = ["matter", "site"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "site"], name="catalog_delegation_one_per_matter_site"),
            models.CheckConstraint(
                condition=~Q(kind="collect") | Q(decides=False),
                name="catalog_delegation_collect_never_decides",
            ),
            models.CheckConstraint(
                condition=Q(revoked_date__isnull=True) | Q(revoked_date__gt=models.F("effective_date")),
                name="catalog_delegation_revoked_after_effective",
            ),
        ]
        indexes = [models.Index(fields=["site", "matter"], name="catalog_delegation_site_idx")]

    def __str__(self) -> str:
        return f"{self.matter} → {self.site}（{self.get_kind_display()}）"

    def clean(self):
        if self.kind == self.Kind.COLLECT and self.decides:
            raise ValidationError({"decides": "代收代办的场所只收件，不能作出决定。"})
        if self.revoked_date and self.effective_date and self.revoked_date <= self.effective_date:
            raise ValidationError({"revoked_date": "收回日期须晚于下放日期。"})

    def is_active_on(self, day) -> bool:
        return self.effective_date <= day and (self.revoked_date is None or self.revoked_date > day)
