"""Reading a spreadsheet into rows of text keyed by our column names.

``python-calamine`` reads .xlsx, .xlsm, .xls and .ods (streaming, no formulas evaluated);
.csv is read with the standard library (UTF-8 with or without BOM, or GB18030 as Excel on a
Chinese Windows saves it). The header is the first non-empty row in which some cell names a
column of the import; up to :data:`MAX_TITLE_ROWS` rows above it that name none are title
rows (our own exports put the form's title, and a draft line, above the header) and are
skipped. Each header is matched to a column of the import by its Chinese or English names
(``Column.names``), ignoring spaces, full-width characters and a trailing "（必填）"-like
note. Every cell comes out as text (numbers without ``.0``, dates as ``YYYY-MM-DD``; text
our xlsx export escaped against formulas, ``'=…``, without the apostrophe), so one set of
checks serves every format.

Errors are :class:`ReadError` with a message for people; nothing here writes anything.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, Any

from django.utils.translation import gettext as _

from xuefen.exports.xlsx import unescape

# Beyond this many data rows a file is refused (a county roster has under 10,000 teachers;
# records imports are split by year or school).
MAX_ROWS = 200_000
# Non-empty rows naming no column that may stand above the header (titles, a draft line).
MAX_TITLE_ROWS = 10
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


class ReadError(Exception):
    """The file cannot be read as a table (wrong type, no header, a required column
    missing): ``message`` says why, for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Column:
    """A column of an import: our ``key``, the header names people write, required or not."""

    key: str
    names: tuple[str, ...]
    required: bool = False


@dataclass(slots=True)
class Row:
    """One data row: its number as the spreadsheet shows it (header = 1) and its cells."""

    number: int
    values: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass
class Table:
    """What was read: the columns found (key → header as written) and the rows."""

    headers: dict[str, str]
    rows: list[Row]
    ignored: list[str]


