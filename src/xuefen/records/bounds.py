"""Bounds of record input that hold whatever the policy says.

A record's date before :data:`RECORD_DATE_MIN` is a typing mistake (0001-01-01, 1923 for
2023): nobody's training history in this system starts before 1980. The admin's record form
checks it today; :func:`validate_record_date` is for ``records.services.record_validate``
too, so every way in (pages, imports, API) gives the same answer.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

RECORD_DATE_MIN = dt.date(1980, 1, 1)


def validate_record_date(day: dt.date) -> None:
    """Raise ``ValidationError({"date": ...})`` for a date before :data:`RECORD_DATE_MIN`.

    (Dates in the future are refused by ``record_validate`` itself.)
    """
    if day < RECORD_DATE_MIN:
        raise ValidationError(
            {
                "date": _("The date must not be before %(date)s.")
                % {"date": RECORD_DATE_MIN.isoformat()}
            },
            code="date_too_early",
        )


# A sanity bound on every number inside a record's ``fields`` (hours, scores, counts...):
# far above anything real, far below what overflows a float or the database. The engine's
# own bounds per field are stricter; this one only keeps absurd input out of the system.
FIELDS_NUMBER_MAX = 1_000_000


def validate_field_numbers(value: object) -> None:
    """Raise ``ValidationError({"fields": ...})`` if a number anywhere in ``value`` (a
    record's ``fields``) is not finite or exceeds :data:`FIELDS_NUMBER_MAX` in size."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif (
            isinstance(item, int | float)
            and not isinstance(item, bool)
            and (item != item or abs(item) > FIELDS_NUMBER_MAX)  # NaN, ±inf, too large
        ):
            raise ValidationError(
                {
                    "fields": _("Numbers must be finite and at most %(max)s in size.")
                    % {"max": f"{FIELDS_NUMBER_MAX:,}"}
                },
                code="number_out_of_range",
            )
