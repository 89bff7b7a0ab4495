"""Validators for national identifiers: resident ID (GB 11643), unified social credit code
(GB 32100), mobile phone numbers and division codes. Messages are what the user sees."""

import re
from datetime import date

from django.core.exceptions import ValidationError

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

MOBILE_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def resident_id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK[total % 11]


def validate_resident_id(value: str) -> None:
    """居民身份证号码: 18 characters, a real birth date and a correct check character."""
    value = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError("身份证号码应为 18 位，前 17 位为数字，最后一位为数字或 X。", code="format")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError("身份证号码中的出生日期无效。", code="birth_date") from None
    if birth.year < 1900 or birth > date.today():
        raise ValidationError("身份证号码中的出生日期无效。", code="birth_date")
    if resident_id_check_char(value[:17]) != value[17]:
        raise ValidationError("身份证号码校验位不正确，请核对后重新输入。", code="check_digit")


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """统一社会信用代码: 18 characters from the GB 32100 charset with a correct check character."""
    value = (value or "").strip().upper()
    if len(value) != 18:
        raise ValidationError("统一社会信用代码应为 18 位。", code="length")
    if any(c not in CREDIT_CODE_CHARSET for c in value):
        raise ValidationError("统一社会信用代码含有无效字符（不使用 I、O、S、V、Z）。", code="charset")
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError("统一社会信用代码校验位不正确，请核对后重新输入。", code="check_digit")


def validate_mobile_phone(value: str) -> None:
    """中国大陆手机号码: 11 digits starting with 13–19."""
    if not MOBILE_PHONE_RE.fullmatch(value or ""):
        raise ValidationError("请输入 11 位有效的手机号码。", code="format")


def validate_division_code(value: str) -> None:
    """行政区划代码: six digits."""
    if not re.fullmatch(r"\d{6}", value or ""):
        raise ValidationError("行政区划代码应为 6 位数字。", code="format")


# Dates the product can serve (业务日期范围): from the founding year to the end of the century.
# Everything else (a typo like 0202-05-01, a fuzzer's 9999-12-31) is refused with a 400 rather
# than counted over millions of days or overflowing date arithmetic.
SERVICE_DATE_MIN = date(1949, 1, 1)
SERVICE_DATE_MAX = date(2100, 12, 31)
SERVICE_DATE_MESSAGE = "日期超出可办理范围：须在 1949-01-01 至 2100-12-31 之间。"


def validate_service_date(value) -> None:
    """Any date accepted from a user: within SERVICE_DATE_MIN … SERVICE_DATE_MAX."""
    if value is None:
        return
    day = value.date() if hasattr(value, "date") and callable(value.date) else value
    if not isinstance(day, date):
        return
    if not SERVICE_DATE_MIN <= day <= SERVICE_DATE_MAX:
        raise ValidationError(SERVICE_DATE_MESSAGE, code="date_out_of_range")
