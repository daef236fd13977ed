"""A form as both renderers see it: a document of tables, with no Excel or HTML in it.

A form builder (:mod:`xuefen.exports.forms`) returns a :class:`Document`: its title, the
lines above the tables (学校(盖章)：…), one or more :class:`Table` s, the signature and
stamp boxes and the notes (说明：…). A table has header rows of :class:`Head` cells that
span columns and rows (the official forms' two-level headers: 集中培训 over 学时 and 学分),
body rows as plain values, and optional total rows. Body rows may be a generator: the
renderers consume them once, in order, so a table of 30,000 teachers is never held in
memory.

Values are ``str``, ``int``, ``float``, ``None`` (an empty cell) or :class:`Blank` (a box
to fill in by hand, drawn empty). Numbers keep their type so that Excel sums them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# What every PDF page and every printed Excel page says when a document counts pending
# records (the "a draft over pending ones is marked as a draft on every page").
DRAFT_MARK = "草稿：含尚未认定的学时学分，不作认定依据"


@dataclass(frozen=True)
class Head:
    """A header cell: its text and how many columns and header rows it spans."""

    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class Column:
    """A body column: its width in Excel characters (the PDF uses the widths as
    proportions), whether it holds numbers (right-aligned, 2 decimals unless ``decimals``)
    and whether it is an ID number (never a number: kept as text)."""

    width: float = 10
    number: bool = False
    decimals: int = 2


@dataclass
class Table:
    """One table of a form.

    ``header`` rows are laid out as in HTML: each :class:`Head` takes the next free
    column of its row, after the cells that earlier rows' ``rowspan`` carried down.
    ``rows`` are the body (any iterable, consumed once); ``totals`` rows come after it
    (合计). ``caption`` is the table's own heading where a form has several
    (一、个人基本信息表); ``sheet`` names its Excel sheet (the caption by default).
    ``form_rows`` is a form-style table (label, value, label, value …) drawn with the
    header style on the labels: the register's personal-information table.
    """

    columns: Sequence[Column]
    header: Sequence[Sequence[Head]] = ()
    rows: Iterable[Sequence[Any]] = ()
    totals: Sequence[Sequence[Any]] = ()
    caption: str = ""
    sheet: str = ""
    # Lines just above this table (e.g. "（2025年度）") and just below it (remarks).
    above: Sequence[str] = ()
    below: Sequence[str] = ()
    # Label cells of a form-style table: (row index, column index) pairs drawn as labels.
    labels: frozenset[tuple[int, int]] = frozenset()

    @property
    def width(self) -> int:
        return len(self.columns)


@dataclass(frozen=True)
class Signature:
    """A box to sign or stamp: 审核单位（盖章）：, 负责人（签字）：, 日期：年 月 日."""

    label: str
    # A stamp box (盖章) is drawn taller than a signature line.
    stamp: bool = False


@dataclass
class Document:
    """A whole form, ready for a renderer.

    ``name`` is the file name without extension (学校_2025年度_申报表); ``lines`` are the
    lines under the title (学校(盖章)：…  联系人及电话：…); ``landscape`` turns the A4 page;
    ``draft`` marks every page with :data:`DRAFT_MARK`; ``footer`` is printed at the end
    of every page besides the page number (the form's own name, the period).
    """

    title: str
    name: str
    tables: list[Table]
    lines: Sequence[str] = ()
    signatures: Sequence[Signature] = ()
    notes: Sequence[str] = ()
    landscape: bool = False
    draft: bool = False
    footer: str = ""
    # A stamp of when and by whom the file was made ("xuefen 2026-11-26 10:02 导出").
    made: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Blank(str):
    """A cell left empty for the hand that fills the paper form (电话, 签字)."""

    __slots__ = ()

    def __new__(cls) -> Blank:
        return super().__new__(cls, "")


def header_grid(header: Sequence[Sequence[Head]]) -> list[list[tuple[int, Head]]]:
    """Where each header cell starts: per row, ``(column, head)`` pairs, placing each cell
    after the columns that cells of earlier rows still occupy with their ``rowspan``."""
    taken: dict[int, int] = {}  # column -> last header row it is taken through
    grid: list[list[tuple[int, Head]]] = []
    for r, row in enumerate(header):
        placed: list[tuple[int, Head]] = []
        col = 0
        for head in row:
            while taken.get(col, -1) >= r:
                col += 1
            placed.append((col, head))
            for c in range(col, col + head.colspan):
                taken[c] = r + head.rowspan - 1
            col += head.colspan
        grid.append(placed)
    return grid
