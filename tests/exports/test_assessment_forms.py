"""Assessment exports: the filled sheet (a school's, a teacher's) and 文成 附件6 — figures
equal the stored columns, Chinese headers and names in the PDF, the round found from the
node and period, scope (404) and 附件6 offered only where 文成's policy is in force.

The 文成 county is tests/assessments' (宁洱县 under ``wencheng-2018``; school C assessed by
school D as a peer; the bundled example sheet): school C self 140, peer 130 with remarks,
on-site 119.5, finalized, rectified to 121; school D only self-evaluated (140).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests.assessments.conftest import clock, round_, values_for, wencheng  # noqa: F401
from tests.assessments.test_pingyang import pingyang  # noqa: F401

from .conftest import export_bytes, pdf_text, xlsx_rows

SEMESTER = "2018-2019-1"
TODAY = dt.date(2019, 1, 25)


def _sheet(rnd: Any, school: Any) -> Any:
    from xuefen.assessments.models import Sheet

    return Sheet.objects.get(round=rnd, school=school, teacher__isnull=True)


@pytest.fixture
def assessed(wencheng: Any, round_: Any, clock: Any) -> Any:  # noqa: F811
    from xuefen.assessments.scoring import load_round_sheet
    from xuefen.assessments.services import (
        column_save,
        column_submit,
        sheet_finalize,
        sheet_rectify,
    )

    w = wencheng
    f = load_round_sheet(round_)
    c, d = _sheet(round_, w.school_c), _sheet(round_, w.school_d)
    clock.set(dt.date(2019, 1, 7))
    for sheet, admin in ((c, w.school_admin_c), (d, w.school_admin_d)):
        column_save(actor=admin, sheet=sheet, column="self", values=values_for(f, 140))
        column_submit(actor=admin, sheet=sheet, column="self")
    clock.set(dt.date(2019, 1, 10))
    column_save(
        actor=w.school_admin_d,
        sheet=c,
        column="peer",
        values=values_for(f, 130),
        remarks="材料齐全，活动扎实",
    )
    column_submit(actor=w.school_admin_d, sheet=c, column="peer")
    column_save(actor=w.county_y_admin, sheet=c, column="county", values=values_for(f, 119.5))
    sheet_finalize(actor=w.county_y_admin, sheet=c)
    clock.set(dt.date(2019, 1, 16))
    sheet_rectify(actor=w.county_y_admin, sheet=c, values=values_for(f, 121))
    w.round, w.sheet_c, w.sheet_d, w.sheet_file = round_, c, d, f
    return w


def export(w: Any, form: str, **kwargs: Any) -> bytes:
    params = {
        "user": w.county_y_admin,
        "form_id": form,
        "node": w.county_y,
        "period": SEMESTER,
        "today": TODAY,
        **kwargs,
    }
    return export_bytes(**params)


def _stored(sheet: Any) -> dict[str, Any]:
    from xuefen.assessments.models import SheetColumn

    return {c.column: c for c in SheetColumn.objects.filter(sheet=sheet)}


# -- 附件6 ---------------------------------------------------------------------------------


def test_form6_rows_equal_the_stored_columns_and_results(assessed):
    from xuefen.assessments.models import SchoolAssessment

    w = assessed
    rows = xlsx_rows(export(w, "wencheng-6"))
    assert rows[0][0] == "文成县校本研修互比互学与考核情况表"
    body = [r for r in rows if r and isinstance(r[0], int)]
    assert [r[1] for r in body] == ["宁洱一小", "宁洱二小"]
    c, d = body
    cols = _stored(w.sheet_c)
    result = SchoolAssessment.objects.get(school=w.school_c)
    # 序号 学校 考核学校 互评得分 互评意见 自评 现场 最终 整改后 结果
    assert c[2:9] == [
        "宁洱二小",
        cols["peer"].total,
        "材料齐全，活动扎实",
        cols["self"].total,
        cols["county"].total,
        result.score,
        result.rectification_score,
    ]
    assert (c[3], c[5], c[6], c[7], c[8]) == (130, 140, 119.5, 119.5, 121)
    assert c[9].startswith("合格") and "整改后 121 分" in c[9]
    # School D: no peer assigned, only its self-evaluation; nothing decided yet.
    assert d[2:10] == ["未指定", None, None, 140, None, None, None, "未定"]


def test_form6_pdf_has_the_headers_names_and_boxes(assessed, tmp_path):
    text = pdf_text(export(assessed, "wencheng-6", fmt="pdf"), tmp_path)
    for word in (
        "文成县校本研修互比互学与考核情况表",
        "互比互学",
        "互评得分",
        "互评意见",
        "县现场考评得分",
        "整改后得分",
        "宁洱一小",
        "宁洱二小",
        "材料齐全，活动扎实",
        "119.50",
        "121.00",
        "县教育研究培训院（盖章）",
        "宁洱县",
    ):
        assert word in text, word


def test_form6_scope_and_policy(assessed):
    w = assessed
    for user in (w.county_admin, w.school_admin_c, w.teacher_c.user, w.nobody):
        with pytest.raises(Http404):
            export(w, "wencheng-6", user=user)
    with pytest.raises(ValidationError) as exc:  # county X is under 普洱's policy
        export_bytes(
            user=w.county_admin, form_id="wencheng-6", node=w.county_x, today=dt.date(2023, 6, 1)
        )
    assert "form" in exc.value.message_dict
    from xuefen.exports.registry import forms

    spec = forms()["wencheng-6"]
    assert spec.applies_to("wencheng-2018")
    assert not any(spec.applies_to(p) for p in ("puer-2023", "pingyang", "dali-2020"))


def test_form6_without_a_round_says_so(wencheng, clock):  # noqa: F811
    with pytest.raises(ValidationError) as exc:
        export(wencheng, "wencheng-6")
    assert "没有学校考核" in str(exc.value.message_dict["period"])


# -- a school's filled sheet ---------------------------------------------------------------


def _items_of(scored: dict[str, Any]) -> dict[str, float]:
    return {i["id"]: i["points"] for s in scored["sections"] for i in s["items"]}


def test_school_sheet_has_every_columns_points(assessed):
    w = assessed
    rows = xlsx_rows(export(w, "assessment-sheet", node=w.school_c, user=w.school_admin_c))
    assert rows[0][0] == w.sheet_file.name
    header = next(r for r in rows if r and r[0] == "项目")
    assert header[:8] == [
        "项目",
        "评分标准",
        "满分",
        "学校自评",
        "互比互学考核组考评",
        "县现场考评",
        "整改后复评",
        "说明",
    ]
    cols = _stored(w.sheet_c)
    order = ["self", "peer", "county", "rectification"]
    items = {cid: _items_of(cols[cid].scored) for cid in order}
    labels = {i.label: i.id for s in w.sheet_file.spec.sections for i in s.items}
    seen = 0
    for row in rows:
        if row and row[1] in labels:
            item = labels[row[1]]
            assert row[3:7] == [items[cid][item] for cid in order], row[1]
            seen += 1
    assert seen == len(labels)
    total = next(r for r in rows if r and r[0] == "合计")
    assert total[3:7] == [cols[cid].total for cid in order] == [140, 130, 119.5, 121]
    content = export(w, "assessment-sheet", node=w.school_c, user=w.school_admin_c)
    text = " ".join(str(c) for r in xlsx_rows(content, sheet=1) for c in r if c)
    assert "互比互学考核组考评意见：材料齐全，活动扎实" in text
    assert "最终得分：119.5；整改后得分：121；考核结果：合格" in text


def test_school_sheet_pdf(assessed, tmp_path):
    w = assessed
    text = pdf_text(
        export(w, "assessment-sheet", node=w.school_c, user=w.school_admin_c, fmt="pdf"),
        tmp_path,
    )
    for word in (
        w.sheet_file.name,
        "学校：宁洱一小",
        "学校自评",
        "互比互学考核组考评",
        "县现场考评",
        "整改后复评",
        "小计",
        "合计",
        "评分依据的数据",
        "考核结果：合格",
        "学校（盖章）",
        "考评人（签字）",
    ):
        assert word in text, word


def test_school_sheet_scope(assessed):
    w = assessed
    # The peer school's staff evaluate on the page inside their window, but export nothing
    # of school C; other schools, teachers and strangers neither.
    for user in (w.school_admin_d, w.school_admin_a, w.county_admin, w.teacher_c.user, w.nobody):
        with pytest.raises(Http404):
            export(w, "assessment-sheet", node=w.school_c, user=user)
    assert export(w, "assessment-sheet", node=w.school_c)  # the county's administrator


# -- a teacher's sheet (平阳 附件2) -----------------------------------------------------------


@pytest.fixture
def pingyang_teacher(people: Any, make_record: Any, monkeypatch: Any) -> Any:
    from django.contrib.auth import get_user_model

    from tests.assessments.conftest import Clock
    from xuefen.assessments.models import Sheet
    from xuefen.assessments.services import column_save, round_create, round_open
    from xuefen.org.choices import Role
    from xuefen.org.services import policy_bind, role_grant

    w = people
    policy_bind(actor=w.root, node=w.county_y, policy_id="pingyang", valid_from=dt.date(2025, 9, 1))
    w.school_admin_c = get_user_model().objects.create_user("school_admin_c", password="x")
    role_grant(actor=w.root, user=w.school_admin_c, node=w.school_c, role=Role.SCHOOL_ADMIN)
    for kind, level, fields in (
        ("lesson_observation", "", {"count": 6, "detail": "detailed"}),
        ("open_class", "school", {}),
    ):
        make_record(
            w.teacher_c,
            kind=kind,
            date=dt.date(2026, 3, 6),
            fields=fields,
            level=level,
            status="certified",
        )
    today = Clock(monkeypatch)
    today.set(dt.date(2026, 9, 1))
    rnd = round_create(
        actor=w.county_y_admin,
        node=w.county_y,
        title="2025学年第二学期教师研修考核",
        subject="teacher",
        sheet_id="pingyang-teacher",
        period_type="semester",
        start=dt.date(2026, 2, 1),
        end=dt.date(2026, 8, 31),
        label="2025-2026-2",
        self_from=dt.date(2026, 9, 2),
        self_to=dt.date(2026, 9, 10),
        onsite_from=dt.date(2026, 9, 11),
        onsite_to=dt.date(2026, 9, 20),
        pass_above=60,
    )
    round_open(actor=w.county_y_admin, rnd=rnd)
    w.teacher_sheet = Sheet.objects.get(round=rnd, teacher=w.teacher_c)
    today.set(dt.date(2026, 9, 5))
    column_save(actor=w.teacher_c.user, sheet=w.teacher_sheet, column="self", values={})
    today.set(dt.date(2026, 9, 12))
    column_save(actor=w.school_admin_c, sheet=w.teacher_sheet, column="school", values={})
    return w


def test_teacher_sheet_for_the_teacher_and_the_school(pingyang_teacher, tmp_path):
    w = pingyang_teacher
    params = {
        "form_id": "assessment-sheet-teacher",
        "node": w.school_c,
        "teacher": w.teacher_c,
        "period": "2025-2026-2",
        "today": dt.date(2026, 9, 12),
    }
    rows = xlsx_rows(export_bytes(user=w.teacher_c.user, **params))
    assert rows[0][0] == "平阳县中小学研修管理考核量化表（教师）"
    header = next(r for r in rows if r and r[0] == "项目")
    assert header[3:5] == ["自评", "校评"]
    cols = _stored(w.teacher_sheet)
    observation = next(r for r in rows if r and r[1] and str(r[1]).startswith("听课"))
    assert observation[3:5] == [9, 9]  # 6 × 1.5, in both columns
    total = next(r for r in rows if r and r[0] == "合计")
    # 10 (no activity missed) + 9 + 6 (a school open class).
    assert total[3:5] == [cols["self"].total, cols["school"].total] == [25, 25]
    text = pdf_text(export_bytes(user=w.school_admin_c, fmt="pdf", **params), tmp_path)
    for word in (
        "教师：赵伟",
        "参与情况",
        "成果成效",
        "校评",
        "教师（签字）",
        "学校审核人（签字）",
    ):
        assert word in text, word
    for user in (w.teacher_a.user, w.school_admin_a, w.nobody):
        with pytest.raises(Http404):
            export_bytes(user=user, **params)


# -- 平阳's school sheet: what the platform filled, with its source -------------------------


def test_pingyang_school_sheet_shows_the_platform_data(pingyang, clock, tmp_path):  # noqa: F811
    from tests.assessments.test_pingyang import ENTERED, _round
    from xuefen.assessments.models import Sheet
    from xuefen.assessments.services import column_save

    w = pingyang
    rnd = _round(w, clock)
    sheet = Sheet.objects.get(round=rnd, school=w.school_c, teacher__isnull=True)
    clock.set(dt.date(2026, 9, 5))
    col = column_save(actor=w.school_admin_c, sheet=sheet, column="self", values=ENTERED)
    params = {
        "user": w.school_admin_c,
        "form_id": "assessment-sheet",
        "node": w.school_c,
        "period": "2025-2026-2",
        "today": dt.date(2026, 9, 5),
    }
    content = export_bytes(**params)
    total = next(r for r in xlsx_rows(content) if r and r[0] == "合计")
    assert total[3:5] == [col.total, None] == [51.17, None]  # 自评, 区评 not yet
    data = {r[0]: r for r in xlsx_rows(content, sheet=1) if r and r[0]}
    assert data["教研组数"][1:4] == ["平台自动填入", 2, 2]
    assert "语文教研组、数学教研组" in data["教研组数"][4]
    assert data["过程材料不完整或未及时上传博客的活动次数"][2] == 3
    assert data["校本研修主题行政会议次数"][1:4] == ["评分人填写", 1, None]
    text = pdf_text(export_bytes(fmt="pdf", **params), tmp_path)
    for word in (
        "平阳县中小学研修管理考核量化表（学校）",
        "自评",
        "区评",
        "平台自动填入",
        "活动看板",
    ):
        assert word in text, word


def test_form6_reads_a_round_in_a_fixed_number_of_queries(assessed, django_assert_max_num_queries):
    from xuefen.exports.services import build, make_request

    request = make_request(
        user=assessed.county_y_admin,
        form_id="wencheng-6",
        node=assessed.county_y,
        period=SEMESTER,
        today=TODAY,
    )
    # The round(s), then sheets, columns, results and peers of each round: not per school.
    with django_assert_max_num_queries(6):
        document = build(request)
        assert len(list(document.tables[0].rows)) == 2
