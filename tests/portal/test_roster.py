"""Rosters at scale and both figures (issue 7, points 4 and 5): pages of the roster in
pinyin order, sorted by standing or credits in the database; certified figures with what
the pending records would add; teachers being recomputed shown as updating."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import id_number
from tests.portal.conftest import compliant_fields
from xuefen.org.models import Teacher, name_sort_key
from xuefen.org.services import teacher_create, teacher_update
from xuefen.results.compute import recompute_stale
from xuefen.results.models import TeacherState

pytestmark = pytest.mark.db_backend


def names(response: Any) -> list[str]:
    assert response.status_code == 200
    return [row.teacher.name for row in response.context["rows"]]


def add(people: Any, *names_: str, start: int = 300) -> list[Teacher]:
    return [
        teacher_create(actor=people.root, school=people.school_a, name=n, id_number=id_number(i))
        for i, n in enumerate(names_, start=start)
    ]


def test_sort_key_is_pinyin() -> None:
    assert name_sort_key("张丽") == "zhang li"
    assert name_sort_key(" 阿明 ") == "a ming"
    assert name_sort_key("单雄") == "shan xiong"  # 单 as a surname is shàn
    assert name_sort_key("曾敏") == "zeng min"
    assert name_sort_key("Anna Li") == "anna li"
    assert name_sort_key("") == ""


def test_sort_key_follows_the_name(people: Any) -> None:
    teacher = people.teacher_a
    assert Teacher.objects.get(pk=teacher.pk).name_pinyin == "zhang li"
    teacher_update(actor=people.root, teacher=teacher, name="白雪")
    assert Teacher.objects.get(pk=teacher.pk).name_pinyin == "bai xue"


def test_roster_pages_in_pinyin_order(client: Any, people: Any, monkeypatch: Any) -> None:
    """阿 < 白 < 李 < 曾 < 张 in pinyin, whereas Unicode puts 张 (U+5F20) first and 阿
    (U+963F) last; each page holds ROSTER_PAGE_SIZE teachers and its links keep the
    filters and the period."""
    monkeypatch.setattr("xuefen.portal.views.ROSTER_PAGE_SIZE", 2)
    add(people, "白雪", "阿明", "曾敏")
    client.force_login(people.school_admin_a)
    url = reverse("portal:roster", args=[people.school_a.pk])
    year = f"year:{timezone.localdate().year - 1}-01-01"
    first = client.get(url, {"period": year, "sort": "name"})
    assert names(first) == ["阿明", "白雪"]
    assert sorted(["阿明", "白雪", "李强", "曾敏", "张丽"]) != [
        "阿明",
        "白雪",
        "李强",
        "曾敏",
        "张丽",
    ]  # what the database's ordering by name would have given
    page = first.content.decode()
    assert "第 1 / 3 页" in page and "5 teachers" not in page
    nxt = f"?period={year.replace(':', '%3A')}&amp;sort=name&amp;page=2"
    assert f'href="{nxt}"' in page and f'hx-get="{nxt}"' in page
    assert names(client.get(url, {"period": year, "sort": "name", "page": "2"})) == [
        "李强",
        "曾敏",
    ]
    last = client.get(url, {"period": year, "page": "3"}, HTTP_HX_REQUEST="true")
    assert names(last) == ["张丽"]
    assert "<html" not in last.content.decode() and "上一页" in last.content.decode()
    # Out-of-range and garbage page numbers land on a page, never an error.
    assert names(client.get(url, {"page": "99"})) == ["张丽"]
    assert names(client.get(url, {"page": "-1x"})) == ["阿明", "白雪"]
    # The summary counts the whole roster, not the page.
    assert first.context["total"] == 5


def test_roster_sorts_by_credits_and_standing_in_the_database(
    client: Any, people: Any, make_compliant: Any, make_record: Any
) -> None:
    make_compliant(people.teacher_a)  # 张丽: 94.5 credits, met
    today = timezone.localdate()
    # 李强: 34.5 certified; 阿明 nothing; 白雪 short now, met once her pending record is
    # approved (two certified, the third submitted).
    make_record(people.teacher_a2, actor=people.county_admin, date=today, status="certified")
    _a_ming, bai_xue = add(people, "阿明", "白雪")
    fields = compliant_fields()
    for i, (level, data) in enumerate(fields):
        make_record(
            bai_xue,
            actor=people.county_admin,
            date=today,
            level=level,
            fields=data,
            status="submitted" if i == len(fields) - 1 else "certified",
        )
    recompute_stale()
    client.force_login(people.school_admin_a)
    url = reverse("portal:roster", args=[people.school_a.pk])
    assert names(client.get(url, {"sort": "-credits"})) == ["张丽", "白雪", "李强", "阿明"]
    assert names(client.get(url, {"sort": "credits"})) == ["阿明", "李强", "白雪", "张丽"]
    # Short first (in pinyin order), then those approvals would carry over, then met.
    assert names(client.get(url, {"sort": "standing"})) == ["阿明", "李强", "白雪", "张丽"]
    # The standing filters, in the database too.
    assert names(client.get(url, {"compliance": "met"})) == ["张丽"]
    assert names(client.get(url, {"compliance": "short"})) == ["阿明", "白雪", "李强"]
    assert names(client.get(url, {"compliance": "pending"})) == ["白雪"]
    response = client.get(url)
    assert (response.context["compliant"], response.context["pending_compliant"]) == (1, 2)

    # Both figures: 白雪's row says what counts and what will, and that approval would
    # make her compliant; 张丽's row has no pending figure (nothing pending).
    page = response.content.decode()
    rows = {r.teacher.name: r for r in response.context["rows"]}
    assert rows["白雪"].pending_differs and rows["白雪"].pending_compliant
    assert not rows["张丽"].pending_differs and not rows["张丽"].pending_compliant
    bai = page[page.index(f'data-teacher="{bai_xue.pk}"') :]
    bai = bai[: bai.index("</tr>")]
    assert "含待审 94.5" in bai and "64.5" in bai and "待审通过后可达标" in bai
    zhang = page[page.index(f'data-teacher="{people.teacher_a.pk}"') :]
    assert "含待审" not in zhang[: zhang.index("</tr>")]
    assert "其中 1 名已达标" in page and "含待审 2 名达标" in page

    # The region table: met on each basis; the 20% rule stays on the certified figure.
    client.force_login(people.county_admin)
    region = client.get(reverse("portal:region", args=[people.county_x.pk]))
    school_a = {s.school.pk: s for s in region.context["summaries"]}[people.school_a.pk]
    assert (school_a.teachers, school_a.compliant, school_a.pending_compliant) == (4, 1, 2)
    assert school_a.barred_from_awards  # 3 of 4 short on certified records
    assert "含待审达标" in region.content.decode() and "50.0%" in region.content.decode()

    # The teacher page: the year on both bases, and what the pending record earns.
    teacher_page = client.get(reverse("portal:teacher", args=[bai_xue.pk]))
    text = teacher_page.content.decode()
    assert "含待审记录：90 学时，94.5 学分。" in text
    assert "审核通过后可计 30 学时，30 学分。" in text
    # The record page says it too.
    pending_record = bai_xue.records.get(status="submitted")
    record_page = client.get(reverse("portal:record", args=[pending_record.pk])).content.decode()
    assert "审核通过后可计 30 学时，30 学分。" in record_page


def test_updating_teachers_show_their_last_figures(
    client: Any, people: Any, make_compliant: Any
) -> None:
    make_compliant(people.teacher_a)
    TeacherState.objects.filter(teacher=people.teacher_a).update(stale=True)
    client.force_login(people.school_admin_a)
    response = client.get(reverse("portal:roster", args=[people.school_a.pk]))
    page = response.content.decode()
    rows = {r.teacher.pk: r for r in response.context["rows"]}
    assert rows[people.teacher_a.pk].updating and not rows[people.teacher_a2.pk].updating
    row = page[page.index(f'data-teacher="{people.teacher_a.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "更新中" in row and "94.5" in row and "已达标" in row  # the last figures
    assert "1 名教师的结果正在更新" in page
    client.force_login(people.county_admin)
    region = client.get(reverse("portal:region", args=[people.county_x.pk])).content.decode()
    assert "1 名教师的结果正在更新" in region
    recompute_stale()
    assert (
        "正在更新"
        not in client.get(reverse("portal:region", args=[people.county_x.pk])).content.decode()
    )
