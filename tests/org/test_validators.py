"""ID number (GB 11643-1999) and phone validation, and masking."""

import pytest
from django.core.exceptions import ValidationError

from xuefen.org.validators import (
    id_check_char,
    id_number_sex,
    mask_id_number,
    validate_id_number,
    validate_phone,
)

# The standard's own worked example ends in X; the second is a digit-check example.
VALID_X = "11010519491231002X"
VALID_DIGIT = "440524198001010013"


def _codes(value: str) -> str:
    with pytest.raises(ValidationError) as info:
        validate_id_number(value)
    return info.value.error_list[0].code


def test_valid_numbers_pass():
    validate_id_number(VALID_X)
    validate_id_number(VALID_DIGIT)


def test_x_check_digit_is_computed_and_lowercase_accepted():
    assert id_check_char(VALID_X[:17]) == "X"
    validate_id_number(VALID_X.lower())


def test_wrong_check_digit():
    wrong = VALID_DIGIT[:17] + ("5" if VALID_DIGIT[17] != "5" else "6")
    assert _codes(wrong) == "id_check_digit"
    assert _codes(VALID_X[:17] + "0") == "id_check_digit"


@pytest.mark.parametrize("value", ["", "1101051949123100", VALID_X + "1", "11010519491231002"])
def test_wrong_length(value):
    assert _codes(value) == "id_length"


def test_letters_and_impossible_birth_dates():
    assert _codes("1101051949123100A1") == "id_shape"
    first17 = "11010519490231002"  # 31 February
    assert _codes(first17 + id_check_char(first17)) == "id_birth"


def test_error_messages_never_repeat_the_number():
    with pytest.raises(ValidationError) as info:
        validate_id_number(VALID_DIGIT[:17] + "9")
    assert VALID_DIGIT[:17] not in " ".join(info.value.messages)


def test_sex_and_mask():
    assert id_number_sex(VALID_X) == "female"  # 17th digit 2
    assert id_number_sex(VALID_DIGIT) == "male"  # 17th digit 1
    assert mask_id_number(VALID_DIGIT) == "440524********0013"


@pytest.mark.parametrize("value", ["13812345678", "0577-6712345", "08796712345"])
def test_phone_ok(value):
    validate_phone(value)


@pytest.mark.parametrize("value", ["1381234567", "phone", "23812345678"])
def test_phone_bad(value):
    with pytest.raises(ValidationError):
        validate_phone(value)
