"""文成 附件4, 附件5 and 附件7: figures equal the engine's (the school-assessment gate
included), Chinese headers and names in the PDF, one page per teacher in 附件4, draft
marking, scope, and the forms are offered only where 文成's policy is in force.

County Y (宁洱县) is put under ``wencheng-2018`` from 2018-07-01; school C gets a second
teacher. Without a school assessment the engine counts nothing ("考核结果未录入");
``wencheng_assessed`` has the county assess school C through the assessment services
(on-site score 130, above 120) before the results are computed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests.conftest import id_number

from .conftest import export_bytes, pdf_text, xlsx_rows

TODAY = dt.date(2019, 1, 5)
SEMESTER = "2018-2019-1"
SCORE = {"assessments": {SEMESTER: {"score": 130}}}


def _assess_school_c(people: Any, monkeypatch: Any) -> None:
    """A round of the county, school C's self evaluation (140) and the county's on-site
    score (130), finalized: the SchoolAssessment the results give the engine's gate."""
    from django.contrib.auth import get_user_model

    from tests.assessments.conftest import Clock, values_for
    from xuefen.assessments.models import Sheet
    from xuefen.assessments.scoring import load_round_sheet
    from xuefen.assessments.services import (
        column_save,
        column_submit,
        round_create,
        round_open,
        sheet_finalize,
    )
    from xuefen.org.choices import Role
    from xuefen.org.services import role_grant

    clock = Clock(monkeypatch)
    admin = get_user_model().objects.create_user("school_admin_c", password="x")
    role_grant(actor=people.root, user=admin, node=people.school_c, role=Role.SCHOOL_ADMIN)
    rnd = round_create(
        actor=people.county_y_admin,
        node=people.county_y,
        title="2018学年第一学期校本研修考核",
        sheet_id="wencheng-school-example",
        period_type="semester",
        start=dt.date(2018, 7, 1),
        end=dt.date(2018, 12, 31),
        label=SEMESTER,
        self_from=dt.date(2019, 1, 2),
        self_to=dt.date(2019, 1, 8),
        peer_from=dt.date(2019, 1, 9),
        peer_to=dt.date(2019, 1, 14),
        onsite_from=dt.date(2019, 1, 9),
        onsite_to=dt.date(2019, 1, 14),
        rectify_from=dt.date(2019, 1, 15),
        rectify_to=dt.date(2019, 1, 20),
    )
    round_open(actor=people.county_y_admin, rnd=rnd)
    sheet = Sheet.objects.get(round=rnd, school=people.school_c, teacher__isnull=True)
    sheet_file = load_round_sheet(rnd)
    clock.set(dt.date(2019, 1, 7))
    column_save(actor=admin, sheet=sheet, column="self", values=values_for(sheet_file, 140))
    column_submit(actor=admin, sheet=sheet, column="self")
    clock.set(dt.date(2019, 1, 10))
    column_save(
        actor=people.county_y_admin,
        sheet=sheet,
        column="county",
        values=values_for(sheet_file, 130),
    )
    clock.set(dt.date(2019, 1, 14))
    result = sheet_finalize(actor=people.county_y_admin, sheet=sheet)
    assert result.score == 130 and result.passed


def _wencheng_world(people: Any, make_record: Any, monkeypatch: Any = None) -> Any:
    """teacher_c (赵伟): school-based training 12 h, 3 lessons observed, a paper (6 h), all
    certified; an online training (not school-based) certified; a quality course (8 h)
    approved (pending). 陈静 (second teacher of school C): nothing."""
    from xuefen.org.services import policy_bind, teacher_create
    from xuefen.results.compute import recompute

    policy_bind(
        actor=people.root,
        node=people.county_y,
        policy_id="wencheng-2018",
        valid_from=dt.date(2018, 7, 1),
    )
    people.teacher_c2 = teacher_create(
        actor=people.root,
        school=people.school_c,
        name="陈静",
        id_number=id_number(5, female=True),
        sex="female",
        stage="primary",
        subject="数学",
    )
    c = people.teacher_c
    make_record(
        c,
        date=dt.date(2018, 9, 10),
        fields={"mode": "school_based", "hours": 12, "name": "新课标解读"},
        level="",
        status="certified",
    )
    make_record(
        c,
        date=dt.date(2018, 10, 8),
        kind="lesson_observation",
        fields={"count": 3, "detail": "detailed"},
        level="",
        status="certified",
    )
    make_record(
        c,
        date=dt.date(2018, 11, 20),
        kind="research_output",
        fields={"output": "paper", "name": "小学作文教学的思考"},
        level="",
        status="certified",
    )
    make_record(
        c,
        date=dt.date(2018, 9, 20),
        fields={"mode": "online", "hours": 20, "name": "网络课程"},
        level="county",
        status="certified",
    )
    make_record(
        c,
        date=dt.date(2018, 12, 12),
        kind="research_output",
        fields={"output": "course", "name": "精品课程"},
        level="",
        status="approved",
    )
    if monkeypatch is not None:
        _assess_school_c(people, monkeypatch)
    recompute([c.pk, people.teacher_c2.pk], as_of=TODAY)
    return people


