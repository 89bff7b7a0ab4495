"""Citizens' accounts (群众账号): registration with the phone number as login name."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from approvals.services.common import _check_phone
from hall.models import User
from hall.validators import validate_resident_id


def citizen_register(*, phone: str, password: str, full_name: str, id_number: str, ip: str | None = None) -> User:
    """Sign up a citizen (群众注册): the phone number is the login name; name and ID number checked."""
    from hall.services.accounts import user_create

    errors: dict[str, Any] = {}
    if not full_name.strip():
        errors["full_name"] = "请填写真实姓名。"
    _check_phone(phone, "phone", errors)
    try:
        validate_resident_id(id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    if "phone" not in errors and User.objects.filter(username=phone).exists():
        errors["phone"] = "该手机号码已注册，请直接登录。"
    if errors:
        raise ValidationError(errors)
    return user_create(
        username=phone,
        password=password,
        full_name=full_name.strip(),
        role=User.Role.PUBLIC,
        phone=phone,
        id_number=id_number.strip().upper(),
        ip=ip,
    )
