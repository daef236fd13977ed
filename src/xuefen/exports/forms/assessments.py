"""Assessment forms: a filled sheet (a school's or a teacher's) and 文成 附件6.

**The round of an export.** The export machinery asks for a node and a period
(:func:`xuefen.exports.services.make_request`); a form of an assessment reads the round
of that period: the round (open or closed, not one still being set up) of the node's
region — the node itself or the nearest region above it, and for a region's form also
the regions below it — that assesses schools (or teachers) for the period with the same
type and first day as the chosen period (the policy's periods: 平阳's and 文成's semesters).
Where no round has exactly that period, a round whose period lies inside the chosen one
(the latest) is taken. No round → a Chinese message naming the period, not a file.

``assessment-sheet`` (a school; any policy) — the school's sheet in the school round of
the period, as filled: for each section and item the label, the maximum and every
column's points (自评 / 互评 / the reviewer's 区评·县现场考评 / 整改后复评), the engine's
explanation (once where the columns agree, per column where they differ), each section's
subtotal, the bonus and the totals; then what the evaluators entered per column and what
the platform filled (with its source, as the platform reads it when the file is made),
each column's state and remarks (the peer's 互比互学 remarks), the school's result stored
once (final score and how it was combined, the rectification score, 合格 or not and the
gate's words), and the signature and stamp boxes. Figures are the columns' stored scoring
(what was saved or submitted), never computed again here.

``assessment-sheet-teacher`` (a teacher: the teacher and the staff over the school) —
the same for the teacher's sheet in the teacher round of the period (平阳 附件2: 自评, 校评).

``wencheng-6`` 《文成县校本研修互比互学与考核情况表》 (a region, a semester; 文成 only) — seed
000 四: the peer assessors "对指定学校的省市县校平台资料开展互比互学与考核 … 并填写《校本研修互比
互学与考核情况表》（附件6）". Its layout is not in the seed; xuefen's form has one row per
assessed school of the round: 被考核学校, 互比互学考核学校 (the assigned peer), 互评得分 and
互评意见 (the peer column's total, once submitted, and its remarks), 自评得分 (submitted),
县现场考评得分 (finalized), 最终得分 (the stored result, combined by the round's rule),
整改后得分, 考核结果 (合格 / 不合格 with the gate's words, 未定 before the county finalizes).
Columns still being filled show nothing: a draft is nobody's score yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from xuefen.assessments.access import RECTIFICATION, reviewer_column
from xuefen.assessments.choices import PEER_COLUMN, SELF_COLUMN, ColumnStatus, RoundStatus, Subject
from xuefen.assessments.models import (
    PeerAssignment,
    Round,
    SchoolAssessment,
    Sheet,
    SheetColumn,
)
from xuefen.org.choices import NodeKind
from xuefen.org.scoping import ancestor_paths

from ..layout import Column, Document, Head, Signature, Table
from ..registry import REGION, SCHOOL, TEACHER, ExportRequest, FormSpec, register

SHOWN = (RoundStatus.OPEN, RoundStatus.CLOSED)
COUNTED = (ColumnStatus.SUBMITTED, ColumnStatus.FINAL)
STATUS_WORDS = {
    ColumnStatus.DRAFT: "填写中",
    ColumnStatus.SUBMITTED: "已提交",
    ColumnStatus.RETURNED: "已退回",
    ColumnStatus.FINAL: "已定稿",
}


# -- the round -----------------------------------------------------------------------


def rounds_for(request: ExportRequest, subject: str, *, below: bool = False) -> list[Round]:
    """The rounds of the export's period (see the module docstring), nearest region first."""
    node, period = request.node, request.period
    where = Q(node__path__in=ancestor_paths(node.path))
    if below:
        where |= Q(node__path__startswith=node.path)
    base = Round.objects.filter(where, subject=subject, status__in=SHOWN).select_related("node")
    found = list(base.filter(period_type=period.type, start=period.start))
    if not found:
        found = list(
            base.filter(start__gte=period.start, end__lte=period.end).order_by("-start", "-pk")
        )
        found = [r for r in found if r.start == found[0].start] if found else []
    if not found:
        what = "学校考核" if subject == Subject.SCHOOL else "教师考核"
        raise ValidationError(
            {"period": f"{node.name}在{period.name}没有{what}（考核轮次尚未开启）。"}
        )
    return sorted(found, key=lambda r: len(r.node.path), reverse=True)


