"""Documents as PDF: an HTML page rendered by WeasyPrint with Debian's Noto CJK fonts.

The template (``exports/document.html``) lays out the document as the paper form: A4 in
the form's orientation, the table headers repeated on every page (``thead`` is a table
header group), 第 x 页 共 y 页 at the foot of every page, the draft mark at the head of
every page of a draft, and the signature and stamp boxes after the last table. Nothing is
fetched while rendering (no files, no network): the fonts come from fontconfig
(``fonts-noto-cjk``, installed by ``scripts/ensure-system.sh``).
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .layout import DRAFT_MARK, Blank, Document, Table, header_grid


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) are missing."""


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"exports fetch nothing: {url[:60]}")


def _format(value: Any, decimals: int) -> str:
    if value is None or isinstance(value, Blank):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.{decimals}f}"
    return str(value)


def _table_context(table: Table) -> dict[str, Any]:
    def rows():
        for i, values in enumerate(table.rows):
            yield [
                {
                    "text": _format(v, table.columns[c].decimals if c < table.width else 2),
                    "number": c < table.width and table.columns[c].number,
                    "label": (i, c) in table.labels,
                }
                for c, v in enumerate(values)
            ]

    total_width = sum(c.width for c in table.columns) or 1
    return {
        "table": table,
        "widths": [round(c.width * 100 / total_width, 2) for c in table.columns],
        "header": [[head for _col, head in placed] for placed in header_grid(table.header)],
        "rows": rows(),
        "totals": [
            [
                {
                    "text": _format(v, table.columns[c].decimals if c < table.width else 2),
                    "number": c < table.width and table.columns[c].number,
                }
                for c, v in enumerate(values)
            ]
            for values in table.totals
        ],
    }


def css_string(text: str) -> str:
    """``text`` as the inside of a CSS string: backslashes, quotes, line breaks, ``<``,
    ``>`` and ``&`` as CSS escapes."""
    out = []
    for ch in text:
        if ch in '\\"<>&' or ord(ch) < 32:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return "".join(out)


STYLESHEET = Path(__file__).with_name("pdf.css")


def page_css(document: Document) -> str:
    """The rules made per document: the page (size, orientation, the draft mark, the
    footer with 第 x 页 共 y 页) and each table's column widths (``#t1 col.c2``)."""
    orientation = "landscape" if document.landscape else "portrait"
    rules = [
        "@page {",
        f"  size: A4 {orientation};",
        "  margin: 16mm 12mm 18mm 12mm;",
        f'  @top-center {{ content: "{css_string(DRAFT_MARK if document.draft else "")}";'
        " color: #b91c1c; font-size: 10pt; font-weight: bold; }",
        f'  @bottom-left {{ content: "{css_string(document.footer)}"; font-size: 8pt;'
        " color: #444; }",
        '  @bottom-center { content: "第 " counter(page) " 页 共 " counter(pages) " 页";'
        " font-size: 9pt; }",
        f'  @bottom-right {{ content: "{css_string(document.made)}"; font-size: 8pt;'
        " color: #444; }",
        "}",
    ]
    for n, table in enumerate(document.tables, 1):
        total = sum(c.width for c in table.columns) or 1
        for m, column in enumerate(table.columns, 1):
            rules.append(f"#t{n} col.c{m} {{ width: {column.width * 100 / total:.2f}%; }}")
    return "\n".join(rules)


def render_html(document: Document) -> str:
    """The document as the HTML page the PDF is printed from (its styles are
    :data:`STYLESHEET` and :func:`page_css`: the template holds none, as every template)."""
    return render_to_string(
        "exports/document.html",
        {"document": document, "tables": [_table_context(t) for t in document.tables]},
    )


@dataclass(frozen=True)
class Written:
    """What :func:`write_pdf` wrote: ``pages`` in all, in ``parts`` files (1: a PDF; more: a
    zip of PDFs, one per part)."""

    pages: int
    parts: int = 1

    @property
    def suffix(self) -> str:
        return "pdf" if self.parts == 1 else "zip"


def part_rows() -> int:
    return max(50, int(getattr(settings, "XUEFEN_EXPORT_PDF_PART_ROWS", 2000)))


def _pieces(document: Document, limit: int) -> Iterator[tuple[Table, list[Any], bool, bool]]:
    """Each table's rows in pieces of at most ``limit``: (table, rows, first, last)."""
    for table in document.tables:
        rows = iter(table.rows)
        piece = list(islice(rows, limit))
        first = True
        while True:
            following = list(islice(rows, limit))
            yield table, piece, first, not following
            if not following:
                break
            piece, first = following, False


def _parts(document: Document, limit: int) -> Iterator[list[Table]]:
    """The tables of each part: whole tables where they fit (a teacher's form is never cut),
    a long table cut at ``limit`` rows, its header repeated and its caption marked 续."""
    part: list[Table] = []
    size = 0
    for table, rows, first, last in _pieces(document, limit):
        if part and size + len(rows) > limit:
            yield part
            part, size = [], 0
        part.append(
            dataclasses.replace(
                table,
                rows=rows,
                totals=table.totals if last else (),
                caption=table.caption if first or not table.caption else f"{table.caption}（续）",
                above=table.above if first else (),
                below=table.below if last else (),
            )
        )
        size += len(rows) + 3
    if part:
        yield part


def _render(document: Document, out: IO[bytes] | str) -> int:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango or its fonts library is missing
        raise PdfUnavailable(
            _("PDF output is not available on this server: %(reason)s") % {"reason": str(exc)[:200]}
        ) from None
    from weasyprint import CSS

    rendered = HTML(string=render_html(document), url_fetcher=_refuse).render(
        stylesheets=[
            CSS(filename=str(STYLESHEET), url_fetcher=_refuse),
            CSS(string=page_css(document), url_fetcher=_refuse),
        ]
    )
    rendered.write_pdf(out)
    return len(rendered.pages)


def write_pdf(document: Document, out: IO[bytes] | str) -> Written:
    """Write ``document`` as PDF to ``out`` (a path or a binary file).

    WeasyPrint lays out a whole document in memory (about 1 MB a page), so a document of
    more than :func:`part_rows` body rows is written in parts — each a complete PDF with
    the title, the repeated headers, its own 第 x 页 共 y 页 and the signature boxes — put
    together in a zip (``…_第1部分.pdf`` …): memory stays that of one part."""
    parts = _parts(document, part_rows())
    first = next(parts, [])
    second = next(parts, None)
    if second is None:
        return Written(_render(dataclasses.replace(document, tables=first), out))
    pages = 0
    count = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, tables in enumerate(chain([first, second], parts), 1):
            buffer = io.BytesIO()
            part = dataclasses.replace(
                document, tables=tables, title=f"{document.title}（第{n}部分）"
            )
            pages += _render(part, buffer)
            archive.writestr(f"{document.name}_第{n}部分.pdf", buffer.getvalue())
            count = n
    return Written(pages, count)
