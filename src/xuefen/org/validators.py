"""Validators for people's data: the GB 11643-1999 citizen ID number, phone numbers.

Error messages never repeat an ID number: they end up in logs and on screens that other
people can see.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 11643-1999 / ISO 7064 MOD 11-2: weights of the first 17 digits and the check characters.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


def normalize_id_number(value: str) -> str:
    """Strip spaces and upper-case a trailing ``x`` (people type both)."""
    return (value or "").strip().replace(" ", "").upper()


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def validate_id_number(value: str) -> None:
    """Check an 18-character citizen ID number: shape, date of birth and check digit."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters, this one has %(n)d."),
            code="id_length",
            params={"n": len(number)},
        )
    if not _ID_SHAPE.match(number):
        raise ValidationError(
            _("An ID number is 17 digits followed by a digit or X."), code="id_shape"
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The date of birth in the ID number (characters 7–14) is not a date."),
            code="id_birth",
        ) from None
    if birth.year < 1900 or birth > dt.date.today():
        raise ValidationError(
            _("The date of birth in the ID number (characters 7–14) is out of range."),
            code="id_birth",
        )
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("The ID number's check digit is wrong; please check the number."),
            code="id_check_digit",
        )


def id_number_sex(value: str) -> str:
    """``male`` or ``female`` from the 17th digit of a valid ID number (odd is male)."""
    return "male" if int(normalize_id_number(value)[16]) % 2 else "female"


def mask_id_number(value: str) -> str:
    """The ID number as lists show it: the region code and the last four, e.g.
    ``330326********1234``."""
    number = normalize_id_number(value)
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(value: str) -> str:
    """A phone number as the audit log keeps it: the first three and the last four digits,
    e.g. ``138****5678`` (a landline ``0577-6712345`` becomes ``057****2345``)."""
    number = (value or "").strip()
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def validate_phone(value: str) -> None:
    """A mainland mobile number (11 digits) or a landline with its area code."""
    if not _PHONE.match((value or "").strip()):
        raise ValidationError(
            _("Enter an 11-digit mobile number or a landline with area code, e.g. 0577-6712345."),
            code="phone",
        )