def _sheet_file(rnd: Round) -> Any:
    from xuefen.assessments.scoring import load_round_sheet

    return load_round_sheet(rnd)


# -- a filled sheet ------------------------------------------------------------------


def _school_sheet(request: ExportRequest) -> Sheet:
    for rnd in rounds_for(request, Subject.SCHOOL):
        sheet = (
            Sheet.objects.filter(round=rnd, school=request.node, teacher__isnull=True)
            .select_related("round", "round__node", "school")
            .first()
        )
        if sheet is not None:
            return sheet
    raise ValidationError(
        {"period": f"{request.node.name}在{request.period.name}的考核中没有考核表。"}
    )


def _teacher_sheet(request: ExportRequest) -> Sheet:
    teacher = request.teacher
    for rnd in rounds_for(request, Subject.TEACHER):
        sheet = (
            Sheet.objects.filter(round=rnd, teacher=teacher)
            .select_related("round", "round__node", "school", "teacher")
            .first()
        )
        if sheet is not None:
            return sheet
    raise ValidationError(
        {"period": f"{teacher.name}在{request.period.name}的教师考核中没有考核表。"}
    )


def _columns(sheet: Sheet, sheet_file: Any) -> list[tuple[str, str]]:
    """The sheet's columns in order, with their labels; a school sheet's rectification
    where the round has a rectification window."""
    out = list(sheet_file.columns.items())
    if sheet.teacher_id is None and sheet.round.rectify_from is not None:
        out.append((RECTIFICATION, "整改后复评"))
    return out


def _explained(parts: list[tuple[str, str]]) -> str:
    texts = [t for _label, t in parts if t]
    if not texts:
        return ""
    if len(set(texts)) == 1:
        return texts[0]
    return "；".join(f"{label}：{t}" for label, t in parts if t)