@pytest.fixture
def wencheng(people: Any, make_record: Any) -> Any:
    return _wencheng_world(people, make_record)


@pytest.fixture
def wencheng_assessed(people: Any, make_record: Any, monkeypatch: Any) -> Any:
    return _wencheng_world(people, make_record, monkeypatch)


def export(world: Any, form: str, **kwargs: Any) -> bytes:
    params = {
        "user": world.county_y_admin,
        "form_id": form,
        "node": world.school_c,
        "period": SEMESTER,
        "today": TODAY,
        **kwargs,
    }
    return export_bytes(**params)


def engine_semester(world: Any, *, school: dict | None, pending: bool = False) -> dict:
    """teacher_c's semester evaluated directly by the engine from hand-written input."""
    from xuefen.policy import load_policy

    status = "certified"
    records = [
        {"id": "1", "kind": "training", "date": "2018-09-10", "mode": "school_based",
         "hours": 12, "status": status},
        {"id": "2", "kind": "lesson_observation", "date": "2018-10-08", "count": 3,
         "detail": "detailed", "status": status},
        {"id": "3", "kind": "research_output", "date": "2018-11-20", "output": "paper",
         "status": status},
        {"id": "4", "kind": "training", "date": "2018-09-20", "mode": "online", "hours": 20,
         "level": "county", "status": status},
        {"id": "5", "kind": "research_output", "date": "2018-12-12", "output": "course",
         "status": status if pending else "approved"},
    ]  # fmt: skip
    teacher = {"id": "c", "records": records, **({"school": school} if school else {})}
    out = load_policy("wencheng-2018").evaluate([teacher], as_of=TODAY, all_cycles=True)
    return next(
        p
        for p in out["teachers"][0]["periods"]
        if p["type"] == "semester" and p["period"] == SEMESTER
    )


def data_rows(rows: list[list[Any]]) -> list[list[Any]]:
    return [r for r in rows if r and isinstance(r[0], int)]


# -- 附件5 ---------------------------------------------------------------------------------


def test_summary_figures_equal_the_engine(wencheng_assessed):
    w = wencheng_assessed
    engine = engine_semester(w, school=SCORE)
    assert engine["credits"]["school_based"] == 2.1 and engine["hours"]["school_based"] == 21
    rows = xlsx_rows(export(w, "wencheng-5"))
    assert rows[0][0] == "文成县中小学（园）校本研修学分登记汇总表"
    body = data_rows(rows)
    assert [r[1] for r in body] == ["陈静", "赵伟"]  # roster order (pinyin)
    zhao = body[1]
    # 序号 姓名 性别 身份证号 学段学科 学时 学分 备注
    assert zhao[3] == w.teacher_c.id_number  # the county's staff see full numbers
    assert zhao[5] == engine["hours"]["school_based"] == 21
    assert zhao[6] == engine["credits"]["school_based"] == 2.1
    assert not zhao[7]
    assert body[0][2] == "女" and body[0][4] == "小学数学" and body[0][5] == 0 and body[0][6] == 0
    total = next(r for r in rows if r and r[0] == "合计")
    assert total[1] == "2人" and total[5] == 21 and total[6] == 2.1
    assert any("公示时间" in str(r[0]) for r in rows if r)


def test_without_the_school_assessment_nothing_counts_and_the_form_says_why(wencheng):
    w = wencheng
    engine = engine_semester(w, school=None)
    assert engine["credits"]["school_based"] == 0
    zhao = next(r for r in data_rows(xlsx_rows(export(w, "wencheng-5"))) if r[1] == "赵伟")
    assert zhao[6] == 0
    assert zhao[7].startswith("3条记录未认定") and "考核结果未录入" in zhao[7]


def test_summary_draft_counts_the_pending_record_and_says_so(wencheng_assessed):
    w = wencheng_assessed
    engine = engine_semester(w, school=SCORE, pending=True)
    rows = xlsx_rows(export(w, "wencheng-5", draft=True))
    assert any("草稿" in str(r[0]) for r in rows[:3] if r)
    zhao = next(r for r in data_rows(rows) if r[1] == "赵伟")
    assert zhao[5] == engine["hours"]["school_based"] == 29
    assert zhao[6] == engine["credits"]["school_based"] == 2.9


def test_summary_pdf_has_the_headers_names_and_boxes(wencheng_assessed, tmp_path):
    text = pdf_text(export(wencheng_assessed, "wencheng-5", fmt="pdf", draft=True), tmp_path)
    for word in (
        "校本研修学分登记汇总表",
        "身份证号",
        "校本研修学分",
        "备注",
        "赵伟",
        "陈静",
        "公示时间",
        "校长（园长）签名",
        "学校（盖章）",
        "草稿",
        "第1页共1页",
    ):
        assert word in text, word


