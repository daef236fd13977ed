"""The assessment pages: scope (county Y vs X, school C vs D, the peer inside and outside
its window, a teacher of another school), the forms' errors in Chinese, every action
through the pages, and query guards on the lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .conftest import values_for


def _sheet(rnd: Any, school: Any) -> Any:
    from xuefen.assessments.models import Sheet

    return Sheet.objects.get(round=rnd, school=school, teacher__isnull=True)


def _file(rnd: Any) -> Any:
    from xuefen.assessments.scoring import load_round_sheet

    return load_round_sheet(rnd)


def _as(client: Any, user: Any) -> Any:
    client.logout()
    client.force_login(user)
    return client


def _post_column(client: Any, sheet: Any, column: str, values: dict, action: str, **extra: Any):
    data = {k: f"{v:g}" if isinstance(v, float) else v for k, v in values.items()}
    data.update(action=action, **extra)
    return client.post(reverse("assessments:column", args=[sheet.pk, column]), data)


def _round_data(**over: Any) -> dict[str, Any]:
    data = {
        "title": "2018学年第二学期校本研修考核",
        "subject": "school",
        "sheet_source": "bundled",
        "sheet_id": "wencheng-school-example",
        "period": "semester:2019-01-01",
        "self_from": "2019-06-20",
        "self_to": "2019-06-25",
        "peer_from": "2019-06-26",
        "peer_to": "2019-06-30",
        "onsite_from": "2019-06-26",
        "onsite_to": "2019-06-30",
        "rectify_from": "2019-07-01",
        "rectify_to": "2019-07-05",
        "pass_above": "",
        "combine": "onsite",
        "weights": "",
    }
    data.update(over)
    return data


# -- the county's pages ------------------------------------------------------------------


def test_the_county_page_lists_its_own_rounds_only(client, wencheng, round_, clock):
    w = wencheng
    page = _as(client, w.county_y_admin).get(reverse("assessments:county"))
    assert page.status_code == 200
    text = page.content.decode()
    assert round_.title in text and "新建考核" in text
    # county X manages its own region, where there is no round; Y's round is a 404 to it
    page = _as(client, w.county_admin).get(reverse("assessments:county"))
    assert page.status_code == 200 and round_.title not in page.content.decode()
    assert page.context["region"] == w.county_x
    assert client.get(reverse("assessments:round", args=[round_.pk])).status_code == 404
    assert client.get(reverse("assessments:county") + f"?node={w.county_y.pk}").status_code == 404
    # school staff manage no region: the county page does not exist for them
    assert _as(client, w.school_admin_c).get(reverse("assessments:county")).status_code == 404
    assert client.get(reverse("assessments:round", args=[round_.pk])).status_code == 404


def test_a_round_is_created_through_the_form(client, wencheng, round_, clock):
    from xuefen.assessments.models import Round

    w = wencheng
    _as(client, w.county_y_admin)
    choices = dict(
        client.get(reverse("assessments:county")).context["form"].fields["period"].choices
    )
    assert "semester:2019-01-01" in choices and "semester:2018-07-01" in choices
    page = client.post(reverse("assessments:county"), _round_data())
    assert page.status_code == 302
    rnd = Round.objects.get(title="2018学年第二学期校本研修考核")
    assert page["Location"] == reverse("assessments:round", args=[rnd.pk])
    assert (rnd.period_type, rnd.start, rnd.label) == (
        "semester",
        dt.date(2019, 1, 1),
        "2018-2019-2",
    )
    assert rnd.pass_above == 120  # the policy's gate (文成: above 120)
    assert rnd.status == "draft" and rnd.node == w.county_y


def test_the_round_form_shows_errors_by_field_in_chinese(client, wencheng, round_, clock):
    w = wencheng
    _as(client, w.county_y_admin)
    url = reverse("assessments:county")
    # the windows out of order, a period that already has a round, weights not understood
    page = client.post(
        url,
        _round_data(period="semester:2018-07-01", self_from="2019-06-26", self_to="2019-06-20"),
    )
    assert page.status_code == 400
    assert "开始日期晚于截止日期" in str(page.context["form"].errors["self_from"])
    page = client.post(url, _round_data(period="semester:2018-07-01"))
    assert page.status_code == 400
    assert "本地区该期间已有考核轮次" in str(page.context["form"].errors["period"])
    page = client.post(url, _round_data(combine="weighted", weights="self=abc"))
    assert "“self=abc”不是“栏目=权重”的格式" in str(page.context["form"].errors["weights"])
    page = client.post(url, _round_data(sheet_source="bundled", sheet_id=""))
    assert "请选择内置评分表" in str(page.context["form"].errors["sheet_id"])
    # an uploaded file that is no sheet: the engine's reason, under the file field
    bad = SimpleUploadedFile("sheet.yaml", b"id: x\nname: y\n", "application/yaml")
    page = client.post(url, {**_round_data(sheet_source="upload", sheet_id=""), "sheet_file": bad})
    assert page.status_code == 400
    assert "评分表无法使用：" in str(page.context["form"].errors["sheet_file"])
    assert "缺少此项" in str(page.context["form"].errors["sheet_file"])
    broken = SimpleUploadedFile("sheet.yaml", b"a: [", "application/yaml")
    page = client.post(
        url, {**_round_data(sheet_source="upload", sheet_id=""), "sheet_file": broken}
    )
    assert "第1行：不是有效的 YAML" in str(page.context["form"].errors["sheet_file"])
    wrong = SimpleUploadedFile("sheet.txt", b"id: x", "text/plain")
    page = client.post(url, {**_round_data(sheet_source="upload"), "sheet_file": wrong})
    assert "请上传 .yaml 格式的评分表文件" in str(page.context["form"].errors["sheet_file"])
    latin = SimpleUploadedFile("sheet.yaml", "名称".encode("gbk"), "application/yaml")
    page = client.post(url, {**_round_data(sheet_source="upload"), "sheet_file": latin})
    assert "不是 UTF-8 文本" in str(page.context["form"].errors["sheet_file"])


def test_an_uploaded_sheet_makes_a_round(client, wencheng, round_, clock):
    from importlib.resources import files

    from xuefen.assessments.models import Round

    text = (files("xuefen.policies") / "sheets" / "wencheng-school-example.yaml").read_text("utf-8")
    upload = SimpleUploadedFile("文成考核表.yaml", text.encode(), "application/yaml")
    _as(client, wencheng.county_y_admin)
    page = client.post(
        reverse("assessments:county"),
        {**_round_data(sheet_source="upload", sheet_id=""), "sheet_file": upload},
    )
    assert page.status_code == 302
    rnd = Round.objects.get(start=dt.date(2019, 1, 1))
    assert rnd.sheet_id == "" and rnd.sheet_text == text


def test_open_close_and_peer_assignment_through_the_board(client, wencheng, round_, clock):
    from xuefen.assessments.models import PeerAssignment, Round

    w = wencheng
    _as(client, w.county_y_admin)
    client.post(reverse("assessments:county"), _round_data())
    rnd = Round.objects.get(start=dt.date(2019, 1, 1))
    board = reverse("assessments:round", args=[rnd.pk])
    peers = reverse("assessments:round_peer", args=[rnd.pk])
    page = client.post(peers, {"assessor": w.school_c.pk, "school": w.school_c.pk})
    assert page.status_code == 400
    assert "学校不能考评本校" in page.content.decode()
    page = client.post(peers, {"assessor": w.school_a.pk, "school": w.school_c.pk})
    assert page.status_code == 400  # county X's school is no choice here
    assert "请选择本轮考核范围内的学校" in str(page.context["peer_form"].errors["assessor"])
    assert (
        client.post(peers, {"assessor": w.school_c.pk, "school": w.school_d.pk}).status_code == 302
    )
    assert PeerAssignment.objects.get(round=rnd).assessor == w.school_c
    assert (
        client.post(reverse("assessments:round_action", args=[rnd.pk, "open"])).status_code == 302
    )
    rnd.refresh_from_db()
    assert rnd.status == "open" and rnd.sheets.count() == 2
    page = client.post(reverse("assessments:round_action", args=[rnd.pk, "open"]))
    assert page.status_code == 400 and "该轮次已开始或已结束" in page.content.decode()
    page = client.get(board)
    assert [row.school for row in page.context["rows"]] == [w.school_c, w.school_d]
    assert page.context["rows"][1].assessor == w.school_c
    assert (
        client.post(reverse("assessments:round_action", args=[rnd.pk, "close"])).status_code == 302
    )
    rnd.refresh_from_db()
    assert rnd.status == "closed"
    # county X cannot act on Y's round
    _as(client, w.county_admin)
    assert (
        client.post(reverse("assessments:round_action", args=[rnd.pk, "close"])).status_code == 404
    )
    assert (
        client.post(peers, {"assessor": w.school_c.pk, "school": w.school_d.pk}).status_code == 404
    )


def _board_queries(client: Any, rnd: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("assessments:round", args=[rnd.pk]))
    assert page.status_code == 200
    return len(ctx.captured_queries)


def test_the_board_reads_a_constant_number_of_queries(client, wencheng, round_, clock):
    from xuefen.assessments.models import Sheet, SheetColumn
    from xuefen.assessments.services import column_save
    from xuefen.org.services import node_create

    w = wencheng
    clock.set(dt.date(2019, 1, 7))
    column_save(
        actor=w.school_admin_c,
        sheet=_sheet(round_, w.school_c),
        column="self",
        values=values_for(_file(round_), 100),
    )
    _as(client, w.county_y_admin)
    few = _board_queries(client, round_)
    for i in range(6):
        school = node_create(
            actor=w.root, parent=w.county_y, kind="school", name=f"宁洱{i}小", school_kind="primary"
        )
        sheet = Sheet.objects.create(round=round_, school=school)
        SheetColumn.objects.create(sheet=sheet, column="self", total=100 + i)
    many = _board_queries(client, round_)
    assert many == few, (few, many)
    page = client.get(reverse("assessments:round", args=[round_.pk]))
    assert len(page.context["rows"]) == 8


def test_the_board_pages_through_the_schools(client, wencheng, round_, clock, monkeypatch):
    import xuefen.assessments.county_views as county_views
    from xuefen.assessments.models import Sheet
    from xuefen.org.services import node_create

    w = wencheng
    for i in range(3):
        school = node_create(
            actor=w.root, parent=w.county_y, kind="school", name=f"宁洱{i}小", school_kind="primary"
        )
        Sheet.objects.create(round=round_, school=school)
    monkeypatch.setattr(county_views, "BOARD_PAGE", 2)
    url = reverse("assessments:round", args=[round_.pk])
    pages = [_as(client, w.county_y_admin).get(url)] + [
        client.get(f"{url}?page={n}") for n in (2, 3)
    ]
    assert [p.context["pages"] for p in pages] == [3, 3, 3]
    seen = [row.school.pk for p in pages for row in p.context["rows"]]
    assert len(seen) == len(set(seen)) == 5
    assert client.get(f"{url}?page=x").context["page"] == 1


# -- the sheet page ----------------------------------------------------------------------


def test_who_sees_the_sheet(client, wencheng, round_, clock):
    w = wencheng
    sheet = _sheet(round_, w.school_c)
    url = reverse("assessments:sheet", args=[sheet.pk])
    clock.set(dt.date(2019, 1, 7))
    assert _as(client, w.school_admin_c).get(url).status_code == 200
    assert _as(client, w.county_y_admin).get(url).status_code == 200
    for user in (w.county_admin, w.school_admin_a, w.teacher_a.user, w.teacher_c.user):
        assert _as(client, user).get(url).status_code == 404
    # the peer (school D) only inside the peer window
    _as(client, w.school_admin_d)
    assert client.get(url).status_code == 404
    clock.set(dt.date(2019, 1, 10))
    page = client.get(url)
    assert page.status_code == 200 and page.context["as_peer"]
    assert [p["id"] for p in page.context["panels"]] == ["peer"]
    assert page.context["result"] is None
    clock.set(dt.date(2019, 1, 15))
    assert client.get(url).status_code == 404
    # C does not evaluate D
    clock.set(dt.date(2019, 1, 10))
    other = reverse("assessments:sheet", args=[_sheet(round_, w.school_d).pk])
    assert _as(client, w.school_admin_c).get(other).status_code == 404


def test_values_out_of_bounds_are_shown_in_chinese(client, wencheng, round_, clock):
    w = wencheng
    sheet = _sheet(round_, w.school_c)
    f = _file(round_)
    name, item = next(iter(f.judgements.items()))
    clock.set(dt.date(2019, 1, 7))
    _as(client, w.school_admin_c)
    page = _post_column(client, sheet, "self", {name: float(item.max) + 1}, "save")
    assert page.status_code == 400
    expected = f"{item.label}：{float(item.max) + 1:g} 超出 0–{float(item.max):g}"
    assert expected in page.content.decode()
    page = _post_column(client, sheet, "self", {name: "abc"}, "save")
    assert page.status_code == 400 and "不是数字" in page.content.decode()
    # submitting with items missing names them
    page = _post_column(client, sheet, "self", {name: 5.0}, "submit")
    assert page.status_code == 400 and "尚未填写" in page.content.decode()


def test_a_column_outside_its_window_or_of_another_is_refused(client, wencheng, round_, clock):
    from xuefen.assessments.models import SheetColumn

    w = wencheng
    sheet = _sheet(round_, w.school_c)
    values = values_for(_file(round_), 130)
    clock.set(dt.date(2019, 1, 9))  # the self window ended on 01-08
    page = _post_column(_as(client, w.school_admin_c), sheet, "self", values, "save")
    assert "这一栏的填写时间为 2019-01-02 至 2019-01-08" in page.content.decode()
    assert page.status_code == 400
    # the school may not fill the county's column: a 404, as for anything out of reach
    assert _post_column(client, sheet, "county", values, "save").status_code == 404
    assert _post_column(client, sheet, "peer", values, "save").status_code == 404
    assert not SheetColumn.objects.filter(sheet=sheet).exclude(values={}).exists()


def _score_through_pages(client: Any, w: Any, rnd: Any, clock: Any, county_total: float) -> Any:
    sheet = _sheet(rnd, w.school_c)
    f = _file(rnd)
    clock.set(dt.date(2019, 1, 7))
    page = _post_column(_as(client, w.school_admin_c), sheet, "self", values_for(f, 140), "submit")
    assert page.status_code == 302, page.content.decode()[-2000:]
    clock.set(dt.date(2019, 1, 10))
    page = _post_column(
        _as(client, w.school_admin_d),
        sheet,
        "peer",
        values_for(f, 130),
        "submit",
        remarks="材料齐全，活动扎实",
    )
    assert page.status_code == 302
    page = _post_column(
        _as(client, w.county_y_admin), sheet, "county", values_for(f, county_total), "finalize"
    )
    assert page.status_code == 302, page.content.decode()[-2000:]
    return sheet


def test_the_whole_round_through_the_pages(client, wencheng, round_, clock):
    from xuefen.assessments.models import SchoolAssessment, SheetColumn
    from xuefen.results.compute import recompute_stale

    w = wencheng
    sheet = _score_through_pages(client, w, round_, clock, 118)
    result = SchoolAssessment.objects.get(school=w.school_c)
    assert result.score == 118 and not result.passed
    cols = {c.column: c for c in SheetColumn.objects.filter(sheet=sheet)}
    assert {k: c.status for k, c in cols.items()} == {
        "self": "final",
        "peer": "final",
        "county": "final",
    }
    # the board shows the school's columns, result and gate
    page = _as(client, w.county_y_admin).get(reverse("assessments:round", args=[round_.pk]))
    text = page.content.decode()
    assert "未通过" in text and "考核 118 分" in text and w.school_d.name in text
    # the school sees its sheet with the peer's remarks and the result
    page = _as(client, w.school_admin_c).get(reverse("assessments:sheet", args=[sheet.pk]))
    text = page.content.decode()
    assert "材料齐全，活动扎实" in text and "考核 118 分" in text
    home = client.get(reverse("assessments:school_home")).content.decode()
    assert "考核 118 分" in home and "请整改" in home
    # the county rectifies inside the window (not before)
    f = _file(round_)
    page = _post_column(
        _as(client, w.county_y_admin), sheet, "rectification", values_for(f, 125), "rectify"
    )
    assert page.status_code == 400 and "2019-01-15 至 2019-01-20" in page.content.decode()
    clock.set(dt.date(2019, 1, 16))
    page = _post_column(client, sheet, "rectification", values_for(f, 125), "rectify")
    assert page.status_code == 302
    result.refresh_from_db()
    assert result.rectification_score == 125 and result.passed
    assert "整改后 125 分" in result.explanation
    recompute_stale()
    # a teacher of the school sees the gate's words on their page
    page = _as(client, w.teacher_c.user).get(reverse("portal:me") + "?period=semester:2018-07-01")
    text = page.content.decode()
    assert "本校考核（2018-2019-1）" in text and "整改后 125 分" in text


def test_the_reviewer_returns_a_column_with_a_reason(client, wencheng, round_, clock):
    from xuefen.assessments.models import SheetColumn

    w = wencheng
    sheet = _sheet(round_, w.school_c)
    clock.set(dt.date(2019, 1, 7))
    _post_column(
        _as(client, w.school_admin_c), sheet, "self", values_for(_file(round_), 140), "submit"
    )
    url = reverse("assessments:return", args=[sheet.pk])
    _as(client, w.county_y_admin)
    page = client.post(url, {"column": "self", "reason": ""})
    assert page.status_code == 400 and "这个字段是必填项" in page.content.decode()
    assert client.post(url, {"column": "self", "reason": "自评偏高"}).status_code == 302
    col = SheetColumn.objects.get(sheet=sheet, column="self")
    assert col.status == "returned" and col.return_reason == "自评偏高"
    # the school sees the reason and may correct
    page = _as(client, w.school_admin_c).get(reverse("assessments:sheet", args=[sheet.pk]))
    assert "自评偏高" in page.content.decode()
    # the school cannot return
    assert client.post(url, {"column": "self", "reason": "x"}).status_code == 404


def test_the_peer_downloads_the_school_materials_in_its_window_only(
    client, wencheng, round_, clock, settings, tmp_path
):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from xuefen.activities.models import Activity, Material

    settings.MEDIA_ROOT = str(tmp_path)
    w = wencheng

    def activity(school: Any, day: dt.date) -> Any:
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(14)))
        return Activity.objects.create(
            school=school,
            theme="新课标解读",
            type="lesson_preparation",
            place="会议室",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            hours=2,
        )

    def material(act: Any) -> Any:
        m = Material(
            activity=act, kind="summary", name="活动总结.pdf", content_type="application/pdf"
        )
        m.file.save("summary.pdf", ContentFile(b"%PDF-1.4 summary"), save=False)
        m.save()
        return m

    inside = material(activity(w.school_c, dt.date(2018, 9, 10)))
    before = material(activity(w.school_c, dt.date(2018, 3, 10)))  # not in the period
    of_d = material(activity(w.school_d, dt.date(2018, 9, 10)))  # the peer's own school
    sheet = _sheet(round_, w.school_c)

    def get(m: Any) -> Any:
        return client.get(reverse("assessments:material", args=[sheet.pk, m.pk]))

    _as(client, w.school_admin_d)
    clock.set(dt.date(2019, 1, 10))
    page = client.get(reverse("assessments:sheet", args=[sheet.pk]))
    assert "活动总结.pdf" in page.content.decode()
    response = get(inside)
    assert (
        response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 summary"
    )
    assert get(before).status_code == 404 and get(of_d).status_code == 404
    clock.set(dt.date(2019, 1, 15))
    assert get(inside).status_code == 404
    # the county reaches it through its scope
    assert (
        _as(client, w.county_y_admin)
        .get(reverse("assessments:material", args=[sheet.pk, inside.pk]))
        .status_code
        == 200
    )
    # a teacher of another school does not
    assert (
        _as(client, w.teacher_a.user)
        .get(reverse("assessments:material", args=[sheet.pk, inside.pk]))
        .status_code
        == 404
    )


def test_the_school_home_lists_sheets_and_peer_work(client, wencheng, round_, clock):
    w = wencheng
    clock.set(dt.date(2019, 1, 7))
    page = _as(client, w.school_admin_c).get(reverse("assessments:school_home"))
    assert page.status_code == 200
    text = page.content.decode()
    assert round_.title in text and "请在 2019-01-08 前填写并提交自评" in text
    clock.set(dt.date(2019, 1, 10))
    page = _as(client, w.school_admin_d).get(reverse("assessments:school_home"))
    assert [s.school for s in page.context["peer"]] == [w.school_c]
    clock.set(dt.date(2019, 1, 15))
    page = client.get(reverse("assessments:school_home"))
    assert page.context["peer"] == []


def test_the_nav_shows_assessments_to_staff(client, wencheng, round_, clock):
    w = wencheng
    page = _as(client, w.county_y_admin).get(reverse("assessments:county"))
    assert f'href="{reverse("assessments:county")}"' in page.content.decode()
    page = _as(client, w.school_admin_c).get(reverse("assessments:school_home"))
    assert f'href="{reverse("assessments:school_home")}"' in page.content.decode()
    assert ">考核<" in page.content.decode()


@pytest.mark.parametrize("results", [0, 1])
def test_the_teacher_page_reads_the_result_in_one_query(client, wencheng, round_, clock, results):
    from xuefen.assessments.models import SchoolAssessment

    w = wencheng
    if results:
        SchoolAssessment.objects.create(
            school=w.school_c,
            round=round_,
            period_type="semester",
            start=round_.start,
            end=round_.end,
            label=round_.label,
            score=130,
            passed=True,
            explanation="本校本学期考核 130 分，高于 120 分，通过",
        )
    _as(client, w.teacher_c.user)
    url = reverse("portal:me") + "?period=semester:2018-07-01"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url)
    assessment_queries = [
        q for q in ctx.captured_queries if "assessments_schoolassessment" in q["sql"]
    ]
    assert len(assessment_queries) == 1
    assert ("本校本学期考核 130 分" in page.content.decode()) is bool(results)


def test_a_teacher_sees_their_own_teacher_sheet_with_the_computed_items(
    client, wencheng, round_, clock
):
    from xuefen.assessments.models import Sheet
    from xuefen.assessments.services import round_create, round_open

    w = wencheng
    rnd = round_create(
        actor=w.county_y_admin,
        node=w.county_y,
        title="教师校本研修考评",
        subject="teacher",
        sheet_id="pingyang-teacher",
        period_type="semester",
        start=round_.start,
        end=round_.end,
        label=round_.label,
        self_from=dt.date(2019, 1, 2),
        self_to=dt.date(2019, 1, 8),
        onsite_from=dt.date(2019, 1, 9),
        onsite_to=dt.date(2019, 1, 14),
    )
    round_open(actor=w.county_y_admin, rnd=rnd)
    own = Sheet.objects.get(round=rnd, teacher=w.teacher_c)
    url = reverse("assessments:sheet", args=[own.pk])
    clock.set(dt.date(2019, 1, 7))
    page = _as(client, w.teacher_c.user).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "自动计算" in text
    items = {i["id"]: i for s in page.context["sections"] for i in s["items"]}
    # 参加研修活动全勤10分: no missed session in the records → 10, with the engine's words
    attendance = items["activity-attendance"]
    assert not attendance["judged"] and attendance["auto"]["points"] == 10
    assert attendance["auto"]["explanation"] in text
    # the teacher fills their own column (自评) today, not the school's (校评)
    assert [p["id"] for p in page.context["panels"] if p.get("form")] == ["self"]
    # another teacher's sheet, and a teacher of another school: 404
    other = Sheet.objects.get(round=rnd, teacher=w.teacher_c2)
    assert client.get(reverse("assessments:sheet", args=[other.pk])).status_code == 404
    assert _as(client, w.teacher_a.user).get(url).status_code == 404
    # the school's staff see it and fill the school's column in the on-site window
    clock.set(dt.date(2019, 1, 10))
    page = _as(client, w.school_admin_c).get(url)
    assert [p["id"] for p in page.context["panels"] if p.get("form")] == ["school"]
    # the county's board of a teacher round lists the teachers' sheets
    page = _as(client, w.county_y_admin).get(reverse("assessments:round", args=[rnd.pk]))
    assert {row.sheet.teacher for row in page.context["rows"]} == {
        w.teacher_c,
        w.teacher_c2,
        w.teacher_d,
    }
    assert w.teacher_c2.name in page.content.decode()


def test_the_school_home_reads_a_bounded_number_of_queries(client, wencheng, round_, clock):
    from xuefen.assessments.services import round_create, round_open

    w = wencheng
    clock.set(dt.date(2019, 1, 10))
    _as(client, w.school_admin_d)
    url = reverse("assessments:school_home")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        page = client.get(url)
    assert len(page.context["rows"]) == 1 and len(page.context["peer"]) == 1
    # a second round: one more sheet of the school, the same queries
    rnd = round_create(
        actor=w.county_y_admin,
        node=w.county_y,
        title="2018学年第二学期校本研修考核",
        sheet_id="wencheng-school-example",
        period_type="semester",
        start=dt.date(2019, 1, 1),
        end=dt.date(2019, 6, 30),
        label="2018-2019-2",
        self_from=dt.date(2019, 6, 20),
        self_to=dt.date(2019, 6, 25),
        onsite_from=dt.date(2019, 6, 26),
        onsite_to=dt.date(2019, 6, 30),
    )
    round_open(actor=w.county_y_admin, rnd=rnd)
    with CaptureQueriesContext(connection) as two:
        page = client.get(url)
    assert len(page.context["rows"]) == 2
    assert len(two.captured_queries) == len(one.captured_queries) <= 10


def test_a_score_without_a_pass_mark_is_neither_passed_nor_failed(client, wencheng, round_, clock):
    from xuefen.assessments.models import SchoolAssessment

    w = wencheng
    SchoolAssessment.objects.create(
        school=w.school_c,
        round=round_,
        period_type="semester",
        start=round_.start,
        end=round_.end,
        label=round_.label,
        score=88,
        passed=None,
        explanation="本校考核 88 分",
    )
    clock.set(dt.date(2019, 1, 16))
    page = _as(client, w.county_y_admin).get(reverse("assessments:round", args=[round_.pk]))
    text = page.content.decode()
    row = text[text.index(f'data-school="{w.school_c.pk}"') :].split("</tr>")[0]
    assert "本校考核 88 分" in row and "通过" not in row
    # nothing to rectify: the rectification column offers no form
    page = client.get(reverse("assessments:sheet", args=[_sheet(round_, w.school_c).pk]))
    assert not [p for p in page.context["panels"] if p.get("form")]
    page = _as(client, w.school_admin_c).get(reverse("assessments:school_home"))
    assert page.context["rows"][0]["next"] == "本校考核 88 分"