def _scored_parts(scored: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sections and items (bonus items included) of one column's scoring, by id."""
    sections = {s["id"]: s for s in scored.get("sections", [])}
    items: dict[str, Any] = {}
    for s in scored.get("sections", []):
        for i in s.get("items", []):
            items[i["id"]] = i
    for i in (scored.get("bonus_detail") or {}).get("items", []):
        items[i["id"]] = i
    return sections, items


def _score_rows(
    sheet_file: Any, columns: list[tuple[str, str]], stored: dict[str, SheetColumn]
) -> Iterator[list[Any]]:
    parts = {cid: _scored_parts(stored[cid].scored or {}) for cid, _l in columns if cid in stored}
    labels = dict(columns)

    def cells(kind: int, key: str, field: str = "points") -> list[Any]:
        return [
            parts[cid][kind].get(key, {}).get(field) if cid in parts else None
            for cid, _l in columns
        ]

    def explanation(kind: int, key: str) -> str:
        return _explained(
            [
                (labels[cid], str(parts[cid][kind].get(key, {}).get("explanation") or ""))
                for cid, _l in columns
                if cid in parts
            ]
        )

    for sec in sheet_file.spec.sections:
        for n, item in enumerate(sec.items):
            yield [
                f"{sec.label}（{sec.max:g}分）" if n == 0 else None,
                item.label,
                getattr(item, "max", None),
                *cells(1, item.id),
                explanation(1, item.id),
            ]
        yield [None, f"{sec.label}小计", sec.max, *cells(0, sec.id), explanation(0, sec.id)]
    bonus = sheet_file.spec.bonus
    if bonus is not None:
        for n, item in enumerate(bonus.items):
            yield [
                bonus.label if n == 0 else None,
                item.label,
                getattr(item, "max", None),
                *cells(1, item.id),
                explanation(1, item.id),
            ]


def _entered_rows(
    sheet: Sheet, sheet_file: Any, columns: list[tuple[str, str]], stored: dict[str, SheetColumn]
) -> Iterator[list[Any]]:
    from xuefen.assessments.scoring import auto_inputs, entry_inputs

    width = len(columns)
    for name, (value, where) in auto_inputs(sheet, sheet_file).items():
        shown = "是" if value is True else ("否" if value is False else value)
        label = sheet_file.input_label(name)
        yield [label, "平台自动填入", *([shown] * width), where]
    for name, spec in entry_inputs(sheet_file).items():
        values = []
        for cid, _l in columns:
            col = stored.get(cid)
            raw = (col.values or {}).get(name) if col is not None else None
            if isinstance(raw, bool):
                raw = "是" if raw else "否"
            elif isinstance(raw, list):
                raw = "；".join(
                    "、".join(f"{v}" for v in entry.values())
                    if isinstance(entry, dict)
                    else str(entry)
                    for entry in raw
                )
            values.append(raw)
        bounds = ""
        if spec.get("min") is not None or spec.get("max") is not None:
            lo = "" if spec["min"] is None else f"{spec['min']:g}"
            hi = "" if spec["max"] is None else f"{spec['max']:g}"
            bounds = f"{lo}–{hi}"
        yield [spec["label"], "评分人填写", *values, bounds]


def _result_lines(sheet: Sheet) -> list[str]:
    if sheet.teacher_id is not None:
        return []
    rnd = sheet.round
    result = SchoolAssessment.objects.filter(
        school=sheet.school, period_type=rnd.period_type, start=rnd.start
    ).first()
    if result is None:
        return ["考核结果：未定（县里尚未定稿）"]
    lines = [f"最终得分：{result.score:g}"]
    if result.rectification_score is not None:
        lines.append(f"整改后得分：{result.rectification_score:g}")
    lines.append(f"考核结果：{'合格' if result.passed else '不合格'}（{result.explanation}）")
    return ["；".join(lines)]


def build_sheet(request: ExportRequest) -> Document:
    sheet = _teacher_sheet(request) if request.form.level == TEACHER else _school_sheet(request)
    rnd = sheet.round
    sheet_file = _sheet_file(rnd)
    columns = _columns(sheet, sheet_file)
    stored = {c.column: c for c in SheetColumn.objects.filter(sheet=sheet)}
    score_table = Table(
        columns=[
            Column(16),
            Column(40),
            Column(6, number=True, decimals=1),
            *[Column(9, number=True) for _c in columns],
            Column(44),
        ],
        header=[
            [
                Head("项目"),
                Head("评分标准"),
                Head("满分"),
                *[Head(label) for _cid, label in columns],
                Head("说明"),
            ]
        ],
        rows=_score_rows(sheet_file, columns, stored),
        totals=[
            [
                "合计",
                None,
                None,
                *[stored[cid].total if cid in stored else None for cid, _l in columns],
                None,
            ]
        ],
        caption="考核评分",
        sheet="考核评分",
    )
    states = "；".join(
        f"{label}{STATUS_WORDS.get(stored[cid].status, stored[cid].status)}"
        + (f"（{stored[cid].submitted_at:%Y-%m-%d}）" if stored[cid].submitted_at else "")
        for cid, label in columns
        if cid in stored
    )
    remarks = [
        f"{label}意见：{stored[cid].remarks}"
        for cid, label in columns
        if cid in stored and stored[cid].remarks
    ]
    entered_table = Table(
        columns=[Column(30), Column(12), *[Column(9) for _c in columns], Column(44)],
        header=[
            [
                Head("数据"),
                Head("来源"),
                *[Head(label) for _cid, label in columns],
                Head("范围或依据"),
            ]
        ],
        rows=_entered_rows(sheet, sheet_file, columns, stored),
        caption="评分依据的数据",
        sheet="评分依据的数据",
        below=[f"各栏状态：{states or '尚未填写'}", *remarks, *_result_lines(sheet)],
    )
    who = sheet.teacher.name if sheet.teacher_id else sheet.school.name
    lines = [f"学校：{sheet.school.name}"]
    if sheet.teacher_id:
        lines.append(f"教师：{sheet.teacher.name}")
    lines.append(
        f"时间：{rnd.label}（{rnd.start:%Y年%m月%d日}至{rnd.end:%Y年%m月%d日}）　考核：{rnd.title}"
    )
    if sheet.teacher_id:
        signatures = [
            Signature("教师（签字）："),
            Signature("学校审核人（签字）："),
            Signature("学校（盖章）：", stamp=True),
        ]
    else:
        signatures = [
            Signature("学校负责人（签字）："),
            Signature("学校（盖章）：", stamp=True),
            Signature("考评人（签字）："),
            Signature("日期：　　　　年　　月　　日"),
        ]
    return Document(
        title=sheet_file.name,
        name=f"{who}_{rnd.label}_考核表",
        tables=[score_table, entered_table],
        lines=lines,
        signatures=signatures,
        notes=[
            "说明：各栏得分为该栏保存或提交时本系统依考核表计算的结果；由记录计算的项目按期内已认定的"
            "记录计分，平台自动填入的数据为导出时平台的数据。"
        ],
        landscape=True,
        footer=f"{who} · {rnd.label} · {sheet_file.name}",
        made=request.made,
    )


def _sheet_size(request: ExportRequest) -> int:
    sheet = _teacher_sheet(request) if request.form.level == TEACHER else _school_sheet(request)
    sheet_file = _sheet_file(sheet.round)
    items = sum(len(s.items) + 1 for s in sheet_file.spec.sections)
    return items + len(sheet_file.spec.inputs) + len(sheet_file.judgements)


register(
    FormSpec(
        id="assessment-sheet",
        order=80,
        title="学校考核表",
        level=SCHOOL,
        build=build_sheet,
        size=_sheet_size,
        period_types=("semester", "school_year", "year"),
        description=(
            "本校在所选期间的考核表：每项的自评、互评、现场（区）评与整改后复评得分和说明，小计、"
            "合计，评分依据的数据，考核结果，签字盖章栏。"
        ),
        source="考核表",
        has_figures=False,
    )
)

register(
    FormSpec(
        id="assessment-sheet-teacher",
        order=80,
        title="教师考核表",
        level=TEACHER,
        build=build_sheet,
        size=_sheet_size,
        period_types=("semester", "school_year", "year"),
        description="教师在所选期间的考核表：每项的自评、校评得分和说明，小计、合计，签字盖章栏。",
        source="考核表",
        has_figures=False,
    )
)


# -- 文成 附件6 ------------------------------------------------------------------------


def _form6_rows(request: ExportRequest, rounds: list[Round]) -> Iterator[list[Any]]:
    n = 0
    for rnd in rounds:
        reviewer = reviewer_column(_sheet_file(rnd))
        sheets = list(
            Sheet.objects.filter(
                round=rnd,
                teacher__isnull=True,
                school__path__startswith=request.node.path,
                school__kind=NodeKind.SCHOOL,
            )
            .select_related("school")
            .order_by("school__path", "pk")
        )
        ids = [s.pk for s in sheets]
        columns: dict[int, dict[str, SheetColumn]] = {pk: {} for pk in ids}
        for col in SheetColumn.objects.filter(sheet_id__in=ids).only(
            "pk", "sheet_id", "column", "status", "total", "remarks"
        ):
            columns[col.sheet_id][col.column] = col
        schools = [s.school_id for s in sheets]
        results = {
            r.school_id: r
            for r in SchoolAssessment.objects.filter(
                school_id__in=schools, period_type=rnd.period_type, start=rnd.start
            )
        }
        peers = {
            a.school_id: a.assessor
            for a in PeerAssignment.objects.filter(round=rnd, school_id__in=schools).select_related(
                "assessor"
            )
        }

        def total(cols: dict[str, SheetColumn], cid: str) -> float | None:
            col = cols.get(cid)
            return col.total if col is not None and col.status in COUNTED else None

        for sheet in sheets:
            cols = columns[sheet.pk]
            peer = cols.get(PEER_COLUMN)
            result = results.get(sheet.school_id)
            assessor = peers.get(sheet.school_id)
            n += 1
            if result is None:
                verdict = "未定"
            else:
                verdict = f"{'合格' if result.passed else '不合格'}（{result.explanation}）"
            yield [
                n,
                sheet.school.name,
                assessor.name if assessor is not None else "未指定",
                total(cols, PEER_COLUMN),
                peer.remarks or None if peer is not None and peer.status in COUNTED else None,
                total(cols, SELF_COLUMN),
                total(cols, reviewer),
                result.score if result is not None else None,
                result.rectification_score if result is not None else None,
                verdict,
            ]


def build_form6(request: ExportRequest) -> Document:
    rounds = rounds_for(request, Subject.SCHOOL, below=True)
    first = rounds[0]
    window = (
        f"{first.peer_from:%Y年%m月%d日}至{first.peer_to:%Y年%m月%d日}"
        if first.peer_from and first.peer_to
        else "未设"
    )
    return Document(
        title="文成县校本研修互比互学与考核情况表",
        name=f"{request.node.name}_{request.period.label}_校本研修互比互学与考核情况表",
        tables=[
            Table(
                columns=[
                    Column(5, number=True, decimals=0),
                    Column(18),
                    Column(18),
                    Column(11, number=True),
                    Column(26),
                    Column(11, number=True),
                    Column(16, number=True),
                    Column(11, number=True),
                    Column(12, number=True),
                    Column(30),
                ],
                header=[
                    [
                        Head("序号", rowspan=2),
                        Head("被考核学校", rowspan=2),
                        Head("互比互学", colspan=3),
                        Head("自评得分", rowspan=2),
                        Head("县现场考评得分", rowspan=2),
                        Head("最终得分", rowspan=2),
                        Head("整改后得分", rowspan=2),
                        Head("考核结果", rowspan=2),
                    ],
                    [Head("考核学校"), Head("互评得分"), Head("互评意见")],
                ],
                rows=_form6_rows(request, rounds),
                sheet="互比互学与考核情况表",
            )
        ],
        lines=[
            f"单位：{request.node.name}",
            f"学期：{request.period.name}（{request.period.start:%Y年%m月%d日}至"
            f"{request.period.end:%Y年%m月%d日}）",
            f"考核：{'、'.join(r.title for r in rounds)}　互比互学时间：{window}",
        ],
        signatures=[
            Signature("考核组负责人（签字）："),
            Signature("县教育研究培训院（盖章）：", stamp=True),
            Signature("日期：　　　　年　　月　　日"),
        ],
        notes=[
            "说明：学校自评、互比互学考核组考评、现场考评三结合；最终得分按本县设定由各栏合成"
            "（未设定时以县现场考评为准）。考核分为120分以上的学校合格，全校教师校本研修学分准予认定；"
            "120分及以下的学校于整改期内整改，整改后仍不合格的，全校教师本学期校本研修学分不予认定。"
            "未提交的栏目不列分数。"
        ],
        landscape=True,
        footer=f"{request.node.name} · {request.period.name} · 附件6",
        made=request.made,
    )


def _form6_size(request: ExportRequest) -> int:
    rounds = rounds_for(request, Subject.SCHOOL, below=True)
    return Sheet.objects.filter(
        round__in=rounds, teacher__isnull=True, school__path__startswith=request.node.path
    ).count()


register(
    FormSpec(
        id="wencheng-6",
        order=80,
        title="校本研修互比互学与考核情况表",
        level=REGION,
        build=build_form6,
        size=_form6_size,
        policies=("wencheng",),
        period_types=("semester",),
        description=(
            "本学期每所被考核学校一行：互比互学考核学校、互评得分与意见，自评、县现场考评、最终得分，"
            "整改后得分与考核结果。"
        ),
        source="文成 附件6",
        has_figures=False,
    )
)
