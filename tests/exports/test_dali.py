"""大荔 附件3 学时认定汇总表: figures equal the engine's (online, each semester's 研修活动 and
研修成果, the school year's school-based total), 达标 and the shortfalls, Chinese headers and
names in the PDF, draft marking, scope, and the form is offered only under 大荔's policy.

County Y (宁洱县) is put under ``dali-2020`` from 2020-09-01; school C gets a second teacher."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests.conftest import id_number

from .conftest import export_bytes, pdf_text, xlsx_rows

TODAY = dt.date(2021, 7, 10)
YEAR = "2020-2021"

# (date, fields, status) of each teacher's records; the engine input is built from the same.
ONLINE = {"mode": "online"}


def sb(hours: float, category: str) -> dict[str, Any]:
    return {"mode": "school_based", "hours": hours, "school_based_category": category}


ZHAO = [
    (dt.date(2020, 11, 10), {**ONLINE, "hours": 30}, "certified"),
    (dt.date(2020, 10, 10), sb(20, "activity"), "certified"),
    (dt.date(2020, 12, 1), sb(8, "outcome"), "certified"),
    (dt.date(2021, 3, 10), sb(18, "activity"), "certified"),
    (dt.date(2021, 4, 10), sb(7, "outcome"), "certified"),
]
CHEN = [
    (dt.date(2020, 10, 20), sb(10, "activity"), "certified"),
    (dt.date(2021, 5, 6), sb(5, "outcome"), "approved"),
]


@pytest.fixture
def dali(people: Any, make_record: Any) -> Any:
    from xuefen.org.services import policy_bind, teacher_create
    from xuefen.results.compute import recompute

    policy_bind(
        actor=people.root,
        node=people.county_y,
        policy_id="dali-2020",
        valid_from=dt.date(2020, 9, 1),
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
    for teacher, items in ((people.teacher_c, ZHAO), (people.teacher_c2, CHEN)):
        for day, fields, status in items:
            make_record(teacher, date=day, fields=fields, level="county", status=status)
    recompute([people.teacher_c.pk, people.teacher_c2.pk], as_of=TODAY)
    return people


def export(world: Any, **kwargs: Any) -> bytes:
    params = {
        "user": world.county_y_admin,
        "form_id": "dali-summary",
        "node": world.school_c,
        "period": YEAR,
        "today": TODAY,
        **kwargs,
    }
    return export_bytes(**params)


def engine(items: list, *, pending: bool = False) -> dict[str, dict]:
    """The engine's periods (by label) for one teacher, from hand-written input."""
    from xuefen.policy import load_policy

    records = [
        {
            "id": str(i),
            "kind": "training",
            "date": day.isoformat(),
            "level": "county",
            "status": "certified" if pending or status == "certified" else status,
            **fields,
        }
        for i, (day, fields, status) in enumerate(items)
    ]
    out = load_policy("dali-2020").evaluate(
        [{"id": "t", "records": records}], as_of=TODAY, all_cycles=True
    )
    return {p["period"]: p for p in out["teachers"][0]["periods"]}


def actual(period: dict, requirement: str) -> float:
    return next(r["actual"] for r in period["requirements"] if r["id"] == requirement)


def body(rows: list[list[Any]]) -> dict[str, list[Any]]:
    return {r[1]: r for r in rows if r and isinstance(r[0], int)}


def test_figures_equal_the_engine(dali):
    rows = xlsx_rows(export(dali))
    assert rows[0][0] == "大荔县“2020-2021”学年度学校校本研修学时认定汇总表"
    zhao = body(rows)["赵伟"]
    periods = engine(ZHAO)
    year, first, second = periods[YEAR], periods[f"{YEAR}-1"], periods[f"{YEAR}-2"]
    # 序号 姓名 性别 身份证号 学段学科 | 网络 学时 学分 | 上 活动 成果 | 下 活动 成果
    # | 校本 学时 学分 | 达标 备注
    assert zhao[3] == dali.teacher_c.id_number
    assert zhao[5:7] == [year["hours"]["online"], year["credits"]["online"]] == [30, 9]
    assert (
        zhao[7:9]
        == [
            actual(first, "semester-hours-activity"),
            actual(first, "semester-hours-outcome"),
        ]
        == [20, 8]
    )
    assert (
        zhao[9:11]
        == [
            actual(second, "semester-hours-activity"),
            actual(second, "semester-hours-outcome"),
        ]
        == [18, 7]
    )
    assert zhao[11:13] == [year["hours"]["school_based"], year["credits"]["school_based"]]
    assert zhao[11:13] == [53, 10.6]
    assert zhao[13] == "是" and not zhao[14]


