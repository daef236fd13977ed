"""The sheet inputs the platform fills itself (:func:`.scoring.register_auto_input`).

平阳 school sheet (``pingyang-school``, 附件1 过程管理 2 — "各教研组每学期至少开展3次专题研修活动，
活动材料完整(有计划, 有总结, 有过程记录)并及时上传博客得25分；少一次或过程材料不完整均减
25/组数×3分"), from the school's activity board
(:func:`xuefen.activities.selectors.semester_board`) over the round's period:

- ``subject_groups`` — the school's subject groups (a lesson group counts for the subject
  group above it);
- ``missing_activities`` — per group, the themed activities short of the requirement
  (3 a semester, or the policy's ``procedure.plan.group_activities``), summed: a group
  holding 2 is one short, a group holding 5 none (one group's extra does not make up for
  another's). Held = closed, not a make-up session; cancelled and still planned ones are
  not held;
- ``incomplete_activities`` — per group, the held activities whose materials the school's
  administrator has **not confirmed complete** (``materials_confirm``: plan, process
  record and summary uploaded and checked), summed over the groups: files missing a
  required kind and files uploaded but not yet confirmed both count. An activity of two
  groups counts for each (it is each group's activity, as on the board);
- ``half_year`` — 半年考评: true when the round's period is about half a year (a
  semester), from the round's dates (the engine reads the span's years from the period
  itself, 年均 = the period's figure ÷ 0.5; the input only has to agree with it, and the
  evaluator has nothing to enter).

What the platform does not record stays with the evaluator: the administrative meetings
on school-based training (``admin_meetings``: no meeting is recorded anywhere), the
leaders' participation, the sharing of training experience, the judgement items.

The board is the school's facts, the same for every column and whoever looks (the self,
peer and district columns read the same figures), so it is read as the platform, not
through the viewer's scope (:data:`xuefen.activities.selectors.PLATFORM`); it is read once
per :class:`~.models.Sheet` instance (one scoring reads three inputs of it).
"""

from __future__ import annotations

from typing import Any

from xuefen.credits.procedure import WorkPeriod
from xuefen.policy import span_years

from .models import Sheet
from .scoring import register_auto_input

_CACHE = "_auto_board"


def round_period(sheet: Sheet) -> WorkPeriod:
    rnd = sheet.round
    return WorkPeriod(rnd.period_type, rnd.start, rnd.end, rnd.label)


def board_of(sheet: Sheet) -> Any:
    """The school's semester board over the round's period (read once per instance)."""
    board = getattr(sheet, _CACHE, None)
    if board is None:
        from xuefen.activities.selectors import PLATFORM, semester_board

        board = semester_board(fetched_by=PLATFORM, school=sheet.school, period=round_period(sheet))
        setattr(sheet, _CACHE, board)
    return board


def _span(sheet: Sheet) -> str:
    rnd = sheet.round
    return f"{rnd.start:%Y-%m-%d} 至 {rnd.end:%Y-%m-%d}"


def subject_groups(sheet: Sheet) -> tuple[int, str]:
    board = board_of(sheet)
    names = "、".join(row.name for row in board.groups)
    if not board.groups:
        return 0, "活动看板：本校在平台上没有教研组（请先在组织架构中建立教研组），本项无法计分"
    return len(board.groups), f"活动看板：本校教研组 {len(board.groups)} 个（{names}）"


def missing_activities(sheet: Sheet) -> tuple[int, str]:
    board = board_of(sheet)
    short = [(row.name, row.held, row.shortfall) for row in board.groups if row.shortfall]
    head = (
        f"活动看板：{_span(sheet)} 每个教研组应开展专题研修活动 {board.required_per_group} 次"
        "（已结束、非补课的活动）"
    )
    if not short:
        return 0, f"{head}；各组均已达到"
    parts = "；".join(f"{name}开展 {held} 次，少 {n} 次" for name, held, n in short)
    return sum(n for _name, _held, n in short), f"{head}；{parts}"


def incomplete_activities(sheet: Sheet) -> tuple[int, str]:
    board = board_of(sheet)
    parts = []
    total = 0
    for row in board.groups:
        m = row.materials
        n = m.complete + m.missing
        if not n:
            continue
        total += n
        detail = []
        if m.missing:
            detail.append(f"缺材料 {m.missing} 次")
        if m.complete:
            detail.append(f"已上传待确认 {m.complete} 次")
        parts.append(f"{row.name} {n} 次（{'，'.join(detail)}）")
    head = "活动看板：已开展的活动中材料（计划、过程记录、总结）未经学校确认完整的"
    if not parts:
        return 0, f"{head}：无"
    return total, f"{head}：" + "；".join(parts)


def half_year(sheet: Sheet) -> tuple[bool, str]:
    rnd = sheet.round
    days = (rnd.end - rnd.start).days + 1
    # The engine's own measure of the span (rounded to the nearest half year), so the input
    # always agrees with the 年均 the engine divides by.
    if span_years(rnd.start, rnd.end) == 0.5:
        return (
            True,
            f"考核期间 {_span(sheet)}（{days} 天）为一个学期：半年考评（年均 = 期内 ÷ 0.5 年）",
        )
    return False, f"考核期间 {_span(sheet)}（{days} 天）不是半年：不按半年考评"


register_auto_input("subject_groups", subject_groups)
register_auto_input("missing_activities", missing_activities)
register_auto_input("incomplete_activities", incomplete_activities)
register_auto_input("half_year", half_year)
