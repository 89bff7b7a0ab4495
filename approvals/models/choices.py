"""The enumerations of applications (办理状态, 渠道, 证件类型, 计时状态, 预警级别 …) and status groups."""

from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    """办理状态 of an application."""

    RECEIVED = "received", "已接件"
    SUBMITTED = "submitted", "网上已提交"
    PREREVIEW = "prereview", "网上预审中"
    SUPPLEMENT_REQUESTED = "supplement_requested", "补正中"
    SUPPLEMENTED = "supplemented", "已补正"
    ACCEPTED = "accepted", "已受理"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    UNDER_REVIEW = "under_review", "审查中"
    SPECIAL_PROCEDURE = "special_procedure", "特别程序中"
    DECIDED = "decided", "已决定"
    COMPLETED = "completed", "已办结"
    DELIVERED = "delivered", "已送达"
    WITHDRAWN = "withdrawn", "已撤回"
    REVOKED = "revoked", "已撤销"


# Statuses before acceptance: the bureau still owes the applicant an answer (art. 32).
PRE_ACCEPTANCE_STATUSES = (Status.RECEIVED, Status.SUBMITTED, Status.PREREVIEW, Status.SUPPLEMENTED)
# Statuses in which the legal clock is started and not yet stopped (the sweep's rows).
CLOCK_OPEN_STATUSES = (Status.ACCEPTED, Status.UNDER_REVIEW, Status.SPECIAL_PROCEDURE, Status.DECIDED)
FINAL_STATUSES = (Status.NOT_ACCEPTED, Status.DELIVERED, Status.WITHDRAWN, Status.REVOKED)


class Channel(models.TextChoices):
    """申请渠道."""

    WINDOW = "window", "窗口"
    ONLINE_PC = "online_pc", "网上办理（电脑端）"
    MOBILE = "mobile", "移动端"
    TOWN_SITE = "town_site", "乡镇（街道）便民服务中心"
    POST = "post", "邮寄"


ONLINE_CHANNELS = (Channel.ONLINE_PC, Channel.MOBILE)


class ApplicantType(models.TextChoices):
    NATURAL_PERSON = "natural", "自然人"
    LEGAL_PERSON = "legal", "法人或其他组织"


class IdType(models.TextChoices):
    """证件类型."""

    RESIDENT_ID = "resident_id", "居民身份证"
    PASSPORT = "passport", "护照"
    HK_MACAO_PERMIT = "hk_macao", "港澳居民来往内地通行证"
    TAIWAN_PERMIT = "taiwan", "台湾居民来往大陆通行证"
    FOREIGN_RESIDENCE = "foreign_residence", "外国人永久居留身份证"


class ClockState(models.TextChoices):
    """法定时限计时状态."""

    NOT_STARTED = "not_started", "未开始"
    RUNNING = "running", "计时中"
    PAUSED = "paused", "暂停计时"
    STOPPED = "stopped", "已停止"


class WarningLevel(models.TextChoices):
    """预警级别: 黄牌 when few working days remain, 红牌 when overdue."""

    NONE = "none", "正常"
    YELLOW = "yellow", "黄牌"
    RED = "red", "红牌"


class Decision(models.TextChoices):
    NONE = "", "未决定"
    APPROVED = "approved", "准予许可"
    DENIED = "denied", "不予许可"


class DeliveryMethod(models.TextChoices):
    """送达方式."""

    PICKUP = "pickup", "窗口领取"
    POST = "post", "邮寄送达"
    ELECTRONIC = "electronic", "电子送达"
