"""文成's school-based forms: 附件4 登记表, 附件5 登记汇总表, 附件7 登记表(详细情况).

Source: seed 000, 文成县教育研究培训院《关于开展文成县2018学年第一学期校本研修互比互学考核活动
的通知》五、校本研修学分确认与录入. The notice names the three forms and what happens to them;
their layouts are not in the seed ("以上附件在文成研训网下载"). What each shows, and why, is
read from the notice:

附件4《文成县中小学（园）教师校本研修学分登记表》 (``wencheng-4``) — "教师按《菜单式校本研修
学分登记办法》填写", "须经审核人签名并盖校印，纸质送县研训院复审": one form per teacher, so one
page (at least) per teacher on paper. Per teacher: name, sex, ID number, stage and subject
above the table; one row per school-based record of the semester (序号, 日期, 研修项目 = the
kind in the records vocabulary, 研修内容 = the activity's theme, the project's or record's
name and its menu item such as 磨课 or 论文, 学时, 学分, 认定说明 = the engine's explanation);
the teacher's semester figure below (合计: the engine's school-based hours and credits of the
semester); then the boxes 教师本人签名, 审核人签名, 校印. "School-based records" are the records
the policy assigns the school-based mode (the engine's ``mode`` of the verdict): the notice
concerns 校本研修学分 only, so online and centralized training and kinds outside the menu are
not on the form. The records listed are those the basis counts (certified; in a draft also
submitted and approved ones), each with the engine's verdict on that basis: a record the
engine does not count shows 0 and the reason — notably the school-assessment gate ("评估考核
不合格的学校…全校教师本学期校本研修学分不予认定"; "考核结果未录入，暂不认定" while the score
is not entered): the form shows the engine's figures and words, it does not judge the gate.

  Layout per format: the PDF has one table per teacher, captioned 教师校本研修学分登记表（name）
  so that every teacher's page names the form, each starting on a new page, with the
  signature and stamp line under it. The Excel file has one
  sheet with every teacher's rows one after the other (name and ID number on every row, so
  that it can be filtered), a 合计 row and a signature row after each teacher: one sheet per
  teacher would be 3,000 sheets for a large school (XlsxWriter keeps a temporary file open
  per sheet in constant-memory mode). Both read the teachers in chunks of
  :data:`~xuefen.exports.data.CHUNK`: the PDF's per-teacher tables share one loader that
  reads records, verdicts and figures a chunk at a time as the renderer reaches them.

附件5《文成县中小学（园）校本研修学分登记汇总表》 (``wencheng-5``) — "学校审核确认并及时将汇总表
在本校公示一周", "须经校长、园长等单位负责人签名并盖校印": one row per teacher of the school:
序号, 姓名, 性别, 身份证号, 学段学科, 校本研修学时, 校本研修学分 (the engine's figures of the
semester, school-based mode), 备注 (how many listed records the engine did not count, and
why, so the gate is visible on the publicized list); a 合计 row (the last body row: the
rows are streamed, the sum is known only after them); the line 公示时间：…至… to fill in;
boxes 校长（园长）签名, 学校（盖章）, 日期. The policy does not divide school-based credits
into categories (every menu item assigns the mode and module ``school_based``), so there is
one 学分 column; 学时 is shown beside it because the menu registers hours and converts them.

附件7《文成县中小学（园）校本研修学分登记表(详细情况)》 (``wencheng-7``) — the electronic detail
list sent with 附件4: one row per school-based record of the school's teachers in the semester
(the same records as 附件4): 序号, 姓名, 日期, 研修项目, 研修内容, 学时, 学分, 认定说明; a 合计
row at the end (sum of the rows: equals the sum of 附件5's column when every record has a
verdict).

Figures: certified from the stored period rows (:func:`xuefen.exports.data.figures`), a
draft's from the pending results, marked on every page. The semester is the policy's
``semester`` (7月1日 and 1月1日 anchors: 2018-07-01..12-31 is 2018-2019-1).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import translation

from xuefen.catalog.choices import Mode
from xuefen.org.choices import Sex, Stage
from xuefen.org.models import Teacher
from xuefen.records.choices import RecordStatus
from xuefen.records.models import Record

from .. import data
from ..layout import Column, Document, Head, Signature, Table
from ..registry import PDF, SCHOOL, ExportRequest, FormSpec, register

SCHOOL_BASED = "school_based"
POLICIES = ("wencheng",)
PERIOD_TYPES = ("semester",)

GATE_NOTE = (
    "说明：评估考核合格的学校（考核分为120分以上），全校教师校本研修学分准予认定；不合格的学校"
    "经整改后仍不合格，全校教师本学期校本研修学分不予认定。表中学时学分由本系统依县里的政策计算，"
    "未认定的记录在认定说明中写明原因。"
)

# Record fields that say what a record was (its menu item), shown after its name.
_DETAIL_FIELDS = ("role", "output", "resource", "title", "program", "award", "rank", "count")


# -- reading -------------------------------------------------------------------------


class Chunk:
    """What the forms need of one chunk of teachers: the semester's figures and each
    teacher's school-based records with the engine's verdicts (three queries)."""

    def __init__(self, request: ExportRequest, teachers: list[Teacher]) -> None:
        period = request.period
        ids = [t.pk for t in teachers]
        self.teachers = teachers
        self.figures = data.figures(
            ids, period_type=period.type, start=period.start, draft=request.draft
        )
        records = data.records_in(ids, start=period.start, end=period.end, draft=request.draft)
        verdicts = data.verdicts(ids, draft=request.draft)
        self.entries: dict[int, list[tuple[Record, data.Verdict]]] = {}
        for teacher_id, items in records.items():
            # School-based records: those the policy gave the school-based mode.
            self.entries[teacher_id] = [
                (r, verdicts[r.pk])
                for r in items
                if r.pk in verdicts and verdicts[r.pk].mode == SCHOOL_BASED
            ]

    def figures_of(self, teacher: Teacher) -> data.Figures:
        return self.figures.get(teacher.pk) or data.Figures()


def chunks_of(request: ExportRequest) -> Iterator[Chunk]:
    for teachers in data.chunks(data.teachers_of(request.node)):
        yield Chunk(request, teachers)


# -- words ---------------------------------------------------------------------------


class Words:
    """The Chinese words of one export, each looked up once (a lazy label per cell costs
    more than writing the cell): kinds (the policy's record vocabulary), modes, sexes and
    stages, and the record fields' labels and values (records.kinds)."""

    def __init__(self) -> None:
        from xuefen.policy import KIND_LABELS

        self.kinds = dict(KIND_LABELS)
        self.modes = data.labels(Mode)
        self.sexes = data.labels(Sex)
        self.stages = data.labels(Stage)
        self._details: dict[tuple[str, str, Any], str] = {}

    def sex(self, teacher: Teacher) -> str:
        return self.sexes.get(teacher.sex, "") if teacher.sex else ""

    def subject(self, teacher: Teacher) -> str:
        """学段学科: 小学语文."""
        stage = self.stages.get(teacher.stage, "") if teacher.stage else ""
        return f"{stage}{teacher.subject}"

    def item(self, record: Record) -> str:
        """研修项目: the kind (培训项目, 听课 …), a training's mode after it."""
        label = self.kinds.get(record.kind, record.kind)
        if record.kind == "training":
            fields = record.fields if isinstance(record.fields, dict) else {}
            mode = fields.get("mode") or (record.project.mode if record.project_id else "")
            if mode in self.modes:
                label += f"（{self.modes[mode]}）"
        return label

    def detail(self, kind: str, key: str, value: Any) -> str:
        """One menu field in Chinese: 成果：论文, 听课节数：3."""
        from xuefen.records.kinds import display_value, field_label

        try:
            cache_key = (kind, key, value)
            hash(cache_key)
        except TypeError:
            cache_key = (kind, key, repr(value))
        words = self._details.get(cache_key)
        if words is None:
            with translation.override("zh-hans"):
                words = f"{field_label(kind, key)}：{display_value(kind, key, value)}"
            self._details[cache_key] = words
        return words

    def content(self, record: Record) -> str:
        """研修内容: the activity's theme, the project's or the record's own name, then the
        record's menu fields (角色：磨课, 成果：论文, 听课节数：3)."""
        fields = record.fields if isinstance(record.fields, dict) else {}
        parts: list[str] = []
        if record.activity_id is not None:
            parts.append(record.activity.theme)
        elif record.project_id is not None:
            parts.append(record.project.name)
        name = str(fields.get("name") or "").strip()
        if name and name not in parts:
            parts.append(name)
        for key in _DETAIL_FIELDS:
            value = fields.get(key)
            if value is not None and value != "":
                parts.append(self.detail(record.kind, key, value))
        return "；".join(p for p in parts if p)


def _size(request: ExportRequest) -> int:
    period = request.period
    statuses = [RecordStatus.CERTIFIED, *(data.DRAFT_STATUSES if request.draft else ())]
    teachers = Teacher.objects.filter(school=request.node, active=True).count()
    records = Record.objects.filter(
        teacher__school=request.node,
        teacher__active=True,
        date__gte=period.start,
        date__lte=period.end,
        status__in=statuses,
    ).count()
    return records + 2 * teachers


def _school_lines(request: ExportRequest) -> list[str]:
    p = request.period
    return [
        f"学校（园）：{request.node.name}",
        f"学期：{p.name}（{p.start:%Y年%m月%d日}至{p.end:%Y年%m月%d日}）",
    ]


# -- 附件4: each teacher's form --------------------------------------------------------

_RECORD_HEADER = [
    Head("序号"),
    Head("日期"),
    Head("研修项目"),
    Head("研修内容"),
    Head("学时"),
    Head("学分"),
    Head("认定说明"),
]
_RECORD_COLUMNS = [
    Column(6, number=True, decimals=0),
    Column(13),
    Column(17),
    Column(27),
    Column(8, number=True),
    Column(8, number=True),
    Column(31),
]
SIGN_LINE = "教师本人签名：　　　　　　审核人签名：　　　　　　校印：　　　　　　年　　月　　日"


def _record_cells(words: Words, n: int, record: Record, verdict: data.Verdict) -> list[Any]:
    return [
        n,
        record.date.isoformat(),
        words.item(record),
        words.content(record),
        verdict.hours,
        verdict.credits,
        verdict.explanation,
    ]


class _Loader:
    """The chunk a PDF's per-teacher tables read from: loaded when the renderer reaches
    its first teacher, dropped when it moves on (the renderer reads tables in order)."""

    def __init__(self, request: ExportRequest) -> None:
        self.request = request
        self.words = Words()
        self.chunk_of: dict[int, list[Teacher]] = {}
        self.current: tuple[int, Chunk] | None = None

    def add(self, index: int, teachers: list[Teacher]) -> None:
        self.chunk_of[index] = teachers

    def entries(self, index: int, teacher: Teacher) -> list[tuple[Record, data.Verdict]]:
        if self.current is None or self.current[0] != index:
            self.current = None  # drop the previous chunk before reading the next
            self.current = (index, Chunk(self.request, self.chunk_of[index]))
        return self.current[1].entries.get(teacher.pk, [])


def _teacher_rows(loader: _Loader, index: int, teacher: Teacher) -> Iterator[list[Any]]:
    entries = loader.entries(index, teacher)
    if not entries:
        yield [None, None, None, "本学期无校本研修学分登记", None, None, None]
    for n, (record, verdict) in enumerate(entries, 1):
        yield _record_cells(loader.words, n, record, verdict)


def _pdf_tables(request: ExportRequest) -> list[Table]:
    loader = _Loader(request)
    words = loader.words
    tables: list[Table] = []
    for index, teachers in enumerate(data.chunks(data.teachers_of(request.node))):
        loader.add(index, teachers)
        figures = data.figures(
            [t.pk for t in teachers],
            period_type=request.period.type,
            start=request.period.start,
            draft=request.draft,
        )
        for teacher in teachers:
            f = figures.get(teacher.pk) or data.Figures()
            tables.append(
                Table(
                    columns=_RECORD_COLUMNS,
                    header=[_RECORD_HEADER],
                    rows=_teacher_rows(loader, index, teacher),
                    totals=[
                        [
                            "合计",
                            None,
                            None,
                            "本学期校本研修学时、学分",
                            f.h(SCHOOL_BASED),
                            f.c(SCHOOL_BASED),
                            None,
                        ]
                    ],
                    caption=f"教师校本研修学分登记表（{teacher.name}）",
                    above=[
                        f"姓名：{teacher.name}　性别：{words.sex(teacher)}　"
                        f"身份证号：{data.id_number_for(teacher, full=request.full_ids)}　"
                        f"学段学科：{words.subject(teacher)}"
                    ],
                    below=[SIGN_LINE],
                )
            )
    if not tables:
        tables.append(
            Table(
                columns=_RECORD_COLUMNS,
                header=[_RECORD_HEADER],
                rows=[[None, None, None, "本校没有在职教师", None, None, None]],
            )
        )
    return tables


def _sheet_rows(request: ExportRequest) -> Iterator[list[Any]]:
    words = Words()
    for chunk in chunks_of(request):
        for teacher in chunk.teachers:
            name = teacher.name
            id_number = data.id_number_for(teacher, full=request.full_ids)
            entries = chunk.entries.get(teacher.pk, [])
            if not entries:
                yield [name, id_number, None, None, None, "本学期无校本研修学分登记"]
            for n, (record, verdict) in enumerate(entries, 1):
                yield [name, id_number, *_record_cells(words, n, record, verdict)]
            f = chunk.figures_of(teacher)
            yield [
                name,
                id_number,
                "合计",
                None,
                None,
                "本学期校本研修学时、学分",
                f.h(SCHOOL_BASED),
                f.c(SCHOOL_BASED),
                None,
            ]
            yield [name, None, None, None, None, SIGN_LINE, None, None, None]


def build_form4(request: ExportRequest) -> Document:
    if request.format == PDF:
        tables = _pdf_tables(request)
    else:
        tables = [
            Table(
                columns=[Column(10), Column(21), *_RECORD_COLUMNS],
                header=[[Head("姓名"), Head("身份证号"), *_RECORD_HEADER]],
                rows=_sheet_rows(request),
                sheet="教师校本研修学分登记表",
            )
        ]
    return Document(
        title="文成县中小学（园）教师校本研修学分登记表",
        name=f"{request.node.name}_{request.period.label}_教师校本研修学分登记表",
        tables=tables,
        lines=_school_lines(request),
        notes=[GATE_NOTE],
        landscape=request.format != PDF,
        draft=request.draft,
        footer=f"{request.node.name} · {request.period.name} · 附件4",
        made=request.made,
    )


register(
    FormSpec(
        id="wencheng-4",
        title="教师校本研修学分登记表",
        level=SCHOOL,
        build=build_form4,
        size=_size,
        policies=POLICIES,
        period_types=PERIOD_TYPES,
        description=(
            "每位教师一份（PDF 每人一页起）：本学期校本研修记录、认定学时学分与说明，"
            "审核人签名、校印栏。"
        ),
        source="文成 附件4",
    )
)


# -- 附件5: the school's summary -------------------------------------------------------


def _remark(entries: list[tuple[Record, data.Verdict]]) -> str:
    """备注: how many listed records the engine did not count, and its reasons."""
    reasons: list[str] = []
    missed = 0
    for _record, verdict in entries:
        if verdict.counted:
            continue
        missed += 1
        if verdict.explanation and verdict.explanation not in reasons:
            reasons.append(verdict.explanation)
    if not missed:
        return ""
    return f"{missed}条记录未认定：" + "；".join(reasons[:3]) + ("等" if len(reasons) > 3 else "")


def _summary_rows(request: ExportRequest) -> Iterator[list[Any]]:
    words = Words()
    hours = credits = 0.0
    n = 0
    for chunk in chunks_of(request):
        for teacher in chunk.teachers:
            f = chunk.figures_of(teacher)
            n += 1
            hours += f.h(SCHOOL_BASED)
            credits += f.c(SCHOOL_BASED)
            yield [
                n,
                teacher.name,
                words.sex(teacher),
                data.id_number_for(teacher, full=request.full_ids),
                words.subject(teacher),
                f.h(SCHOOL_BASED),
                f.c(SCHOOL_BASED),
                _remark(chunk.entries.get(teacher.pk, [])),
            ]
    yield ["合计", f"{n}人", None, None, None, round(hours, 2), round(credits, 2), None]


def build_form5(request: ExportRequest) -> Document:
    return Document(
        title="文成县中小学（园）校本研修学分登记汇总表",
        name=f"{request.node.name}_{request.period.label}_校本研修学分登记汇总表",
        tables=[
            Table(
                columns=[
                    Column(6, number=True, decimals=0),
                    Column(10),
                    Column(5),
                    Column(21),
                    Column(12),
                    Column(10, number=True),
                    Column(10, number=True),
                    Column(36),
                ],
                header=[
                    [
                        Head("序号"),
                        Head("姓名"),
                        Head("性别"),
                        Head("身份证号"),
                        Head("学段学科"),
                        Head("校本研修学时"),
                        Head("校本研修学分"),
                        Head("备注"),
                    ]
                ],
                rows=_summary_rows(request),
                sheet="校本研修学分登记汇总表",
                below=[
                    "公示时间：　　　　年　　月　　日至　　　　年　　月　　日（在本校公示一周）"
                ],
            )
        ],
        lines=_school_lines(request),
        signatures=[
            Signature("校长（园长）签名："),
            Signature("学校（盖章）：", stamp=True),
            Signature("日期：　　　　年　　月　　日"),
        ],
        notes=[GATE_NOTE],
        landscape=True,
        draft=request.draft,
        footer=f"{request.node.name} · {request.period.name} · 附件5",
        made=request.made,
    )


def _summary_size(request: ExportRequest) -> int:
    return Teacher.objects.filter(school=request.node, active=True).count() + 1


register(
    FormSpec(
        id="wencheng-5",
        title="校本研修学分登记汇总表",
        level=SCHOOL,
        build=build_form5,
        size=_summary_size,
        policies=POLICIES,
        period_types=PERIOD_TYPES,
        description=(
            "全校每位教师一行：本学期校本研修学时、学分与备注，合计；公示时间、校长签名、校印栏。"
        ),
        source="文成 附件5",
    )
)


# -- 附件7: the details ----------------------------------------------------------------


def _detail_rows(request: ExportRequest) -> Iterator[list[Any]]:
    words = Words()
    hours = credits = 0.0
    n = 0
    for chunk in chunks_of(request):
        for teacher in chunk.teachers:
            for record, verdict in chunk.entries.get(teacher.pk, []):
                n += 1
                hours += verdict.hours
                credits += verdict.credits
                yield [n, teacher.name, *_record_cells(words, n, record, verdict)[1:]]
    yield ["合计", f"{n}条", None, None, None, round(hours, 2), round(credits, 2), None]


def build_form7(request: ExportRequest) -> Document:
    return Document(
        title="文成县中小学（园）校本研修学分登记表(详细情况)",
        name=f"{request.node.name}_{request.period.label}_校本研修学分登记表详细情况",
        tables=[
            Table(
                columns=[
                    Column(6, number=True, decimals=0),
                    Column(10),
                    Column(11),
                    Column(18),
                    Column(30),
                    Column(7, number=True),
                    Column(7, number=True),
                    Column(34),
                ],
                header=[
                    [
                        Head("序号"),
                        Head("姓名"),
                        Head("日期"),
                        Head("研修项目"),
                        Head("研修内容"),
                        Head("学时"),
                        Head("学分"),
                        Head("认定说明"),
                    ]
                ],
                rows=_detail_rows(request),
                sheet="详细情况",
            )
        ],
        lines=_school_lines(request),
        notes=[GATE_NOTE],
        landscape=True,
        draft=request.draft,
        footer=f"{request.node.name} · {request.period.name} · 附件7",
        made=request.made,
    )


register(
    FormSpec(
        id="wencheng-7",
        title="校本研修学分登记表(详细情况)",
        level=SCHOOL,
        build=build_form7,
        size=_size,
        policies=POLICIES,
        period_types=PERIOD_TYPES,
        description="全校本学期每条校本研修记录一行：日期、项目、内容、学时、学分、认定说明。",
        source="文成 附件7",
    )
)