def normalize_header(text: str) -> str:
    """Header text as compared: NFKC (full-width → half-width), no spaces, no trailing note
    in brackets ("身份证号（必填）" → "身份证号"), lower case."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip()
    text = re.sub(r"[\(\[（【].*?[\)\]）】]\s*$", "", text)
    return re.sub(r"\s+", "", text).lower()


def cell_text(value: Any) -> str:
    """A cell as text: ``12.0`` → ``12``, a date → ``YYYY-MM-DD``, ``None`` → ``""``,
    ``'=A1`` (our xlsx export's escaping of formula-looking text) → ``=A1``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, str):
        value = unescape(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        yield from csv.reader(io.StringIO(text, newline=""))
        return
    raise ReadError(_("The CSV file is neither UTF-8 nor GB18030 text."))


def _damaged() -> ReadError:
    return ReadError(
        _("The file cannot be read as a spreadsheet (.xlsx, .xls, .ods) or is damaged.")
    )


def _sheet_rows(sheet: Any) -> Iterator[list[Any]]:
    try:
        yield from sheet.iter_rows()
    except Exception:  # calamine raises its own types for every malformed file
        raise _damaged() from None


class RawRows:
    """The rows of a file's first sheet (or of the CSV), as lists of cell values, and
    ``size``: how many rows the file has (at most; empty ones included)."""

    def __init__(self, rows: Iterator[list[Any]], size: int) -> None:
        self._rows = rows
        self.size = size

    def __iter__(self) -> Iterator[list[Any]]:
        return self._rows


def raw_rows(name: str, stream: IO[bytes]) -> RawRows:
    """The rows of the file's first sheet (or of the CSV), by the name's suffix."""
    suffix = PurePath(name or "").suffix.lower()
    data = stream.read()
    if suffix == ".csv":
        return RawRows(_csv_rows(data), data.count(b"\n") + 1)
    if suffix in SPREADSHEET_SUFFIXES:
        from python_calamine import CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheet = workbook.get_sheet_by_index(0)
            size = int(sheet.total_height or sheet.height or 0)
        except Exception:  # calamine raises its own types for every malformed file
            raise _damaged() from None
        return RawRows(_sheet_rows(sheet), size)
    raise ReadError(
        _("%(name)s is not a spreadsheet: use .xlsx, .xls, .ods or .csv.") % {"name": name}
    )


def read_table(name: str, stream: IO[bytes], columns: Sequence[Column]) -> Table:
    """Read the file into a :class:`Table` of ``columns``; the header is the first row
    with any text in which a cell names a column (at most :data:`MAX_TITLE_ROWS` title rows
    above it are skipped). A required column missing, or two headers naming the same
    column, is a :class:`ReadError` naming them."""
    table = open_table(name, stream, columns)
    return Table(headers=table.headers, rows=list(table.rows), ignored=table.ignored)


@dataclass
class StreamedTable:
    """A table whose rows are read as they are consumed (:func:`open_table`): memory does
    not grow with the rows. Iterating may still raise :class:`ReadError` (too many rows)."""

    headers: dict[str, str]
    rows: Iterator[Row]
    ignored: list[str]
    # How many data rows the file has at most (empty rows included): for progress.
    size: int = 0


def open_table(name: str, stream: IO[bytes], columns: Sequence[Column]) -> StreamedTable:
    """Find the header as :func:`read_table` does (its errors are raised here) and return
    the data rows as an iterator."""
    by_name: dict[str, str] = {}
    for column in columns:
        for alias in (column.key, *column.names):
            by_name[normalize_header(alias)] = column.key
    headers: dict[str, str] = {}
    index: dict[int, str] = {}
    ignored: list[str] = []
    number = 0
    titles: list[int] = []  # numbers of the title rows skipped
    source = raw_rows(name, stream)
    raws = iter(source)
    for raw in raws:
        number += 1
        cells = [cell_text(v) for v in raw]
        if not any(cells):
            continue
        names_some = any(normalize_header(text) in by_name for text in cells if text)
        if not names_some and len(titles) < MAX_TITLE_ROWS:
            titles.append(number)
            continue
        for position, text in enumerate(cells):
            key = by_name.get(normalize_header(text))
            if key is None:
                if text:
                    ignored.append(text)
                continue
            if key in headers:
                raise ReadError(
                    _("Two columns mean %(column)s: %(a)s and %(b)s.")
                    % {"column": headers[key], "a": headers[key], "b": text}
                )
            headers[key] = text
            index[position] = key
        missing = [c for c in columns if c.required and c.key not in headers]
        if missing:
            raise ReadError(
                _("Required columns are missing: %(names)s (row %(row)d is the header).")
                % {"names": "、".join(c.names[0] for c in missing), "row": number}
            )
        break
    if not index:
        if titles and any(c.required for c in columns):
            # Only rows naming no column: the first of them was meant as the header.
            missing = [c for c in columns if c.required]
            raise ReadError(
                _("Required columns are missing: %(names)s (row %(row)d is the header).")
                % {"names": "、".join(c.names[0] for c in missing), "row": titles[0]}
            )
        raise ReadError(_("The file is empty: no header row was found."))
    return StreamedTable(
        headers=headers,
        rows=_data_rows(raws, index, number),
        ignored=ignored,
        size=max(0, source.size - number),
    )


def _data_rows(raws: Iterator[list[Any]], index: dict[int, str], number: int) -> Iterator[Row]:
    """The data rows after the header (row ``number``), empty ones skipped."""
    count = 0
    for raw in raws:
        number += 1
        cells = [cell_text(v) for v in raw]
        if not any(cells):
            continue
        if count >= MAX_ROWS:
            raise ReadError(
                _("The file has more than %(n)d rows: split it (by school or year).")
                % {"n": MAX_ROWS}
            )
        count += 1
        yield Row(
            number=number,
            values={key: cells[pos] for pos, key in index.items() if pos < len(cells)},
        )
