"""Masking of personal information (个人信息脱敏) for lists and exports (DOMAIN.md §8)."""


def mask_id_number(value: str) -> str:
    """110105********002X: keep the 6-digit address code and the last 4 characters."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 4, 0) + value[-2:]
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """138****1234: keep the first 3 and last 4 digits."""
    if not value:
        return ""
    if len(value) < 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """张*三 / 王*: keep the surname (and the last character of longer names)."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_person(value: str) -> str:
    """An actor as recorded, "张三（13800001234）" → "张*（138****1234）": name and username masked.

    A citizen's username is their phone number, so both halves are personal data.
    """
    if not value:
        return ""
    if value.endswith("）") and "（" in value:
        name, _, username = value[:-1].partition("（")
        return f"{mask_name(name)}（{mask_phone(username)}）"
    return mask_phone(value) if value.isdigit() else mask_name(value)


def is_citizen_actor(event, application) -> bool:
    """Whether a timeline event was done by the applicant (a citizen) rather than by staff."""
    actor_id = getattr(event, "actor_id", None)
    return bool(actor_id) and actor_id == getattr(application, "applicant_user_id", None)