def test_short_teacher_is_not_recognized_and_the_remark_says_why(dali):
    chen = body(xlsx_rows(export(dali)))["陈静"]
    periods = engine(CHEN)
    assert chen[2] == "女" and chen[4] == "小学数学"
    assert chen[5:13] == [0, 0, 10, 0, 0, 0, 10, 2]  # the approved 5 h are not certified
    assert periods[YEAR]["credits"]["school_based"] == chen[12]
    assert chen[13] == "否"
    for words in (
        "网络研修每学年不少于30学时（差30）",
        "校本研修每学年不少于50学时（差40）",
        "上学期校本研修每学期“研修活动”不少于18学时（差8）",
        "下学期校本研修每学期“研修成果”不少于7学时（差7）",
    ):
        assert words in chen[14], words


def test_a_teacher_of_the_second_semester_only_is_in_its_columns(dali, make_record):
    from xuefen.org.services import teacher_create
    from xuefen.results.compute import recompute

    sun = teacher_create(
        actor=dali.root, school=dali.school_c, name="孙明", id_number=id_number(6), sex="male"
    )
    make_record(sun, date=dt.date(2021, 3, 1), fields=sb(7, "outcome"), level="county",
                status="certified")  # fmt: skip
    recompute([sun.pk], as_of=TODAY)
    row = body(xlsx_rows(export(dali)))["孙明"]
    assert row[7:13] == [0, 0, 0, 7, 7, 1.4]
    assert "上学期校本研修每学期“研修成果”不少于7学时（差7）" in row[14]
    assert "下学期校本研修每学期“研修成果”" not in row[14]


def test_a_school_based_record_without_category_counts_in_the_total_only(dali, make_record):
    from xuefen.org.services import teacher_create
    from xuefen.results.compute import recompute

    li = teacher_create(
        actor=dali.root, school=dali.school_c, name="李娜", id_number=id_number(7, female=True)
    )
    make_record(li, date=dt.date(2020, 10, 12), fields={"mode": "school_based", "hours": 10},
                level="county", status="certified")  # fmt: skip
    recompute([li.pk], as_of=TODAY)
    row = body(xlsx_rows(export(dali)))["李娜"]
    assert row[7:13] == [0, 0, 0, 0, 10, 2]


def test_totals_add_up_the_columns(dali):
    rows = xlsx_rows(export(dali))
    total = next(r for r in rows if r and r[0] == "合计")
    assert total[1] == "2人"
    assert total[5:13] == [30, 9, 30, 8, 18, 7, 63, 12.6]


def test_draft_counts_the_pending_record_and_says_so(dali):
    rows = xlsx_rows(export(dali, draft=True))
    assert any("草稿" in str(r[0]) for r in rows[:3] if r)
    chen = body(rows)["陈静"]
    periods = engine(CHEN, pending=True)
    assert chen[10] == actual(periods[f"{YEAR}-2"], "semester-hours-outcome") == 5
    assert chen[11:13] == [15, 3]


def test_pdf_has_the_headers_names_and_boxes(dali, tmp_path):
    text = pdf_text(export(dali, fmt="pdf", draft=True), tmp_path)
    for word in (
        "学校校本研修学时认定汇总表",
        "网络研修",
        "校本研修",
        "上学期",
        "下学期",
        "研修活动",
        "研修成果",
        "是否达标",
        "赵伟",
        "陈静",
        "校长（签字）",
        "学校（盖章）",
        "草稿",
        "第1页共",
    ):
        assert word in text, word
    assert text.count("草稿") == text.count("\f")  # the mark on every page


def test_outside_scope_is_not_found(dali):
    for user in (dali.county_admin, dali.teacher_c.user, dali.school_admin_a, dali.nobody):
        with pytest.raises(Http404):
            export(dali, user=user)


def test_not_offered_under_another_policy(dali):
    with pytest.raises(ValidationError) as exc:
        export_bytes(
            user=dali.school_admin_a,
            form_id="dali-summary",
            node=dali.school_a,
            today=dt.date(2023, 6, 1),
        )
    assert "form" in exc.value.message_dict
    from xuefen.exports.registry import forms

    spec = forms()["dali-summary"]
    assert spec.applies_to("dali-2020")
    assert not spec.applies_to("puer-2023") and not spec.applies_to("wencheng-2018")
    # and 文成's forms are not offered to a 大荔 school
    with pytest.raises(ValidationError):
        export(dali, form_id="wencheng-5", period=None)


def test_a_semester_is_not_a_period_of_this_form(dali):
    with pytest.raises(ValidationError) as exc:
        export(dali, period=f"{YEAR}-1")
    assert YEAR in str(exc.value)
