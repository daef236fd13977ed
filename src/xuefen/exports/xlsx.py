"""Documents as Excel workbooks, written with XlsxWriter in constant-memory mode.

Each table is one worksheet (its ``sheet`` or caption as the name): the form's title and
lines on top, the header rows with their merged cells, the body streamed row by row (the
worksheet keeps one row in memory), totals, notes and signature lines. Printing is set up
as the paper form: A4, the form's orientation, fit to the page width, the header rows
repeated on every page, 第 &P 页 共 &N 页 in the footer and, on a draft, the draft mark in
the page header of every page.

Text that a spreadsheet could read as a formula (= + - @, a tab or a carriage return
first) is written with a leading apostrophe: a cell is never a formula because of what a
teacher typed (CSV/formula injection); :func:`unescape` undoes it on import.
"""

from __future__ import annotations

import re
from typing import IO, Any

import xlsxwriter

from .layout import DRAFT_MARK, Blank, Document, Table, header_grid

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters Excel forbids in sheet names, and its limit of 31.
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def escape(value: str) -> str:
    """``value`` made safe to put in a cell: a leading apostrophe before a formula start."""
    return "'" + value if value.startswith(FORMULA_START) else value


def unescape(value: str) -> str:
    """The text :func:`escape` was given (for reading our own exports back in)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def _sheet_name(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("", name).strip("'")[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f"({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _header_footer_text(text: str) -> str:
    # & starts a code in Excel's header/footer language.
    return text.replace("&", "&&")


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        border = {**base, "border": 1, "text_wrap": True}
        self.title = book.add_format({**base, "bold": True, "font_size": 16, "align": "center"})
        self.caption = book.add_format({**base, "bold": True, "font_size": 12})
        self.line = book.add_format(base)
        self.draft = book.add_format({**base, "bold": True, "font_color": "#B91C1C"})
        self.head = book.add_format(
            {**border, "bold": True, "align": "center", "bg_color": "#F2F2F2"}
        )
        self.text = book.add_format({**border, "align": "left"})
        self.center = book.add_format({**border, "align": "center"})
        self.numbers = {
            d: book.add_format(
                {**border, "align": "right", "num_format": "0." + "0" * d if d else "0"}
            )
            for d in range(0, 4)
        }
        self.total_text = book.add_format({**border, "bold": True, "align": "center"})
        self.total_numbers = {
            d: book.add_format(
                {
                    **border,
                    "bold": True,
                    "align": "right",
                    "num_format": "0." + "0" * d if d else "0",
                }
            )
            for d in range(0, 4)
        }
        self.note = book.add_format({**base, "font_size": 9, "text_wrap": False})
        self.signature = book.add_format({**base, "font_size": 11})


def write_xlsx(document: Document, out: IO[bytes] | str) -> int:
    """Write ``document`` as .xlsx to ``out`` (a path or a binary file); returns the number
    of body rows written."""
    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": False,
        },
    )
    book.set_properties({"title": document.title, "comments": document.made})
    formats = _Formats(book)
    used: set[str] = set()
    rows = 0
    try:
        for table in document.tables:
            sheet = book.add_worksheet(
                _sheet_name(table.sheet or table.caption or document.title, used)
            )
            rows += _write_table(sheet, document, table, formats)
    finally:
        book.close()
    return rows


def _cell(
    sheet: Any, row: int, col: int, value: Any, table: Table, f: _Formats, total: bool
) -> None:
    column = table.columns[col] if col < table.width else None
    if value is None or isinstance(value, Blank):
        sheet.write_blank(row, col, None, f.total_text if total else f.text)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否", f.center)
    elif isinstance(value, int | float) and column is not None and column.number:
        fmt = (f.total_numbers if total else f.numbers)[min(column.decimals, 3)]
        sheet.write_number(row, col, value, fmt)
    elif isinstance(value, int | float):
        sheet.write_number(
            row, col, value, f.numbers[0] if isinstance(value, int) else f.numbers[2]
        )
    else:
        sheet.write_string(row, col, escape(str(value)), f.total_text if total else f.text)


def _write_header(sheet: Any, table: Table, top: int, f: _Formats) -> None:
    """The header rows with their merged cells, written strictly row by row.

    In constant-memory mode XlsxWriter writes a row out as soon as a later row is touched,
    and ``merge_range`` pads a range over several rows at once: a header with a cell two
    rows high would lose the rest of its first row. So every header cell is written in row
    order (the covered ones as formatted blanks) and the ranges are recorded on the
    worksheet's merge list, which is written out at the end.
    """
    cells: dict[tuple[int, int], tuple[str, bool]] = {}
    for r, placed in enumerate(header_grid(table.header)):
        for col, head in placed:
            for rr in range(r, r + head.rowspan):
                for cc in range(col, col + head.colspan):
                    cells[(rr, cc)] = (
                        head.text if (rr, cc) == (r, col) else "",
                        (rr, cc) == (r, col),
                    )
            if head.rowspan > 1 or head.colspan > 1:
                sheet.merge.append(
                    [top + r, col, top + r + head.rowspan - 1, col + head.colspan - 1]
                )
    for (r, col), (text, first) in sorted(cells.items()):
        if first:
            sheet.write_string(top + r, col, text, f.head)
        else:
            sheet.write_blank(top + r, col, None, f.head)


def _write_table(sheet: Any, document: Document, table: Table, f: _Formats) -> int:
    width = max(table.width, 1)
    last = width - 1
    sheet.set_paper(9)  # A4
    if document.landscape:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer(
        "&L"
        + _header_footer_text(document.footer)
        + "&C第 &P 页 共 &N 页&R"
        + _header_footer_text(document.made)
    )
    if document.draft:
        sheet.set_header('&C&"宋体,Bold"&K B91C1C' + _header_footer_text(DRAFT_MARK))
    for c, column in enumerate(table.columns):
        sheet.set_column(c, c, column.width)

    r = 0
    sheet.write_string(r, 0, document.title, f.title)
    if last:
        sheet.merge.append([r, 0, r, last])
        for col in range(1, width):
            sheet.write_blank(r, col, None, f.title)
    sheet.set_row(r, 28)
    r += 1
    if document.draft:
        sheet.write_string(r, 0, DRAFT_MARK, f.draft)
        r += 1
    for line in document.lines:
        sheet.write_string(r, 0, escape(line), f.line)
        r += 1
    if table.caption:
        sheet.write_string(r, 0, table.caption, f.caption)
        r += 1
    for line in table.above:
        sheet.write_string(r, 0, escape(line), f.line)
        r += 1

    first_header = r
    _write_header(sheet, table, r, f)
    if table.header:
        r = first_header + len(table.header)
        sheet.repeat_rows(first_header, r - 1)
        sheet.freeze_panes(r, 0)

    count = 0
    for i, values in enumerate(table.rows):
        for col, value in enumerate(values):
            if (i, col) in table.labels:
                sheet.write_string(r, col, str(value or ""), f.head)
            else:
                _cell(sheet, r, col, value, table, f, total=False)
        r += 1
        count += 1
    for values in table.totals:
        for col, value in enumerate(values):
            _cell(sheet, r, col, value, table, f, total=True)
        r += 1

    for line in table.below:
        sheet.write_string(r, 0, escape(line), f.note)
        r += 1
    if table is document.tables[-1]:
        if document.signatures:
            r += 1
            per_row = 3
            step = max(1, width // per_row)
            for i, signature in enumerate(document.signatures):
                if i and i % per_row == 0:
                    r += 2 if document.signatures[i - 1].stamp else 1
                sheet.write_string(r, (i % per_row) * step, signature.label, f.signature)
            r += 2
        for note in document.notes:
            sheet.write_string(r, 0, escape(note), f.note)
            r += 1
    return count
