"""People: staff of the bureau and the public (群众/企业), in one custom user model."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from hall.validators import validate_mobile_phone, validate_resident_id


class HallUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `manage.py createsuperuser` makes a 系统管理员, never a public user with admin rights.
        extra_fields.setdefault("role", User.Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in: window clerk, approver, inspector, supervisor, leader, administrator,
    or a citizen / enterprise user (群众/企业)."""

    class Role(models.TextChoices):
        CLERK = "clerk", "窗口人员"
        APPROVER = "approver", "审批人员"
        INSPECTOR = "inspector", "勘验人员"
        SUPERVISOR = "supervisor", "大厅管理"
        LEADER = "leader", "局领导"
        ADMIN = "admin", "系统管理员"
        PUBLIC = "public", "群众/企业"

    STAFF_ROLES = (Role.CLERK, Role.APPROVER, Role.INSPECTOR, Role.SUPERVISOR, Role.LEADER, Role.ADMIN)

    # Django's first/last name split does not fit Chinese names: one full name instead.
    first_name = None
    last_name = None

    full_name = models.CharField("姓名", max_length=50)
    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.PUBLIC, db_index=True)
    phone = models.CharField("手机号码", max_length=11, blank=True, validators=[validate_mobile_phone])
    id_number = models.CharField(
        "身份证号码",
        max_length=18,
        blank=True,
        validators=[validate_resident_id],
        help_text="个人信息：列表中脱敏显示，仅有权限的人员可查看完整号码。",
    )
    department = models.ForeignKey(
        "hall.Department",
        verbose_name="所属部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    site = models.ForeignKey(
        "hall.Site", verbose_name="工作场所", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    window = models.ForeignKey(
        "hall.Window", verbose_name="所在窗口", null=True, blank=True, on_delete=models.SET_NULL, related_name="clerks"
    )
    failed_login_count = models.PositiveSmallIntegerField("连续登录失败次数", default=0, editable=False)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True, editable=False)

    objects = HallUserManager()

    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="public") | Q(department__isnull=True, window__isnull=True, is_staff=False),
                name="user_public_has_no_department_window_or_admin",
            ),
            models.CheckConstraint(
                condition=Q(window__isnull=True) | Q(role="clerk"),
                name="user_only_clerks_sit_at_windows",
            ),
            models.UniqueConstraint(
                fields=["window"], condition=Q(window__isnull=False), name="user_one_clerk_per_window"
            ),
            models.UniqueConstraint(
                fields=["phone"], condition=Q(role="public") & ~Q(phone=""), name="user_public_phone_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}（{self.username}）" if self.full_name else self.username

    def clean(self):
        super().clean()
        errors = {}
        if self.role == self.Role.PUBLIC:
            if self.department_id:
                errors["department"] = "群众/企业用户不属于任何部门。"
            if self.window_id:
                errors["window"] = "群众/企业用户不能分配窗口。"
        else:
            if self.window_id and self.role != self.Role.CLERK:
                errors["window"] = "只有窗口人员可以分配到窗口。"
            if not self.department_id and self.role != self.Role.ADMIN:
                errors["department"] = "工作人员须选择所属部门。"
        if self.window_id and self.site_id and self.window.site_id != self.site_id:
            errors["window"] = "所选窗口不在该用户的工作场所。"
        if errors:
            raise ValidationError(errors)

    @property
    def is_public(self) -> bool:
        return self.role == self.Role.PUBLIC

    @property
    def is_bureau_staff(self) -> bool:
        return self.role in self.STAFF_ROLES

    def is_locked(self, now=None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())