# -- 附件4 ---------------------------------------------------------------------------------


def test_teacher_form_lists_school_based_records_with_the_verdicts(wencheng_assessed):
    w = wencheng_assessed
    rows = xlsx_rows(export(w, "wencheng-4"))
    assert rows[0][0] == "文成县中小学（园）教师校本研修学分登记表"
    zhao = [r for r in rows if r and r[0] == "赵伟"]
    records = [r for r in zhao if isinstance(r[2], int)]
    # 姓名 身份证号 序号 日期 研修项目 研修内容 学时 学分 认定说明 (no online training)
    assert [(r[3], r[4], r[6], r[7]) for r in records] == [
        ("2018-09-10", "培训项目（校本研修）", 12, 1.2),
        ("2018-10-08", "听课", 3, 0.3),
        ("2018-11-20", "教研成果", 6, 0.6),
    ]
    assert "新课标解读" in records[0][5] and "论文" in records[2][5]
    assert "高于 120 分，予以认定" in records[0][8]
    total = next(r for r in zhao if r[2] == "合计")
    assert (total[6], total[7]) == (21, 2.1)
    assert any("审核人签名" in str(r[5]) for r in zhao)
    chen = [r for r in rows if r and r[0] == "陈静"]
    assert any(r[5] == "本学期无校本研修学分登记" for r in chen)


def test_teacher_form_pdf_gives_each_teacher_a_page(wencheng_assessed, tmp_path):
    w = wencheng_assessed
    text = pdf_text(export(w, "wencheng-4", fmt="pdf"), tmp_path)
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) == 2
    assert "陈静" in pages[0] and "赵伟" not in pages[0]
    assert "赵伟" in pages[1] and "小学作文教学的思考" in pages[1]
    for page in pages:
        for word in ("教师校本研修学分登记表", "研修项目", "认定说明", "审核人签名", "校印"):
            assert word in page, word
    assert "第2页共2页" in pages[1]


# -- 附件7 ---------------------------------------------------------------------------------


def test_details_one_row_per_record_adding_up_to_the_summary(wencheng_assessed, tmp_path):
    w = wencheng_assessed
    rows = xlsx_rows(export(w, "wencheng-7"))
    body = data_rows(rows)
    assert [(r[1], r[2], r[3]) for r in body] == [
        ("赵伟", "2018-09-10", "培训项目（校本研修）"),
        ("赵伟", "2018-10-08", "听课"),
        ("赵伟", "2018-11-20", "教研成果"),
    ]
    assert [(r[5], r[6]) for r in body] == [(12, 1.2), (3, 0.3), (6, 0.6)]
    total = next(r for r in rows if r and r[0] == "合计")
    summary = next(r for r in xlsx_rows(export(w, "wencheng-5")) if r and r[0] == "合计")
    assert (total[5], total[6]) == (summary[5], summary[6]) == (21, 2.1)

    text = pdf_text(export(w, "wencheng-7", fmt="pdf"), tmp_path)
    for word in ("校本研修学分登记表(详细情况)", "研修内容", "学分", "赵伟", "听课"):
        assert word in text, word


def test_details_draft_adds_the_pending_record(wencheng_assessed):
    rows = xlsx_rows(export(wencheng_assessed, "wencheng-7", draft=True))
    assert any("草稿" in str(r[0]) for r in rows[:3] if r)
    last = data_rows(rows)[-1]
    assert (last[2], last[5], last[6]) == ("2018-12-12", 8, 0.8)


# -- who and where -------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["wencheng-4", "wencheng-5", "wencheng-7"])
def test_outside_scope_is_not_found(wencheng, form):
    w = wencheng
    for user in (w.county_admin, w.teacher_c.user, w.school_admin_a, w.nobody):
        with pytest.raises(Http404):
            export(w, form, user=user)


@pytest.mark.parametrize("form", ["wencheng-4", "wencheng-5", "wencheng-7"])
def test_not_offered_under_another_policy(wencheng, form):
    w = wencheng
    with pytest.raises(ValidationError) as exc:
        export_bytes(
            user=w.school_admin_a, form_id=form, node=w.school_a, today=dt.date(2023, 6, 1)
        )
    assert "form" in exc.value.message_dict
    from xuefen.exports.registry import forms

    assert forms()[form].applies_to("wencheng-2018")
    assert not forms()[form].applies_to("puer-2023")
    assert not forms()[form].applies_to("dali-2020")


def test_school_c_is_not_offered_the_dali_form(wencheng):
    with pytest.raises(ValidationError):
        export(wencheng, "dali-summary", period=None)
