"""National identifiers and masking of personal data."""

import pytest
from django.core.exceptions import ValidationError

from hall.privacy import mask_id_number, mask_name, mask_phone
from hall.validators import validate_credit_code, validate_mobile_phone, validate_resident_id


@pytest.mark.parametrize("value", ["11010519491231002X", "11010519491231002x"])
def test_valid_resident_id(value):
    validate_resident_id(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("110105194912310021", "身份证号码校验位不正确，请核对后重新输入。"),
        ("11010519491331002X", "身份证号码中的出生日期无效。"),
        ("1101051949123100", "身份证号码应为 18 位，前 17 位为数字，最后一位为数字或 X。"),
        ("11010519491231002Y", "身份证号码应为 18 位，前 17 位为数字，最后一位为数字或 X。"),
    ],
)
def test_invalid_resident_id_gets_a_clear_message(value, message):
    with pytest.raises(ValidationError) as excinfo:
        validate_resident_id(value)
    assert excinfo.value.messages == [message]


@pytest.mark.parametrize("value", ["91440300708461136T", "91110000802100433B", "91330100716105852F"])
def test_valid_credit_codes(value):
    validate_credit_code(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("91440300708461136A", "统一社会信用代码校验位不正确，请核对后重新输入。"),
        ("9144030070846113", "统一社会信用代码应为 18 位。"),
        ("91440300708461I36T", "统一社会信用代码含有无效字符（不使用 I、O、S、V、Z）。"),
    ],
)
def test_invalid_credit_codes(value, message):
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(value)
    assert excinfo.value.messages == [message]


@pytest.mark.parametrize("value", ["13800138000", "19912345678"])
def test_valid_phone(value):
    validate_mobile_phone(value)


@pytest.mark.parametrize("value", ["12800138000", "1380013800", "138001380001", "0317-5212345"])
def test_invalid_phone(value):
    with pytest.raises(ValidationError, match="请输入 11 位有效的手机号码。"):
        validate_mobile_phone(value)


def test_masking_keeps_only_what_identifies_nobody():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳明月") == "欧**月"
    assert mask_id_number("") == mask_phone("") == ""
