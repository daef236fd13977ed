"""Forms of every region: the county table (每校达标情况) and the teacher roster (教师名单).

The county table is the region page on paper: one row per school under the region with
its teachers, how many the engine found compliant in the period (certified, and with the
pending records), the share short (普洱's 20% rule is marked where that region's policy is
in force) and the hours and credits per mode summed over the school — read from the stored
per-school summaries, so a county of any size costs one query per 2,000 schools. The Excel
file has a second sheet with every teacher's standing (streamed, 2,000 teachers a chunk);
the PDF has the schools only (a county's teachers would be a thousand pages).

The roster is the import template's columns filled with the school's teachers: exported,
edited in Excel and imported again, it changes exactly what was edited (round trip).
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from django.utils import translation

from xuefen.catalog.choices import Mode
from xuefen.org.choices import NodeKind, Sex, Stage
from xuefen.org.models import OrgNode, Teacher
from xuefen.results.models import SchoolPeriod

from .. import data
from ..layout import Column, Document, Head, Signature, Table
from ..registry import PDF, REGION, SCHOOL, ExportRequest, FormSpec, register

SHORT_SHARE = Fraction(1, 5)  # 普洱: 未完成年度学分的教师达到20%及以上 → 不得参加集体评优


def _mode_labels() -> list[tuple[str, str]]:
    with translation.override("zh-hans"):
        return [(m.value, str(m.label)) for m in Mode]


def _schools(region: OrgNode):
    return OrgNode.objects.filter(kind=NodeKind.SCHOOL, path__startswith=region.path).order_by(
        "path"
    )


def _county_size(request: ExportRequest) -> int:
    schools = _schools(request.node).count()
    if request.format == PDF:
        return schools
    return (
        schools
        + Teacher.objects.filter(school__path__startswith=request.node.path, active=True).count()
    )


def _school_rows(
    request: ExportRequest, modes: list[tuple[str, str]], totals: dict
) -> Iterator[list]:
    period = request.period
    puer = bool(request.binding and request.binding.policy_id.startswith("puer"))
    for chunk in data.chunks(_schools(request.node).iterator(chunk_size=data.CHUNK)):
        summaries = {
            s.school_id: s
            for s in SchoolPeriod.objects.filter(
                school__in=[s.pk for s in chunk], period_type=period.type, start=period.start
            )
        }
        for school in chunk:
            s = summaries.get(school.pk)
            teachers = s.teachers if s else 0
            compliant = (s.pending_compliant if request.draft else s.compliant) if s else 0
            short = teachers - compliant
            share = Fraction(short, teachers) if teachers else Fraction(0)
            credits = s.credits if s else {}
            hours = s.hours if s else {}
            row = [
                len(totals["rows"]) + 1,
                school.name,
                school.code,
                teachers,
                compliant,
                short,
                round(float(share) * 100, 1),
            ]
            if puer:
                row.append("不得参评" if teachers and share >= SHORT_SHARE else "")
            row += [
                round(float(hours.get("total", 0) or 0), 2),
                round(float(credits.get("total", 0) or 0), 2),
            ]
            row += [round(float(credits.get(mode, 0) or 0), 2) for mode, _label in modes]
            totals["rows"].append(row)
            yield row


def build_county_table(request: ExportRequest) -> Document:
    modes = _mode_labels()
    puer = bool(request.binding and request.binding.policy_id.startswith("puer"))
    figures_head = "达标人数（含待认定）" if request.draft else "达标人数"
    header = [
        [
            Head("序号", rowspan=2),
            Head("学校", rowspan=2),
            Head("代码", rowspan=2),
            Head("教师数", rowspan=2),
            Head(figures_head, rowspan=2),
            Head("未达标人数", rowspan=2),
            Head("未达标比例（%）", rowspan=2),
            *([Head("集体评优", rowspan=2)] if puer else []),
            Head("合计", colspan=2),
            Head("各类学分", colspan=len(modes)),
        ],
        [Head("学时"), Head("学分"), *[Head(label) for _m, label in modes]],
    ]
    columns = [
        Column(5, number=True, decimals=0),
        Column(28),
        Column(10),
        Column(8, number=True, decimals=0),
        Column(9, number=True, decimals=0),
        Column(9, number=True, decimals=0),
        Column(9, number=True, decimals=1),
        *([Column(9)] if puer else []),
        Column(10, number=True),
        Column(10, number=True),
        *[Column(10, number=True) for _m in modes],
    ]
    totals: dict = {"rows": []}
    tables = [
        Table(
            columns=columns,
            header=header,
            rows=_school_rows(request, modes, totals),
            caption="各校达标情况",
            sheet="各校达标情况",
            below=(
                [
                    "集体评优：普洱规定学校未完成年度学分的教师达到20%及以上的，不得参加当年集体评优评先。"
                ]
                if puer
                else []
            ),
        )
    ]
    if request.format != PDF:
        tables.append(
            Table(
                columns=[
                    Column(6, number=True, decimals=0),
                    Column(26),
                    Column(10),
                    Column(6),
                    Column(21),
                    Column(14),
                    Column(10, number=True),
                    Column(10, number=True),
                    Column(8),
                    Column(40),
                ],
                header=[
                    [
                        Head("序号"),
                        Head("学校"),
                        Head("姓名"),
                        Head("性别"),
                        Head("身份证号"),
                        Head("学段学科"),
                        Head("学时"),
                        Head("学分"),
                        Head("是否达标"),
                        Head("未达要求"),
                    ]
                ],
                rows=_teacher_rows(request),
                caption="教师达标情况",
                sheet="教师达标情况",
            )
        )
    return Document(
        title=f"{request.node.name}{request.period.name}教师培训学时学分达标情况表",
        name=f"{request.node.name}_{request.period.label}_达标情况表",
        tables=tables,
        lines=[
            f"单位：{request.node.name}",
            f"统计期间：{request.period.start:%Y年%m月%d日}至{request.period.end:%Y年%m月%d日}",
        ],
        signatures=[
            Signature("填表人（签字）："),
            Signature("审核人（签字）："),
            Signature("单位（盖章）：", stamp=True),
        ],
        notes=[
            "说明：学时学分按认定的记录由本系统依政策计算；一所学校的教师数为在职教师，无任何学时的教师按未达标计。"
        ],
        landscape=True,
        draft=request.draft,
        footer=f"{request.node.name} · {request.period.name}",
        made=request.made,
    )


def _teacher_rows(request: ExportRequest) -> Iterator[list]:
    sexes, stages = data.labels(Sex), data.labels(Stage)
    teachers = (
        Teacher.objects.filter(school__path__startswith=request.node.path, active=True)
        .select_related("school")
        .order_by("school__path", "name_pinyin", "pk")
        .iterator(chunk_size=data.CHUNK)
    )
    n = 0
    for chunk in data.chunks(teachers):
        figures = data.figures(
            [t.pk for t in chunk],
            period_type=request.period.type,
            start=request.period.start,
            draft=request.draft,
        )
        for teacher in chunk:
            f = figures.get(teacher.pk) or data.Figures()
            n += 1
            yield [
                n,
                teacher.school.name,
                teacher.name,
                sexes.get(teacher.sex, ""),
                data.id_number_for(teacher, full=request.full_ids),
                f"{stages.get(teacher.stage, '')}{teacher.subject}",
                f.h(),
                f.c(),
                "是" if f.compliant else "否",
                "；".join(str(s.get("label") or s.get("id") or "") for s in f.short),
            ]


register(
    FormSpec(
        id="county-table",
        order=50,
        title="各校教师培训达标情况表",
        level=REGION,
        build=build_county_table,
        size=_county_size,
        period_types=("year", "school_year", "semester", "cycle"),
        description=(
            "每所学校的教师数、达标人数与比例、各类学时学分合计；Excel 另附每位教师的达标情况。"
        ),
        source="xuefen",
    )
)


# -- the roster ------------------------------------------------------------------------------


def _roster_rows(request: ExportRequest) -> Iterator[list]:
    from xuefen.imports.teachers import COLUMNS

    keys = [c.key for c in COLUMNS]
    sexes, stages = data.labels(Sex), data.labels(Stage)
    for teacher in data.teachers_of(request.node):
        values = {
            "name": teacher.name,
            "id_number": data.id_number_for(teacher, full=request.full_ids),
            "sex": sexes.get(teacher.sex, ""),
            "stage": stages.get(teacher.stage, ""),
            "subject": teacher.subject,
            "group": teacher.group.name if teacher.group_id else "",
            "phone": teacher.phone,
            "head_teacher": "是" if teacher.head_teacher else "否",
            "first_year": "是" if teacher.first_year else "否",
        }
        yield [values.get(k, "") for k in keys]


def build_roster(request: ExportRequest) -> Document:
    from xuefen.imports.teachers import COLUMNS

    widths = {"name": 10, "id_number": 21, "group": 16, "phone": 14, "subject": 10}
    return Document(
        title=f"{request.node.name}教师名单",
        name=f"{request.node.name}_教师名单",
        tables=[
            Table(
                columns=[Column(widths.get(c.key, 8)) for c in COLUMNS],
                header=[[Head(c.names[0]) for c in COLUMNS]],
                rows=_roster_rows(request),
                sheet="教师名单",
            )
        ],
        landscape=True,
        footer=request.node.name,
        made=request.made,
        extra={"import_header_row": 2},
    )


def _roster_size(request: ExportRequest) -> int:
    return Teacher.objects.filter(school=request.node, active=True).count()


register(
    FormSpec(
        id="roster",
        order=50,
        title="教师名单",
        level=SCHOOL,
        build=build_roster,
        size=_roster_size,
        period_types=(),
        description=(
            "导入模板的列：在 Excel 中修改后可再次导入"
            "（身份证号须完整：学校和上级管理员导出的是完整号码）。"
        ),
        source="xuefen",
        has_figures=False,
    )
)
