"""Market entities (市场主体), their registration history, the 企业开办 bundle, deregistration and dormancy.

No workflow lives here: every write goes through ``enterprises.services``; fields and named
database constraints only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class EntityType(models.TextChoices):
    """市场主体类型 (国务院令第746号 第二条)."""

    LLC = "llc", "有限责任公司"
    JOINT_STOCK = "joint_stock", "股份有限公司"
    NON_COMPANY = "non_company", "非公司企业法人"
    SOLE = "sole", "个人独资企业"
    PARTNERSHIP = "partnership", "合伙企业"
    COOPERATIVE = "cooperative", "农民专业合作社"
    INDIVIDUAL = "individual", "个体工商户"
    FOREIGN_BRANCH = "foreign_branch", "外国公司分支机构"
    BRANCH = "branch", "分支机构"


# GB 32100 entity category: the code's first two characters (登记管理部门 9 = 市场监管, then the category).
CREDIT_CODE_PREFIX = {EntityType.INDIVIDUAL: "92", EntityType.COOPERATIVE: "93"}
DEFAULT_CREDIT_CODE_PREFIX = "91"


class EntityStatus(models.TextChoices):
    """登记状态."""

    ACTIVE = "active", "存续"
    DORMANT = "dormant", "歇业"
    IN_NOTICE = "in_notice", "注销公示中"
    DEREGISTERED = "deregistered", "已注销"
    REVOKED = "revoked", "吊销"


CLOSED_STATUSES = (EntityStatus.DEREGISTERED, EntityStatus.REVOKED)


class Industry(models.TextChoices):
    """国民经济行业门类 (GB/T 4754-2017 sections)."""

    A = "A", "农、林、牧、渔业"
    B = "B", "采矿业"
    C = "C", "制造业"
    D = "D", "电力、热力、燃气及水生产和供应业"
    E = "E", "建筑业"
    F = "F", "批发和零售业"
    G = "G", "交通运输、仓储和邮政业"
    H = "H", "住宿和餐饮业"
    I = "I", "信息传输、软件和信息技术服务业"  # noqa: E741
    J = "J", "金融业"
    K = "K", "房地产业"
    L = "L", "租赁和商务服务业"
    M = "M", "科学研究和技术服务业"
    N = "N", "水利、环境和公共设施管理业"
    O = "O", "居民服务、修理和其他服务业"  # noqa: E741
    P = "P", "教育"
    Q = "Q", "卫生和社会工作"
    R = "R", "文化、体育和娱乐业"
    S = "S", "公共管理、社会保障和社会组织"
    T = "T", "国际组织"


class MarketEntity(models.Model):
    """A market entity on the register (市场主体名录)."""

    credit_code = models.CharField("统一社会信用代码", max_length=18)
    name = models.CharField("名称", max_length=200)
    entity_type = models.CharField("主体类型", max_length=16, choices=EntityType.choices)
    legal_representative = models.CharField("法定代表人（经营者）", max_length=50)
    legal_representative_id_number = models.CharField("法定代表人身份证号码", max_length=18, blank=True)
    registered_capital = models.DecimalField("注册资本（万元）", max_digits=14, decimal_places=2, default=0)
    address = models.CharField("住所（经营场所）", max_length=200)
    industry = models.CharField("行业门类", max_length=1, choices=Industry.choices)
    contact_phone = models.CharField("联系电话", max_length=11, blank=True)
    site = models.ForeignKey(
        "hall.Site", verbose_name="登记场所", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(
        "hall.Division", verbose_name="登记区划", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("登记状态", max_length=16, choices=EntityStatus.choices, default=EntityStatus.ACTIVE)
    registered_on = models.DateField("成立日期")
    deregistered_on = models.DateField("注销日期", null=True, blank=True)
    converted_from = models.OneToOneField(
        "self",
        verbose_name="个转企前的个体工商户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="converted_to",
    )
    is_load_data = models.BooleanField("压测数据", default=False, editable=False)
    created_at = models.DateTimeField("入库时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "市场主体"
        verbose_name_plural = "市场主体"
        ordering = ["-registered_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], name="enterprises_entity_credit_code_unique"),
            models.CheckConstraint(
                condition=Q(deregistered_on__isnull=True) | Q(deregistered_on__gte=models.F("registered_on")),
                name="enterprises_entity_deregistered_after_registered",
            ),
            models.CheckConstraint(condition=Q(registered_capital__gte=0), name="enterprises_entity_capital_positive"),
        ]
        indexes = [
            models.Index(fields=["registered_on", "entity_type"], name="ent_entity_reg_type_idx"),
            models.Index(fields=["deregistered_on", "entity_type"], name="ent_entity_dereg_type_idx"),
            models.Index(fields=["status", "entity_type"], name="ent_entity_status_type_idx"),
            models.Index(fields=["name"], name="ent_entity_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.credit_code}）"


class CreditCodeSequence(models.Model):
    """The last organisation-code serial issued per division (赋码流水号), taken under a row lock."""

    division_code = models.CharField("区划代码", max_length=6)
    last_value = models.PositiveIntegerField("当前流水号", default=0)

    class Meta:
        verbose_name = "赋码流水号"
        verbose_name_plural = "赋码流水号"
        constraints = [
            models.UniqueConstraint(fields=["division_code"], name="enterprises_code_sequence_division_unique")
        ]

    def __str__(self) -> str:
        return f"{self.division_code}:{self.last_value}"


class EntityFlow(models.Model):
    """Daily rollup of the register (登记流量): entities registered and deregistered per day, type and
    site. Stock at a date is Σ registered − Σ deregistered up to it; kept by the register's services
    in the same transaction as the change, and rebuilt from the register by ``rollup_rebuild``."""

    day = models.DateField("日期")
    entity_type = models.CharField("主体类型", max_length=16, choices=EntityType.choices)
    site_key = models.IntegerField("登记场所编号", default=0, help_text="0 表示未记录场所")
    registered = models.IntegerField("设立数", default=0)
    deregistered = models.IntegerField("注销数", default=0)

    class Meta:
        verbose_name = "登记流量（日汇总）"
        verbose_name_plural = "登记流量（日汇总）"
        constraints = [
            models.UniqueConstraint(fields=["day", "entity_type", "site_key"], name="enterprises_flow_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.entity_type} +{self.registered} -{self.deregistered}"


class ActKind(models.TextChoices):
    """登记行为."""

    ESTABLISH = "establish", "设立登记"
    IMPORT = "import", "存量导入"
    CHANGE = "change", "变更登记"
    DORMANCY = "dormancy", "歇业备案"
    DORMANCY_EXTEND = "dormancy_extend", "歇业延期"
    RESUME = "resume", "恢复营业"
    NOTICE = "notice", "简易注销公示"
    OBJECTION = "objection", "注销异议"
    DEREGISTER = "deregister", "注销登记"
    CONVERT = "convert", "个转企"
    REVOKE = "revoke", "吊销营业执照"


class RegistrationAct(models.Model):
    """One registration act in an entity's history (登记档案); append-only."""

    entity = models.ForeignKey(MarketEntity, verbose_name="市场主体", on_delete=models.PROTECT, related_name="acts")
    kind = models.CharField("登记行为", max_length=20, choices=ActKind.choices)
    occurred_on = models.DateField("发生日期")
    changes = models.JSONField("变更事项", default=dict, blank=True)
    note = models.TextField("说明", blank=True)
    application = models.ForeignKey(
        "approvals.Application",
        verbose_name="办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    related_entity = models.ForeignKey(
        MarketEntity, verbose_name="关联主体", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "登记档案"
        verbose_name_plural = "登记档案"
        ordering = ["entity", "created_at", "id"]
        indexes = [models.Index(fields=["kind", "occurred_on"], name="ent_act_kind_on_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class StartupBundle(models.Model):
    """企业开办 one-window bundle: the registration data over an approvals theme bundle (一件事)."""

    class State(models.TextChoices):
        OPEN = "open", "办理中"
        RETURNED = "returned", "已退件"
        FINISHED = "finished", "全部办结"

    bundle = models.OneToOneField(
        "approvals.ApplicationBundle", verbose_name="一件事", on_delete=models.PROTECT, related_name="startup"
    )
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.OPEN)
    # Registration data (设立登记信息) captured at intake.
    name = models.CharField("拟设立名称", max_length=200)
    entity_type = models.CharField("主体类型", max_length=16, choices=EntityType.choices)
    legal_representative = models.CharField("法定代表人", max_length=50)
    legal_representative_id_number = models.CharField("法定代表人身份证号码", max_length=18)
    registered_capital = models.DecimalField("注册资本（万元）", max_digits=14, decimal_places=2)
    address = models.CharField("住所", max_length=200)
    industry = models.CharField("行业门类", max_length=1, choices=Industry.choices)
    phone = models.CharField("联系电话", max_length=11)
    site = models.ForeignKey("hall.Site", verbose_name="受理场所", on_delete=models.PROTECT, related_name="+")
    # Timing (in the hall's opening hours).
    submitted_at = models.DateTimeField("材料齐全提交时间")
    finished_at = models.DateTimeField("全部办结时间", null=True, blank=True)
    finished_on = models.DateField("办结日期", null=True, blank=True, db_index=True)
    elapsed_minutes = models.PositiveIntegerField("用时（工作分钟）", null=True, blank=True)
    target_minutes = models.PositiveIntegerField("目标时限（工作分钟）")
    within_target = models.BooleanField("在目标时限内", null=True, blank=True)
    return_count = models.PositiveIntegerField("退件次数", default=0)
    # Results.
    entity = models.OneToOneField(
        MarketEntity, verbose_name="市场主体", null=True, blank=True, on_delete=models.PROTECT, related_name="startup"
    )
    e_licence_number = models.CharField("电子营业执照编号", max_length=60, blank=True)
    e_licence_with_registration = models.BooleanField("电子营业执照同步制发", default=False)
    seal_made = models.BooleanField("已刻制印章（免费）", default=False)
    postal_delivery = models.BooleanField("免费寄递执照和印章", default=False)
    postal_address = models.CharField("寄递地址", max_length=200, blank=True)
    tracking_number = models.CharField("邮寄单号", max_length=40, blank=True)
    is_load_data = models.BooleanField("压测数据", default=False, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "企业开办"
        verbose_name_plural = "企业开办"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="finished", finished_at__isnull=False, elapsed_minutes__isnull=False)
                | ~Q(state="finished"),
                name="enterprises_startup_finished_has_time",
            ),
            models.CheckConstraint(
                condition=Q(postal_delivery=False) | ~Q(postal_address=""),
                name="enterprises_startup_postal_has_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.bundle.number}）"


class TaskKind(models.TextChoices):
    """企业开办 tasks, recognised by their matter's name."""

    REGISTRATION = "registration", "设立登记"
    SEAL = "seal", "印章刻制"
    INVOICE = "invoice", "发票与税控设备申领"
    SOCIAL_INSURANCE = "social_insurance", "社保登记/员工参保"
    HOUSING_FUND = "housing_fund", "公积金缴存登记"
    BANK = "bank", "银行预约开户"
    OTHER = "other", "其他"


class StartupTask(models.Model):
    """One parallel task of a 企业开办 bundle: one linked application (办件), its department and window."""

    startup = models.ForeignKey(StartupBundle, verbose_name="企业开办", on_delete=models.CASCADE, related_name="tasks")
    application = models.OneToOneField(
        "approvals.Application", verbose_name="办件", on_delete=models.PROTECT, related_name="startup_task"
    )
    kind = models.CharField("任务", max_length=20, choices=TaskKind.choices)
    window = models.ForeignKey(
        "hall.Window", verbose_name="办理窗口", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_window = models.ForeignKey(
        "hall.Window", verbose_name="完成窗口", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "企业开办任务"
        verbose_name_plural = "企业开办任务"
        ordering = ["startup", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class StartupReturn(models.Model):
    """A returned submission (退件) of a 企业开办 bundle, with its reason."""

    startup = models.ForeignKey(
        StartupBundle, verbose_name="企业开办", on_delete=models.CASCADE, related_name="returns"
    )
    reason = models.TextField("退件理由")
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="退件人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField("退件时间")
    resubmitted_at = models.DateTimeField("重新提交时间", null=True, blank=True)

    class Meta:
        verbose_name = "退件记录"
        verbose_name_plural = "退件记录"
        ordering = ["-returned_at"]

    def __str__(self) -> str:
        return self.reason[:30]


class Deregistration(models.Model):
    """A deregistration (注销): 简易注销 with a 20-day public notice, or 普通注销."""

    class Kind(models.TextChoices):
        SIMPLE = "simple", "简易注销"
        ORDINARY = "ordinary", "普通注销"

    class State(models.TextChoices):
        IN_NOTICE = "in_notice", "公示中"
        OBJECTED = "objected", "因异议终止"
        DEREGISTERED = "deregistered", "已注销"

    entity = models.ForeignKey(
        MarketEntity, verbose_name="市场主体", on_delete=models.PROTECT, related_name="deregistrations"
    )
    kind = models.CharField("注销方式", max_length=16, choices=Kind.choices)
    state = models.CharField("状态", max_length=16, choices=State.choices)
    no_unsettled_debts = models.BooleanField("无未结清债权债务", default=False)
    investors_promise = models.BooleanField("全体投资人书面承诺", default=False)
    reason = models.TextField("注销原因", blank=True)
    notice_starts_on = models.DateField("公示开始日期", null=True, blank=True)
    notice_ends_on = models.DateField("公示结束日期", null=True, blank=True, db_index=True)
    decided_on = models.DateField("注销日期", null=True, blank=True)
    application = models.ForeignKey(
        "approvals.Application", verbose_name="办件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受理人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        verbose_name = "注销登记"
        verbose_name_plural = "注销登记"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity"], condition=Q(state="in_notice"), name="enterprises_one_open_deregistration"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.entity.name}"


class Objection(models.Model):
    """An objection (异议) to a 简易注销 during its public notice; it stops the deregistration."""

    deregistration = models.ForeignKey(
        Deregistration, verbose_name="注销", on_delete=models.PROTECT, related_name="objections"
    )
    objector_name = models.CharField("异议人", max_length=100)
    objector_phone = models.CharField("联系电话", max_length=11)
    reason = models.TextField("异议理由")
    created_at = models.DateTimeField("提出时间", auto_now_add=True)

    class Meta:
        verbose_name = "注销异议"
        verbose_name_plural = "注销异议"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.objector_name


class Dormancy(models.Model):
    """A dormancy period (歇业): filed before it starts; at most 3 years in total across periods."""

    class State(models.TextChoices):
        FILED = "filed", "已备案"
        ACTIVE = "active", "歇业中"
        ENDED = "ended", "已恢复营业"

    entity = models.ForeignKey(
        MarketEntity, verbose_name="市场主体", on_delete=models.PROTECT, related_name="dormancies"
    )
    starts_on = models.DateField("歇业开始日期")
    ends_on = models.DateField("歇业结束日期", db_index=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.FILED)
    extends = models.OneToOneField(
        "self", verbose_name="延期的歇业", null=True, blank=True, on_delete=models.PROTECT, related_name="extension"
    )
    reason = models.TextField("歇业原因", blank=True)
    reminded_at = models.DateTimeField("到期提醒时间", null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受理人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("备案时间", auto_now_add=True)

    class Meta:
        verbose_name = "歇业备案"
        verbose_name_plural = "歇业备案"
        ordering = ["entity", "starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="enterprises_dormancy_order"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on}–{self.ends_on}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


class EntityImport(models.Model):
    """An import of existing entities from a spreadsheet (存量市场主体导入): all or nothing."""

    class State(models.TextChoices):
        PENDING = "pending", "等待处理"
        RUNNING = "running", "正在导入"
        DONE = "done", "导入完成"
        REJECTED = "rejected", "有错误，未导入"
        FAILED = "failed", "导入失败"

    file = models.FileField("文件", upload_to="enterprise_imports/", max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.PENDING)
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    imported_rows = models.PositiveIntegerField("已导入行数", default=0)
    errors = models.JSONField("错误（按行）", default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "市场主体导入"
        verbose_name_plural = "市场主体导入"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name
