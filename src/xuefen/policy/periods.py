"""Periods a policy evaluates in: years, school years, semesters and the multi-year cycle.

A period type is a list of month-day *anchors*. The first anchor starts the labelling year;
each period runs from one anchor to the day before the next::

    year:        anchors ["01-01"]           -> "2023"            2023-01-01 .. 2023-12-31
    school_year: anchors ["09-01"]           -> "2020-2021"       2020-09-01 .. 2021-08-31
    semester:    anchors ["09-01", "02-01"]  -> "2020-2021-1"     2020-09-01 .. 2021-01-31
                                               "2020-2021-2"     2021-02-01 .. 2021-08-31

A cycle is ``years`` long and aligned to ``anchor_year`` (普洱: 5 years from 2021, so
2021-2025, 2026-2030...).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, order=True)
class Period:
    """One concrete period: its type, label and inclusive dates."""

    start: dt.date
    end: dt.date
    type: str
    label: str

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def _parse_md(text: str) -> tuple[int, int]:
    month, day = (int(p) for p in text.split("-"))
    dt.date(2001, month, day)  # validates; 02-29 is refused on purpose
    return month, day


class PeriodType:
    """A repeating period (year, school year, semester) defined by month-day anchors."""

    def __init__(self, name: str, anchors: list[str], label: str | None = None):
        if not anchors:
            raise ValueError("a period type needs at least one anchor")
        self.name = name
        self.title = label or name
        self.anchors = [_parse_md(a) for a in anchors]
        first = self.anchors[0]
        # Offsets in years of each anchor from the first one's year (0 or 1), in order.
        self._offsets: list[int] = []
        year_offset = 0
        previous = first
        for i, md in enumerate(self.anchors):
            if i and md <= previous:
                year_offset += 1
            if year_offset > 1 or (year_offset == 1 and md >= first):
                raise ValueError("anchors must fit within one year, in order")
            self._offsets.append(year_offset)
            previous = md
        self._cache: dict[dt.date, Period] = {}

    def _starts(self, base_year: int) -> list[dt.date]:
        return [
            dt.date(base_year + off, m, d)
            for off, (m, d) in zip(self._offsets, self.anchors, strict=True)
        ]

    def _label(self, base_year: int, index: int) -> str:
        single = len(self.anchors) == 1
        if single and self.anchors[0] == (1, 1):
            return str(base_year)
        year_label = str(base_year) if self.anchors[0] == (1, 1) else f"{base_year}-{base_year + 1}"
        return year_label if single else f"{year_label}-{index + 1}"

    def period_of(self, day: dt.date) -> Period:
        """The period containing ``day``."""
        hit = self._cache.get(day)
        if hit is not None:
            return hit
        m, d = self.anchors[0]
        base = day.year if (day.month, day.day) >= (m, d) else day.year - 1
        starts = self._starts(base)
        next_start = dt.date(base + 1, m, d)
        index = max(i for i, s in enumerate(starts) if s <= day)
        end = (starts[index + 1] if index + 1 < len(starts) else next_start) - dt.timedelta(1)
        period = Period(starts[index], end, self.name, self._label(base, index))
        if len(self._cache) < 100_000:
            self._cache[day] = period
        return period


class CycleType:
    """The multi-year cycle (普洱: 5 years aligned to 2021)."""

    def __init__(self, years: int, anchor_year: int, start: str = "01-01"):
        if years < 1:
            raise ValueError("a cycle is at least one year")
        self.years = years
        self.anchor_year = anchor_year
        self.start_md = _parse_md(start)

    @lru_cache(maxsize=1024)  # noqa: B019 - policies live for the process; the cache is small
    def period_of(self, day: dt.date) -> Period:
        m, d = self.start_md
        year = day.year if (day.month, day.day) >= (m, d) else day.year - 1
        first = self.anchor_year + ((year - self.anchor_year) // self.years) * self.years
        start = dt.date(first, m, d)
        end = dt.date(first + self.years, m, d) - dt.timedelta(1)
        label = f"{first}-{first + self.years - 1}"
        return Period(start, end, "cycle", label)
