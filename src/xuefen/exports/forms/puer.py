"""普洱's forms (004, 《普洱市中小学幼儿园教师全员培训学分认定管理实施细则(试行)》 附件2).

**附件2—2 学时学分申报表** (``puer-declaration``, a school's, yearly, landscape). The form's
own layout: 学校(盖章)：, 联系人及电话：, then one row per teacher — 序号 姓名 性别 身份证号码
任教学段学科 职称, 集中培训 / 网络研修 / 校本研修 (学时 学分 each, in this order, the form's),
全年汇总 (总学时 总学分), 备注 — then 审核单位(盖章)： and the form's 说明. Readings:

- One row per active teacher of the school, in roster order (:func:`data.teachers_of`);
  the figures are the engine's year figures as stored (:func:`data.figures`): certified
  records only, or, for a draft, every submitted and approved record counted as well (the
  document then carries the draft mark on every page, and 备注 starts with 含待认定 for each
  teacher whose figures differ from the certified ones).
- 总学时/总学分 are the engine's year totals, which leave out what the policy keeps apart
  (新教师上岗培训 is not counted in the totals, 第十条); the three modes add up to them.
- 备注 says what the year's unmet requirements miss, in few words (a row of the form has
  little room): 差：全年60时/59.4分；网络21时/20.4分；集中18时/18分；校本21时/21分；县级以上42分
  (时 = 学时, 分 = 学分; the notes under the table say so). Requirements other than the
  year's totals, modes and county-level credits keep their label (新教师第一年上岗培训不少于
  120学时（差80）). Empty where the teacher meets them all; 本年度无计入的学时学分 where the
  teacher has no figures in the year.
- The 合计 row sums the columns over the rows printed (the school's active teachers).
- 学校(盖章) is printed with the school's name on top (the form's line) and again as a stamp
  box at the foot beside 审核单位(盖章); 联系人及电话 is left to fill by hand.

**附件2—1 登记册** (``puer-register``, one teacher's, for the cycle or one year, portrait):
the register's six tables, each on its own page (its own sheet in Excel).

- 一、个人基本信息表: a form-style table (labels and values). xuefen stores 姓名, 性别,
  身份证号, 工作单位 (the school), 任教学科 (学段 and 学科), 职称 and the hire date, which is
  printed as 参加工作时间; 出生年月 is read from the ID number where the exporting user may
  see it in full. Everything else the form asks (编号, 民族, 政治面貌, 籍贯, 任教时间, the post
  in 工作单位及职务, and both education blocks: 全日制教育 and 在职教育 学历及学位, 入学时间,
  毕业时间, 毕业院校及专业) is not stored: those are empty boxes (:class:`Blank`) to fill by
  hand.
- 二、提高学历层次进修登记表: one row per degree programme (``degree_study`` records of the
  period, grouped by their ``program``), at least the form's three rows. The programme text
  is written "院校 专业" (the record form's help text): the part before the first space
  (ASCII or ideographic) is 进修院校, the rest 专业. 进修层次, 入学日期, 毕业(结业)日期 and
  获证书情况 are not stored (boxes to fill). Two columns are added after the form's:
  登记年度 (the years of the institution's yearly transcripts, 第十三条5) and the 学时/学分
  the engine counted for them; the form's 在职单位证明(公章) boxes become one stamp box per
  row.
- 三、教师全员培训学时学分年度登记表: one row per year of the cycle containing the period
  (the form's five rows), from the stored year figures: 网络研修, 集中研修, 校本研修 学时 and
  学分 (the form's order), 累计学时/累计学分 read as running totals from the cycle's start
  to the end of that year, and the 教育行政部门盖章 box. Years that have not begun are left
  empty. The 合计 row is the engine's cycle figures. Under it the form's 教师五年一周期学分
  合计: per year, the credits by module (the engine's verdict on each counted record, by the
  module it was counted under) and the year's total credits; the 合计 row is the cycle's
  module credits. Credits of records that carry no module (第十三条 items without one) are
  in 总学分 but in no module column.
- 四、教师全员培训学时学分项目登记表: one table per year of the period (（2023年度）; years not
  yet begun are left out), one row per ``training`` record of the year that the engine
  counted: 培训时间 (the record's date), 项目名称 (the project's name, else the record's),
  培训层次 and 培训方式 in Chinese, 培训学时 and 培训学分 (the engine's verdict: caps
  applied), 培训成绩 (score or grade), 培训机构 (the project's institution; the school for
  school-based training without one) and 负责人, a box for the signature. Training the
  engine did not count is not listed. Each year's table ends with the form's 学校审查意见 and
  市、县(区)…审核意见 lines (负责人(签字) (盖章)).
- 五、新招聘教师试用期培训登记表: the ``new_teacher_training`` records of the period, whoever
  the teacher is now: the first-year flag marks the current induction year only, while the
  register keeps every year, so a teacher's induction stays in the register after the flag
  is cleared. Columns as the form's (培训时间 培训课程 学时 成绩 培训单位) with 其中实践性学时
  added (the requirement is 120 h, 60 of them practical); these hours are outside the
  yearly totals (第十条). Then the form's 负责人(签字) and 教育行政主管部门(盖章) line.
- 六、其他形式培训登记表: every other record of the period (工作室, 授课, 比赛, 课题, 读书,
  获奖 …; school-based attendance sheets only where the engine counted them), with 学分
  and 备注 (the engine's explanation: how the figure was reached, or why it earns nothing)
  added to the form's columns.

Records are those the basis counts (:func:`data.records_in`: certified; and submitted or
approved ones for a draft); hours and credits are always the engine's verdicts
(:func:`data.verdicts`), never recomputed here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone, translation

from xuefen.catalog.choices import Level, Mode, Module
from xuefen.catalog.models import Institution
from xuefen.org.choices import Sex, Stage
from xuefen.org.models import Teacher
from xuefen.org.validators import normalize_id_number
from xuefen.policy import XuefenError
from xuefen.records.kinds import value_labels
from xuefen.records.models import Record, kind_label
from xuefen.results.models import TeacherPeriod, TeacherResult

from .. import data
from ..layout import Blank, Column, Document, Head, Signature, Table
from ..registry import SCHOOL, TEACHER, ExportRequest, FormSpec, register

POLICIES = ("puer",)
# The declaration's order of the modes (集中培训, 网络研修, 校本研修) and the register's
# yearly table's (网络研修, 集中研修, 校本研修): each as its form prints them.
DECLARATION_MODES = ("centralized", "online", "school_based")
DECLARATION_MODE_HEADS = {
    "centralized": "集中培训",
    "online": "网络研修",
    "school_based": "校本研修",
}
REGISTER_MODES = ("online", "centralized", "school_based")
MODULES = ("ethics", "knowledge", "ability", "class_management", "school_based")
# Kinds with a table of their own in the register; every other kind goes to table 六.
_OWN_TABLE = frozenset({"training", "new_teacher_training", "degree_study"})
_ATTENDANCE = "activity_attendance"


def _num(value: float) -> str:
    """A figure as text: ``42`` or ``4.5`` (no trailing zeros)."""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return text or "0"


class _Labels:
    """The Chinese labels the forms print, read once in Chinese whatever the user's
    language (the forms are the documents' own words)."""

    def __init__(self) -> None:
        with translation.override("zh-hans"):
            self.sex = {k: str(v) for k, v in Sex.choices}
            self.stage = {k: str(v) for k, v in Stage.choices}
            self.level = {k: str(v) for k, v in Level.choices}
            self.mode = {k: str(v) for k, v in Mode.choices}
            self.module = {k: str(v) for k, v in Module.choices}
            self.values: dict[tuple[str, str], dict[str, str]] = {}
            for kind, name in (
                ("training", "grade"),
                ("studio", "grade"),
                ("studio", "role"),
                ("research_project", "grade"),
                ("research_project", "role"),
                ("activity_role", "role"),
                ("competition", "award"),
                ("award", "rank"),
                ("award", "category"),
            ):
                self.values[(kind, name)] = {k: str(v) for k, v in value_labels(kind, name).items()}

    def value(self, kind: str, name: str, value: Any) -> str:
        return self.values.get((kind, name), {}).get(str(value), str(value))

    def teaching(self, teacher: Teacher) -> str:
        """任教学段学科: 初中语文."""
        return f"{self.stage.get(teacher.stage, '')}{teacher.subject}"


# -- the declaration (附件2—2) ------------------------------------------------------------


class _Sums:
    """Column sums of a streamed body: filled as its rows go by."""

    def __init__(self, width: int) -> None:
        self.values = [0.0] * width
        self.count = 0
        self.done = False

    def add(self, values: Sequence[float]) -> None:
        self.count += 1
        for i, value in enumerate(values):
            self.values[i] += value


class _StreamTotals(Sequence[Sequence[Any]]):
    """The 合计 row of a streamed body, as a table's ``totals``.

    The writers read the totals after the body (Excel row by row, the PDF piece by piece),
    so they are the sums its rows gathered on the way. A reader that asks for them before
    the body is done gets them from a second reading of the body, alone, in chunks. Either
    way the body is never held in memory, and the totals are the sums of the rows printed.
    """

    def __init__(
        self, sums: _Sums, recount: Callable[[], _Sums], row: Callable[[_Sums], list[Any]]
    ) -> None:
        self._sums = sums
        self._recount = recount
        self._row = row

    def __iter__(self) -> Iterator[list[Any]]:
        sums = self._sums if self._sums.done else self._recount()
        yield self._row(sums)

    def __len__(self) -> int:
        return 1

    def __getitem__(self, index: Any) -> Any:
        return list(self)[index]


def _pending_marked(ids: list[int], request: ExportRequest, figures: dict) -> set[int]:
    """The teachers of a draft whose figures count pending records: their draft totals
    differ from the certified ones stored for the year."""
    certified = {
        tid: (hours, credits)
        for tid, hours, credits in TeacherPeriod.objects.filter(
            teacher_id__in=ids, period_type=request.period.type, start=request.period.start
        ).values_list("teacher_id", "total_hours", "total_credits")
    }
    marked = set()
    for tid in ids:
        f = figures.get(tid)
        draft = (f.h(), f.c()) if f is not None else (0.0, 0.0)
        hours, credits = certified.get(tid, (0.0, 0.0))
        if draft != (round(float(hours or 0), 2), round(float(credits or 0), 2)):
            marked.add(tid)
    return marked


# 普洱's yearly requirements, as 备注 names them in few words: ``year-hours-online`` and
# ``year-credits-online`` both become 网络 with what is missing (网络21时/20.4分).
_SHORT_NAMES = {
    "total": "全年",
    "online": "网络",
    "centralized": "集中",
    "school-based": "校本",
    "county-plus": "县级以上",
}
_SHORT_ID = re.compile(r"^year-(hours|credits)-([a-z-]+)$")


def _shortfall(value: Any) -> str:
    try:
        return _num(float(value))
    except (TypeError, ValueError):
        return ""


def _remark(f: data.Figures | None, pending: bool) -> str:
    """备注: 含待认定 (a draft's figures with pending records), then what the year's unmet
    requirements miss, in few words: ``差：全年60时/59.4分；网络21时/20.4分；县级以上42分``. A
    requirement the policy names otherwise (新教师上岗培训 …) keeps its label: ``新教师第一年上岗
    培训不少于120学时（差80）``."""
    parts = ["含待认定"] if pending else []
    if f is None:
        parts.append("本年度无计入的学时学分")
        return "；".join(parts)
    grouped: dict[str, dict[str, str]] = {}
    others: list[str] = []
    for s in f.short:
        shortfall = _shortfall(s.get("shortfall"))
        match = _SHORT_ID.match(str(s.get("id") or ""))
        if match and match.group(2) in _SHORT_NAMES and shortfall:
            grouped.setdefault(_SHORT_NAMES[match.group(2)], {})[match.group(1)] = shortfall
            continue
        label = str(s.get("label") or s.get("id") or "")
        if not shortfall:
            others.append(label)
        elif s.get("measure") == "share":
            others.append(f"{label}（差{_num(float(s['shortfall']) * 100)}%）")
        else:
            others.append(f"{label}（差{shortfall}）")
    unmet = []
    for name in _SHORT_NAMES.values():
        missing = grouped.get(name)
        if missing:
            amounts = [
                f"{missing[m]}{unit}"
                for m, unit in (("hours", "时"), ("credits", "分"))
                if m in missing
            ]
            unmet.append(name + "/".join(amounts))
    if unmet:
        parts.append("差：" + "；".join(unmet))
    parts.extend(others)
    return "；".join(parts)


def _declaration_rows(request: ExportRequest, labels: _Labels, sums: _Sums) -> Iterator[list]:
    """One row per active teacher, read 2,000 teachers at a time."""
    n = 0
    for chunk in data.chunks(data.teachers_of(request.node)):
        ids = [t.pk for t in chunk]
        figures = data.figures(
            ids, period_type=request.period.type, start=request.period.start, draft=request.draft
        )
        marked = _pending_marked(ids, request, figures) if request.draft else set()
        for teacher in chunk:
            f = figures.get(teacher.pk)
            shown = f or data.Figures()
            values: list[float] = []
            for mode in DECLARATION_MODES:
                values += [shown.h(mode), shown.c(mode)]
            values += [shown.h(), shown.c()]
            sums.add(values)
            n += 1
            yield [
                n,
                teacher.name,
                labels.sex.get(teacher.sex, ""),
                data.id_number_for(teacher, full=request.full_ids),
                labels.teaching(teacher),
                teacher.title,
                *values,
                _remark(f, teacher.pk in marked),
            ]
        # Let this chunk's figures go before the next chunk's are read: memory holds one
        # chunk, never two.
        del figures, marked, f
    sums.done = True


def build_declaration(request: ExportRequest) -> Document:
    labels = _Labels()
    width = 2 * len(DECLARATION_MODES) + 2
    sums = _Sums(width)

    def recount() -> _Sums:
        again = _Sums(width)
        for _row in _declaration_rows(request, labels, again):
            pass
        return again

    def total_row(s: _Sums) -> list[Any]:
        return ["合计", f"{s.count}人", "", "", "", "", *[round(v, 2) for v in s.values], ""]

    header = [
        [
            Head("序号", rowspan=2),
            Head("姓名", rowspan=2),
            Head("性别", rowspan=2),
            Head("身份证号码", rowspan=2),
            Head("任教学段学科", rowspan=2),
            Head("职称", rowspan=2),
            *[Head(DECLARATION_MODE_HEADS[m], colspan=2) for m in DECLARATION_MODES],
            Head("全年汇总", colspan=2),
            Head("备注", rowspan=2),
        ],
        [
            *[Head(word) for _mode in DECLARATION_MODES for word in ("学时", "学分")],
            Head("总学时"),
            Head("总学分"),
        ],
    ]
    columns = [
        Column(6, number=True, decimals=0),
        Column(8),
        Column(5),
        Column(23),
        Column(15),
        Column(9),
        *[Column(7, number=True) for _i in range(2 * len(DECLARATION_MODES))],
        Column(8, number=True),
        Column(8, number=True),
        Column(30),
    ]
    school = request.node
    return Document(
        title="普洱市中小学幼儿园教师全员培训学时学分申报表（试行）",
        name=f"{school.name}_{request.period.label}_学时学分申报表",
        tables=[
            Table(
                columns=columns,
                header=header,
                rows=_declaration_rows(request, labels, sums),
                totals=_StreamTotals(sums, recount, total_row),
                sheet="学时学分申报表",
            )
        ],
        lines=[
            f"学校（盖章）：{school.name}",
            f"申报年度：{request.period.name}",
            "联系人及电话：" + "\u3000" * 12,
        ],
        signatures=[
            Signature("学校（盖章）：", stamp=True),
            Signature("审核单位（盖章）：", stamp=True),
        ],
        notes=[
            "说明：此表由学校汇总填写上报，学员年度学时学分的申报须按照《普洱市中小学教师全员培训"
            "管理办法（试行）》执行。",
            "学时学分由本系统依《普洱市中小学教师全员培训管理办法（试行）》按已认定的记录计算；"
            "备注列出本年度未达到的要求所差的学时（时）与学分（分），如“网络21时/20.4分”即网络研修"
            "差21学时、20.4学分。",
        ],
        landscape=True,
        draft=request.draft,
        footer=f"{school.name} · {request.period.name} · 附件2—2",
        made=request.made,
    )


def _declaration_size(request: ExportRequest) -> int:
    return Teacher.objects.filter(school=request.node, active=True).count()


register(
    FormSpec(
        id="puer-declaration",
        title="学时学分申报表",
        level=SCHOOL,
        build=build_declaration,
        size=_declaration_size,
        policies=POLICIES,
        period_types=("year",),
        description=(
            "普洱 附件2—2：学校每位教师本年度集中培训、网络研修、校本研修的学时学分与全年汇总，"
            "备注列出未达到的要求；公示后上报审核单位。"
        ),
        source="附件2—2",
    )
)


# -- the register (附件2—1) -----------------------------------------------------------------


def _engine_records(teacher_id: int, draft: bool) -> dict[int, dict[str, Any]]:
    """The engine's word on each of the teacher's records beyond :class:`data.Verdict`:
    its date, whether it is in the totals (新教师上岗培训 is not) and its practical hours."""
    column = "pending" if draft else "result"
    out: dict[int, dict[str, Any]] = {}
    for result in TeacherResult.objects.filter(teacher_id=teacher_id).values_list(
        column, flat=True
    ):
        for record in (result or {}).get("records", []):
            try:
                out[int(record["id"])] = record
            except (KeyError, TypeError, ValueError):
                continue
    return out


def _facts(record: Record) -> dict[str, Any]:
    """The record's fields as the engine read them: the frozen copy of a certified record,
    else its own fields over what a training inherits from its project."""
    if record.certified_input is not None:
        return dict(record.certified_input)
    facts: dict[str, Any] = {}
    if record.project is not None and record.kind == "training":
        facts.update(record.project.engine_defaults())
    facts.update(record.fields if isinstance(record.fields, dict) else {})
    if record.level:
        facts["level"] = record.level
    return facts


def _birth(teacher: Teacher, full: bool) -> Any:
    """出生年月 from the ID number (only where the user sees it in full)."""
    if not full:
        return Blank()
    number = normalize_id_number(teacher.id_number)
    if len(number) == 18:
        return f"{number[6:10]}年{number[10:12]}月"
    if len(number) == 15:
        return f"19{number[6:8]}年{number[8:10]}月"
    return Blank()


def _personal_table(request: ExportRequest, teacher: Teacher, labels: _Labels) -> Table:
    hire = teacher.hire_date
    rows = [
        ["编号", Blank(), "姓名", teacher.name, "性别", labels.sex.get(teacher.sex, "")],
        ["民族", Blank(), "政治面貌", Blank(), "籍贯", Blank()],
        [
            "出生年月",
            _birth(teacher, request.full_ids),
            "参加工作时间",
            f"{hire:%Y年%m月}" if hire else Blank(),
            "身份证号",
            data.id_number_for(teacher, full=request.full_ids),
        ],
        [
            "工作单位及职务",
            teacher.school.name,
            "任教时间",
            Blank(),
            "任教学科",
            labels.teaching(teacher),
        ],
        [
            "职务职称",
            teacher.title or Blank(),
            "全日制教育学历及学位",
            Blank(),
            "全日制教育入学时间",
            Blank(),
        ],
        [
            "全日制教育毕业时间",
            Blank(),
            "全日制教育毕业院校及专业",
            Blank(),
            "在职教育学历及学位",
            Blank(),
        ],
        [
            "在职教育入学时间",
            Blank(),
            "在职教育毕业时间",
            Blank(),
            "在职教育毕业院校及专业",
            Blank(),
        ],
    ]
    return Table(
        columns=[Column(14), Column(17), Column(16), Column(17), Column(14), Column(22)],
        rows=rows,
        labels=frozenset((r, c) for r in range(len(rows)) for c in (0, 2, 4)),
        caption="一、个人基本信息表",
        sheet="一 个人基本信息",
        below=["空白栏为本系统不存的信息，由学校据教师档案填写。"],
    )


def _score(kind: str, facts: dict[str, Any], labels: _Labels) -> str:
    """培训成绩: the score, else the grade (the award for a competition or prize)."""
    score = facts.get("score")
    if score is not None and score != "":
        try:
            return _num(float(score))
        except (TypeError, ValueError):
            return str(score)
    for name in ("grade", "award", "rank"):
        value = facts.get(name)
        if value:
            return labels.value(kind, name, value)
    return ""


def _course(record: Record, facts: dict[str, Any]) -> str:
    if record.project is not None:
        return record.project.name
    return str(facts.get("name") or "") or kind_label(record.kind)


@dataclass(frozen=True)
class _Year:
    """A year of the register where the policy names none (the period itself)."""

    start: dt.date
    end: dt.date
    label: str


class _Register:
    """What the register's tables read, gathered once for the teacher."""

    def __init__(self, request: ExportRequest) -> None:
        teacher = request.teacher
        assert teacher is not None  # a TEACHER form: make_request insists
        self.request = request
        self.teacher = teacher
        self.labels = _Labels()
        self.today = timezone.localdate()
        period = request.period
        self.years, self.cycle = self._periods(request)
        self.period_years = [y for y in self.years if period.start <= y.start <= period.end]
        if not self.period_years:  # a policy without a cycle: the period is the year
            self.period_years = [y for y in self.years if y.start <= period.start <= y.end]
        records = data.records_in(
            [teacher.pk], start=period.start, end=period.end, draft=request.draft
        )[teacher.pk]
        self.records = records
        self.verdicts = data.verdicts([teacher.pk], draft=request.draft)
        self.engine = _engine_records(teacher.pk, request.draft)
        institution_ids = {
            r.project.institution_id
            for r in records
            if r.project is not None and r.project.institution_id is not None
        }
        self.institutions = dict(
            Institution.objects.filter(pk__in=institution_ids).values_list("pk", "name")
        )

    @staticmethod
    def _periods(request: ExportRequest) -> tuple[list[Any], Any]:
        """The years of the cycle containing the period, and the cycle (None where the
        policy has none: then the years of the period)."""
        period = request.period
        try:
            policy = request.binding.load() if request.binding is not None else None
        except (XuefenError, ValueError, OSError):
            policy = None
        cycle = None
        if policy is not None and getattr(policy, "cycle", None) is not None:
            cycle = policy.period_of(period.start, "cycle")
        start, end = (cycle.start, cycle.end) if cycle else (period.start, period.end)
        years = []
        day = start
        while day <= end and policy is not None and "year" in policy.period_types:
            year = policy.period_of(day, "year")
            years.append(year)
            day = year.end + dt.timedelta(days=1)
        if not years:
            years = [_Year(period.start, period.end, period.label)]
        return years, cycle

    # -- helpers

    def verdict(self, record: Record) -> data.Verdict:
        return self.verdicts.get(record.pk) or data.Verdict(False, 0.0, 0.0, "")

    def institution(self, record: Record, facts: dict[str, Any]) -> Any:
        project = record.project
        if project is not None and project.institution_id is not None:
            return self.institutions.get(project.institution_id, Blank())
        if facts.get("mode") == "school_based" or record.activity_id is not None:
            return self.teacher.school.name  # school-based training: run by the school
        return Blank()

    def figures(self, period_type: str, start: dt.date) -> data.Figures | None:
        return data.figures(
            [self.teacher.pk], period_type=period_type, start=start, draft=self.request.draft
        ).get(self.teacher.pk)

    def started(self, year: Any) -> bool:
        return year.start <= self.today

    # -- the tables

    def degree_table(self) -> Table:
        programmes: dict[str, list[Record]] = defaultdict(list)
        for record in self.records:
            if record.kind == "degree_study":
                facts = _facts(record)
                programmes[str(facts.get("program") or facts.get("name") or "")].append(record)
        rows: list[list[Any]] = []
        for program, records in programmes.items():
            # "云南师范大学 教育硕士": 院校, then 专业 (any space, the ideographic one too).
            school, *rest = re.split(r"\s+", program.strip(), maxsplit=1)
            major = rest[0] if rest else ""
            counted = [self.verdict(r) for r in records]
            rows.append(
                [
                    len(rows) + 1,
                    Blank(),
                    major.strip() or Blank(),
                    school or Blank(),
                    Blank(),
                    Blank(),
                    Blank(),
                    Blank(),
                    Blank(),
                    "、".join(sorted({f"{r.date.year}" for r in records})),
                    round(sum(v.hours for v in counted if v.counted), 2),
                    round(sum(v.credits for v in counted if v.counted), 2),
                    Blank(),
                ]
            )
        while len(rows) < 3:
            rows.append([len(rows) + 1, *[Blank()] * 9, None, None, Blank()])
        return Table(
            columns=[
                Column(5, number=True, decimals=0),
                Column(7),
                Column(10),
                Column(13),
                Column(8),
                Column(8),
                Column(8),
                Column(8),
                Column(8),
                Column(9),
                Column(7, number=True, decimals=1),
                Column(7, number=True, decimals=1),
                Column(10),
            ],
            header=[
                [
                    Head("序号", rowspan=2),
                    Head("进修层次", rowspan=2),
                    Head("专业", rowspan=2),
                    Head("进修院校", rowspan=2),
                    Head("入学日期", rowspan=2),
                    Head("毕业（结业）日期", rowspan=2),
                    Head("获证书情况", colspan=3),
                    Head("登记年度", rowspan=2),
                    Head("登记学时", rowspan=2),
                    Head("登记学分", rowspan=2),
                    Head("在职单位证明（公章）", rowspan=2),
                ],
                [Head("名称"), Head("发证单位"), Head("发证日期")],
            ],
            rows=rows,
            caption="二、提高学历层次进修登记表",
            sheet="二 学历进修",
            above=["学历进修情况记载"],
            below=[
                "学历提高凭大专院校出具的年度成绩证明登记48学时/年，三年有效（第十三条5）；"
                "登记学时学分为本系统按政策计入的数。"
            ],
        )

    def yearly_tables(self) -> list[Table]:
        labels = self.labels
        rows: list[list[Any]] = []
        module_rows: list[list[Any]] = []
        by_year_module: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for record_id, entry in self.engine.items():
            if not entry.get("counted") or entry.get("in_totals") is False:
                continue
            module = entry.get("module")
            if module not in MODULES:
                continue
            try:
                day = dt.date.fromisoformat(str(entry.get("date")))
            except ValueError:
                continue
            for i, year in enumerate(self.years):
                if year.start <= day <= year.end:
                    verdict = self.verdicts.get(record_id)
                    credits = verdict.credits if verdict else float(entry.get("credits") or 0)
                    by_year_module[i][module] += credits
        hours_so_far = credits_so_far = 0.0
        for i, year in enumerate(self.years):
            name = f"{year.label}年度"
            if not self.started(year):
                rows.append([name, *[None] * 8, Blank()])
                module_rows.append([name, *[None] * (len(MODULES) + 1)])
                continue
            f = self.figures("year", year.start) or data.Figures()
            hours_so_far += f.h()
            credits_so_far += f.c()
            figures = [v for mode in REGISTER_MODES for v in (f.h(mode), f.c(mode))]
            rows.append([name, *figures, round(hours_so_far, 2), round(credits_so_far, 2), Blank()])
            modules = by_year_module.get(i, {})
            module_rows.append([name, *[round(modules.get(m, 0.0), 2) for m in MODULES], f.c()])
        period_name = self.cycle.label if self.cycle else self.request.period.label
        totals: list[list[Any]] = []
        module_totals: list[list[Any]] = []
        if self.cycle is not None:
            c = self.figures("cycle", self.cycle.start) or data.Figures()
            totals = [
                [
                    "周期合计",
                    *[v for mode in REGISTER_MODES for v in (c.h(mode), c.c(mode))],
                    c.h(),
                    c.c(),
                    "",
                ]
            ]
            module_totals = [
                [
                    "周期合计",
                    *[round(float(c.modules.get(m, 0) or 0), 2) for m in MODULES],
                    c.c(),
                ]
            ]
        yearly = Table(
            columns=[
                Column(12),
                *[Column(8, number=True) for _i in range(6)],
                Column(9, number=True),
                Column(9, number=True),
                Column(14),
            ],
            header=[
                [
                    Head("年度", rowspan=2),
                    *[Head(labels.mode[m], colspan=2) for m in REGISTER_MODES],
                    Head("累计学时", rowspan=2),
                    Head("累计学分", rowspan=2),
                    Head("教育行政部门盖章", rowspan=2),
                ],
                [Head(word) for _m in REGISTER_MODES for word in ("学时", "学分")],
            ],
            rows=rows,
            totals=totals,
            caption="三、教师全员培训学时学分年度登记表",
            sheet="三 年度登记",
            above=[f"周期：{period_name}"],
        )
        cycle_sum = Table(
            columns=[
                Column(12),
                *[Column(11, number=True) for _m in MODULES],
                Column(11, number=True),
            ],
            header=[
                [
                    Head("年度"),
                    *[Head(labels.module[m]) for m in MODULES],
                    Head("总学分"),
                ]
            ],
            rows=module_rows,
            totals=module_totals,
            sheet="三 五年一周期学分合计",
            above=["教师五年一周期学分合计"],
            below=[
                "累计学时、累计学分为本周期开始至该年度末的合计。各模块学分为计入的记录按其模块"
                "相加；未注明模块的记录（如第十三条各项）只计入总学分。新教师上岗培训学时不计入。"
            ],
        )
        return [yearly, cycle_sum]

    def project_tables(self) -> list[Table]:
        labels = self.labels
        tables = []
        for year in self.period_years:
            if not self.started(year):
                continue
            rows: list[list[Any]] = []
            hours = credits = 0.0
            for record in self.records:
                if record.kind != "training" or not year.start <= record.date <= year.end:
                    continue
                verdict = self.verdict(record)
                if not verdict.counted:
                    continue
                facts = _facts(record)
                mode = verdict.mode or facts.get("mode", "")
                hours += verdict.hours
                credits += verdict.credits
                rows.append(
                    [
                        len(rows) + 1,
                        record.date.isoformat(),
                        _course(record, facts),
                        labels.level.get(str(facts.get("level", "")), ""),
                        labels.mode.get(str(mode), ""),
                        verdict.hours,
                        _score("training", facts, labels),
                        verdict.credits,
                        self.institution(record, facts),
                        Blank(),
                    ]
                )
            if not rows:
                rows.append(["", "", "本年度无计入的培训项目", *[""] * 7])
            tables.append(
                Table(
                    columns=[
                        Column(6, number=True, decimals=0),
                        Column(14),
                        Column(19),
                        Column(9),
                        Column(10),
                        Column(8, number=True),
                        Column(8),
                        Column(8, number=True),
                        Column(20),
                        Column(8),
                    ],
                    header=[
                        [
                            Head("序号"),
                            Head("培训时间"),
                            Head("项目名称"),
                            Head("培训层次"),
                            Head("培训方式"),
                            Head("培训学时"),
                            Head("培训成绩"),
                            Head("培训学分"),
                            Head("培训机构"),
                            Head("负责人"),
                        ]
                    ],
                    rows=rows,
                    totals=[
                        ["合计", "", "", "", "", round(hours, 2), "", round(credits, 2), "", ""]
                    ],
                    caption="四、教师全员培训学时学分项目登记表",
                    sheet=f"四 项目登记 {year.label}",
                    above=[f"（{year.label}年度）"],
                    below=[
                        "学校审查意见：",
                        "负责人（签字）："
                        + "\u3000" * 10
                        + "（盖章）"
                        + "\u3000" * 6
                        + "年　月　日",
                        "市、县（区）教育行政主管部门负责教师培训工作机构审核意见：",
                        "负责人（签字）："
                        + "\u3000" * 10
                        + "（盖章）"
                        + "\u3000" * 6
                        + "年　月　日",
                    ],
                )
            )
        return tables

    def induction_table(self) -> Table:
        labels = self.labels
        rows: list[list[Any]] = []
        hours = practice = 0.0
        for record in self.records:
            if record.kind != "new_teacher_training":
                continue
            facts = _facts(record)
            verdict = self.verdict(record)
            entry = self.engine.get(record.pk) or {}
            practical = float(entry.get("practice_hours") or 0) if verdict.counted else 0.0
            hours += verdict.hours
            practice += practical
            rows.append(
                [
                    len(rows) + 1,
                    record.date.isoformat(),
                    _course(record, facts),
                    verdict.hours,
                    round(practical, 2),
                    _score(record.kind, facts, labels),
                    self.institution(record, facts),
                ]
            )
        if not rows:
            rows.append(["", "", "本期无新教师上岗培训记录", *[""] * 4])
        return Table(
            columns=[
                Column(6, number=True, decimals=0),
                Column(14),
                Column(28),
                Column(8, number=True),
                Column(10, number=True),
                Column(8),
                Column(20),
            ],
            header=[
                [
                    Head("序号"),
                    Head("培训时间"),
                    Head("培训课程"),
                    Head("学时"),
                    Head("其中实践性学时"),
                    Head("成绩"),
                    Head("培训单位"),
                ]
            ],
            rows=rows,
            totals=[["合计", "", "", round(hours, 2), round(practice, 2), "", ""]],
            caption="五、新招聘教师试用期培训登记表",
            sheet="五 新教师试用期培训",
            above=[f"新任教师（任职第一年）：{'是' if self.teacher.first_year else '否'}"],
            below=[
                "新任教师任职第一年参加上岗培训应不少于120学时，其中实践性培训应不少于60学时；"
                "上岗培训的学时数不计入全员培训学时数（第十条）。",
                "负责人（签字）："
                + "\u3000" * 10
                + "教育行政主管部门（盖章）"
                + "\u3000" * 6
                + "年　月　日",
            ],
        )

    def other_table(self) -> Table:
        labels = self.labels
        rows: list[list[Any]] = []
        hours = credits = 0.0
        for record in self.records:
            if record.kind in _OWN_TABLE:
                continue
            verdict = self.verdict(record)
            if record.kind == _ATTENDANCE and not verdict.counted:
                continue  # presence at an activity: its hours are the training record's
            facts = _facts(record)
            kind = kind_label(record.kind)
            role = facts.get("role")
            if role:
                kind = f"{kind}（{labels.value(record.kind, 'role', role)}）"
            if verdict.counted:
                hours += verdict.hours
                credits += verdict.credits
            rows.append(
                [
                    len(rows) + 1,
                    record.date.isoformat(),
                    _course(record, facts),
                    kind,
                    labels.level.get(str(facts.get("level", "")), ""),
                    verdict.hours if verdict.counted else 0.0,
                    _score(record.kind, facts, labels),
                    verdict.credits if verdict.counted else 0.0,
                    self.institution(record, facts),
                    verdict.explanation,
                ]
            )
        if not rows:
            rows.append(["", "", "本期无其他形式培训记录", *[""] * 7])
        return Table(
            columns=[
                Column(6, number=True, decimals=0),
                Column(14),
                Column(17),
                Column(13),
                Column(8),
                Column(8, number=True),
                Column(8),
                Column(8, number=True),
                Column(12),
                Column(22),
            ],
            header=[
                [
                    Head("序号"),
                    Head("培训时间"),
                    Head("培训课程"),
                    Head("类别"),
                    Head("级别"),
                    Head("学时"),
                    Head("成绩"),
                    Head("学分"),
                    Head("培训单位"),
                    Head("备注"),
                ]
            ],
            rows=rows,
            totals=[["合计", "", "", "", "", round(hours, 2), "", round(credits, 2), "", ""]],
            caption="六、其他形式培训登记表",
            sheet="六 其他形式培训",
            below=[
                "工作室(坊)、承担培训授课、教研活动或课堂教学比赛、课题结题计为集中研修（第十三条）；"
                "备注为本系统的计算说明或不计学时学分的原因。"
            ],
        )


def build_register(request: ExportRequest) -> Document:
    register_data = _Register(request)
    teacher = register_data.teacher
    period = request.period
    tables = [
        _personal_table(request, teacher, register_data.labels),
        register_data.degree_table(),
        *register_data.yearly_tables(),
        *register_data.project_tables(),
        register_data.induction_table(),
        register_data.other_table(),
    ]
    return Document(
        title="普洱市中小学教师全员培训登记册",
        name=f"{teacher.name}_{period.label}_登记册",
        tables=tables,
        lines=[
            f"姓名：{teacher.name}",
            f"单位：{teacher.school.name}",
            f"登记期间：{period.name}（{period.start:%Y年%m月%d日}至{period.end:%Y年%m月%d日}）",
        ],
        notes=[
            "学时学分由本系统依《普洱市中小学教师全员培训管理办法（试行）》按已认定的记录计算"
            "（草稿另计已提交、已审核的记录）；空白栏据档案手工填写。",
        ],
        draft=request.draft,
        footer=f"{teacher.name} · {period.name} · 附件2—1",
        made=request.made,
    )


def _register_size(request: ExportRequest) -> int:
    if request.teacher is None:
        return 0
    # The period's records, and about twenty rows of the fixed tables (一, 二, 三).
    return (
        Record.objects.filter(
            teacher=request.teacher,
            date__gte=request.period.start,
            date__lte=request.period.end,
        ).count()
        + 20
    )


register(
    FormSpec(
        id="puer-register",
        title="教师全员培训登记册",
        level=TEACHER,
        build=build_register,
        size=_register_size,
        policies=POLICIES,
        period_types=("cycle", "year"),
        description=(
            "普洱 附件2—1：一位教师本周期（或一年）的登记册六张表：个人基本信息、学历进修、"
            "年度学时学分与五年学分合计、培训项目、新教师试用期培训、其他形式培训。"
        ),
        source="附件2—1",
    )
)
