"""大荔's 附件3《大荔县“2020-2021”学年度学校校本研修学时认定汇总表》 (``dali-summary``).

Source: seed 002, 大荔县教育局《“2020—2021”学年度网络研修与校本研修整合培训实施计划》. The plan
names the form (附件3) without its layout. What it shows, and why, is read from the plan:

- It is a school's form for a school year ("学年度"; 五、校本研修总结阶段: "学校开展年度校本研修
  学时学分认定及汇总上报工作"), so the period is the policy's ``school_year`` (9月1日起).
- One row per teacher of the school: 序号, 姓名, 性别, 身份证号, 学段学科.
- 网络研修 学时 and 学分: the plan integrates online and school-based training ("完成网络研修任务
  30学时(9学分)，完成校本研修任务50学时(10学分)"), and the county recognizes both each year
  ("对教师的线上线下研修学时学分每年一认定"): the engine's online hours and credits of the
  school year.
- 校本研修 上学期 and 下学期, each 研修活动 and 研修成果 hours: "确保教师每学期修满18学时的
  '研修活动'学时分值…每学期获取7学时的'研修成果'学时分值". The figures are the engine's own
  values of the policy's semester requirements on ``school_based_category`` activity and
  outcome (the requirement's ``actual`` in the stored result of each semester of the school
  year: 上学期 is the semester that starts with the school year, 下学期 the one after it).
  A school-based record without a category counts in the year's total but in neither
  column (the policy's reading), so the four columns may add up to less than the total.
- 校本研修合计 学时 and 学分: the engine's school-based hours and credits of the school year
  (50学时 = 10学分, 0.2 per hour).
- 是否达标: 是 when every requirement of the school year (网络研修 30学时 9学分, 校本研修 50学时
  10学分) and of both its semesters (研修活动 18学时, 研修成果 7学时) is met; 备注 names each
  unmet one with its shortfall (上学期/下学期 before a semester's). A semester the engine has
  not reported for the teacher (no result yet) counts as 0 hours.
- A 合计 row (the last body row: the rows are streamed, the sums are known after them), and
  the boxes 填表人, 校长（签字）, 学校（盖章）, 日期.

Certified figures from the stored rows; a draft counts submitted and approved records as if
certified and is marked on every page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from xuefen.org.choices import Sex, Stage
from xuefen.org.models import Teacher
from xuefen.policy import XuefenError
from xuefen.results.models import TeacherResult

from .. import data
from ..layout import Column, Document, Head, Signature, Table
from ..registry import SCHOOL, ExportRequest, FormSpec, register

CATEGORIES = ("activity", "outcome")
SEMESTER = "semester"


def semester_requirements(request: ExportRequest) -> dict[str, list[Any]]:
    """The policy's semester requirements on each school-based category: category → the
    requirements (their ids, labels and minimums)."""
    out: dict[str, list[Any]] = {c: [] for c in CATEGORIES}
    if request.binding is None:
        return out
    try:
        policy = request.binding.load()
    except (XuefenError, ValueError, OSError):
        return out
    for req in policy.spec.requirements:
        when = req.when if isinstance(req.when, dict) else {}
        category = when.get("school_based_category")
        if req.period == SEMESTER and req.measure == "hours" and category in out:
            out[category].append(req)
    return out


def _semesters(result: dict[str, Any], year_start: dt.date, year_end: dt.date) -> dict[str, dict]:
    """The engine's semester periods inside the school year: ``first`` (上学期) starts with
    the school year, ``second`` (下学期) is the one after it."""
    first, last = year_start.isoformat(), year_end.isoformat()
    out: dict[str, dict] = {}
    for p in result.get("periods", []):
        start, end = str(p.get("start", "")), str(p.get("end", ""))
        if p.get("type") != SEMESTER or not first <= start <= last or end > last:
            continue
        out["first" if start == first else "second"] = p
    return out


def semester_figures(
    request: ExportRequest, teacher_ids: list[int], requirements: dict[str, list[Any]]
) -> dict[int, dict[str, dict[str, Any]]]:
    """Per teacher, for ``first`` (上学期) and ``second`` (下学期) as the engine reported
    them: ``{"activity": h, "outcome": h, "short": [...]}`` (one query)."""
    column = "pending" if request.draft else "result"
    ids = {c: {r.id for r in reqs} for c, reqs in requirements.items()}
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for teacher_id, result in TeacherResult.objects.filter(teacher_id__in=teacher_ids).values_list(
        "teacher_id", column
    ):
        semesters = _semesters(result or {}, request.period.start, request.period.end)
        if not semesters:
            continue  # another binding's result (or none): it has no semester of this year
        halves = out.setdefault(teacher_id, {})
        for half, period in semesters.items():
            checks = period.get("requirements", [])
            row: dict[str, Any] = {"short": [c for c in checks if not c.get("met", True)]}
            for category in CATEGORIES:
                row[category] = round(
                    sum(
                        float(c.get("actual", 0) or 0)
                        for c in checks
                        if c.get("id") in ids[category]
                    ),
                    2,
                )
            halves[half] = row
    return out


def _empty_semester(requirements: dict[str, list[Any]]) -> dict[str, Any]:
    """A semester the engine has not reported: nothing earned, every quota unmet."""
    short = [
        {"label": r.label, "shortfall": r.min}
        for reqs in requirements.values()
        for r in reqs
        if r.min
    ]
    return {"activity": 0.0, "outcome": 0.0, "short": short}


def _number(value: Any) -> str:
    number = float(value or 0)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def _shortfalls(prefix: str, short: list[dict[str, Any]]) -> list[str]:
    return [
        f"{prefix}{s.get('label') or s.get('id') or ''}（差{_number(s.get('shortfall'))}）"
        for s in short
    ]


def _rows(request: ExportRequest) -> Iterator[list[Any]]:
    requirements = semester_requirements(request)
    sexes, stages = data.labels(Sex), data.labels(Stage)
    sums = [0.0] * 8
    n = 0
    for chunk in data.chunks(data.teachers_of(request.node)):
        ids = [t.pk for t in chunk]
        year = data.figures(
            ids,
            period_type=request.period.type,
            start=request.period.start,
            draft=request.draft,
        )
        semesters = semester_figures(request, ids, requirements)
        for teacher in chunk:
            f = year.get(teacher.pk) or data.Figures()
            reported = semesters.get(teacher.pk, {})
            first = reported.get("first") or _empty_semester(requirements)
            second = reported.get("second") or _empty_semester(requirements)
            figures = [
                f.h("online"),
                f.c("online"),
                first["activity"],
                first["outcome"],
                second["activity"],
                second["outcome"],
                f.h("school_based"),
                f.c("school_based"),
            ]
            sums = [s + v for s, v in zip(sums, figures, strict=True)]
            remarks = [
                *_shortfalls("", f.short),
                *_shortfalls("上学期", first["short"]),
                *_shortfalls("下学期", second["short"]),
            ]
            ok = bool(f.compliant) and not first["short"] and not second["short"]
            n += 1
            yield [
                n,
                teacher.name,
                sexes.get(teacher.sex, "") if teacher.sex else "",
                data.id_number_for(teacher, full=request.full_ids),
                f"{stages.get(teacher.stage, '') if teacher.stage else ''}{teacher.subject}",
                *figures,
                "是" if ok else "否",
                "；".join(remarks),
            ]
    yield ["合计", f"{n}人", None, None, None, *[round(s, 2) for s in sums], None, None]


def build_summary(request: ExportRequest) -> Document:
    p = request.period
    number = Column(8, number=True)
    return Document(
        title=f"大荔县“{p.label}”学年度学校校本研修学时认定汇总表",
        name=f"{request.node.name}_{p.label}_校本研修学时认定汇总表",
        tables=[
            Table(
                columns=[
                    Column(6, number=True, decimals=0),
                    Column(9),
                    Column(6),
                    Column(23),
                    Column(10),
                    *[number] * 8,
                    Column(10),
                    Column(30),
                ],
                header=[
                    [
                        Head("序号", rowspan=3),
                        Head("姓名", rowspan=3),
                        Head("性别", rowspan=3),
                        Head("身份证号", rowspan=3),
                        Head("学段学科", rowspan=3),
                        Head("网络研修", colspan=2, rowspan=2),
                        Head("校本研修", colspan=6),
                        Head("是否达标", rowspan=3),
                        Head("备注", rowspan=3),
                    ],
                    [Head("上学期", colspan=2), Head("下学期", colspan=2), Head("合计", colspan=2)],
                    [
                        Head("学时"),
                        Head("学分"),
                        Head("研修活动学时"),
                        Head("研修成果学时"),
                        Head("研修活动学时"),
                        Head("研修成果学时"),
                        Head("学时"),
                        Head("学分"),
                    ],
                ],
                rows=_rows(request),
                sheet="学时认定汇总表",
            )
        ],
        lines=[
            f"学校（盖章）：{request.node.name}",
            f"学年度：{p.name}（{p.start:%Y年%m月%d日}至{p.end:%Y年%m月%d日}）",
        ],
        signatures=[
            Signature("填表人（签字）："),
            Signature("校长（签字）："),
            Signature("学校（盖章）：", stamp=True),
            Signature("日期：　　　　年　　月　　日"),
        ],
        notes=[
            "说明：每学年网络研修不少于30学时（9学分），校本研修不少于50学时（10学分）；校本研修每学期"
            "“研修活动”不少于18学时、“研修成果”不少于7学时。学时学分由本系统依县里的政策计算"
            "（网络研修每学时0.3学分，校本研修每学时0.2学分）；未注明研修活动或研修成果的校本研修"
            "学时计入合计，不计入学期的两栏。"
        ],
        landscape=True,
        draft=request.draft,
        footer=f"{request.node.name} · {p.name} · 附件3",
        made=request.made,
    )


def _size(request: ExportRequest) -> int:
    return Teacher.objects.filter(school=request.node, active=True).count() + 1


register(
    FormSpec(
        id="dali-summary",
        title="学校校本研修学时认定汇总表",
        level=SCHOOL,
        build=build_summary,
        size=_size,
        policies=("dali",),
        period_types=("school_year",),
        description=(
            "全校每位教师一行：网络研修学时学分，校本研修上、下学期研修活动与研修成果学时，"
            "学年合计与是否达标；校长签字、学校盖章栏。"
        ),
        source="大荔 附件3",
    )
)
