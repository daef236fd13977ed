"""The review queue: what a row shows (in Chinese), the default status, every filter and
order, bad filter values (never a 500), htmx partials, and query-count guards that hold
as records, teachers and schools grow."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import id_number
from tests.review.conftest import named
from xuefen.catalog.services import project_create
from xuefen.org.choices import NodeKind, SchoolKind
from xuefen.org.services import node_create, teacher_create, teacher_update
from xuefen.records.models import Evidence


def page(client: Any, user: Any, **params: Any) -> str:
    client.force_login(user)
    response = client.get(reverse("review:queue"), params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_row_shows_teacher_kind_date_name_hours_files_status(
    client: Any, people: Any, submitted: Any
) -> None:
    record = submitted(fields=named("信息技术应用能力提升", hours=24))
    Evidence.objects.create(record=record, file="evidence/x/a.pdf", name="结业证书.pdf", size=3)
    Evidence.objects.create(record=record, file="evidence/x/b.jpg", name="现场照片.jpg", size=3)
    html = page(client, people.school_admin_a)
    assert "待审核记录" in html
    assert "张丽" in html
    assert "培训项目" in html  # the kind's Chinese label, never "training"
    assert "2023-03-10" in html
    assert "信息技术应用能力提升" in html
    assert '<td class="num q-hours">24<span class="unit-sm"> 学时</span></td>' in html
    assert "2 个文件" in html and "结业证书.pdf" in html and "现场照片.jpg" in html
    assert "已提交" in html  # the status badge
    assert f'value="{record.pk}" form="batch-form"' in html
    # The reviewer reaches the record's full page (fields, credits) from the row.
    assert reverse("portal:record", args=[record.pk]) in html
    assert "审核通过" in html and "退回修改" in html and "不予认定" in html
    # No English key leaks: neither the kind nor the status values.
    assert ">training<" not in html and ">submitted<" not in html


def test_hours_come_from_the_project_when_the_record_gives_none(
    client: Any, people: Any, submitted: Any
) -> None:
    project = project_create(
        actor=people.county_admin,
        publisher=people.county_x,
        name="县级班主任培训",
        level="county",
        mode="centralized",
        module="class_management",
        days=3,
    )
    submitted(fields={"self_selected": True}, level="", project=project)
    html = page(client, people.school_admin_a)
    assert "县级班主任培训" in html
    assert "3 天" in html


def test_default_is_submitted_and_status_filter(client: Any, people: Any, submitted: Any) -> None:
    submitted(fields=named("待审的"))
    submitted(fields=named("草稿的"), status="draft")
    submitted(fields=named("已通过的"), status="approved")
    html = page(client, people.school_admin_a)
    assert "待审的" in html and "草稿的" not in html and "已通过的" not in html
    html = page(client, people.school_admin_a, status="approved")
    assert "已通过的" in html and "待审的" not in html
    html = page(client, people.school_admin_a, status="all")
    assert "待审的" in html and "草稿的" in html and "已通过的" in html


def test_teacher_search_by_name_and_pinyin_never_by_id_number(
    client: Any, people: Any, submitted: Any
) -> None:
    submitted(people.teacher_a, fields=named("张丽的记录"))
    submitted(people.teacher_a2, fields=named("李强的记录"))
    admin = people.school_admin_a
    assert "李强的记录" not in page(client, admin, q="张")
    assert "张丽的记录" in page(client, admin, q="张丽")
    for q in ("zhang", "zhangli", "Zhang Li", "li"):
        html = page(client, admin, q=q)
        assert "张丽的记录" in html, q
    assert "张丽的记录" not in page(client, admin, q="qiang")
    assert "李强的记录" in page(client, admin, q="qiang")
    # A prefix of an ID number finds nobody: the search box is no oracle for numbers.
    prefix = people.teacher_a.id_number[:10]
    html = page(client, admin, q=prefix)
    assert "张丽的记录" not in html and "没有符合筛选条件的记录" in html


def test_kind_group_and_period_filters(client: Any, people: Any, submitted: Any) -> None:
    teacher_update(actor=people.root, teacher=people.teacher_a, group=people.subject_group_a)
    submitted(people.teacher_a, fields=named("三月培训"), date=dt.date(2023, 3, 10))
    submitted(people.teacher_a2, fields=named("五月培训"), date=dt.date(2023, 5, 10))
    submitted(
        people.teacher_a2,
        kind="award",
        fields={"category": "quality_lesson", "rank": "first", "name": "优质课一等奖"},
        level="county",
        date=dt.date(2023, 4, 1),
    )
    admin = people.school_admin_a
    html = page(client, admin)
    # One school: its subject groups are offered, with Chinese kind labels.
    assert "语文教研组" in html and 'name="school"' not in html
    assert '<option value="award">获奖</option>' in html
    html = page(client, admin, kind="award")
    assert "优质课一等奖" in html and "三月培训" not in html
    html = page(client, admin, group=people.subject_group_a.pk)
    assert "三月培训" in html and "五月培训" not in html and "优质课一等奖" not in html
    html = page(client, admin, date_from="2023-04-01", date_to="2023-04-30")
    assert "优质课一等奖" in html and "三月培训" not in html and "五月培训" not in html
    html = page(client, admin, date_from="2023-05-01")
    assert "五月培训" in html and "三月培训" not in html


def test_sorting(client: Any, people: Any, submitted: Any) -> None:
    submitted(people.teacher_a2, fields=named("记录早"), date=dt.date(2023, 1, 5))  # 李强
    submitted(people.teacher_a, fields=named("记录晚"), date=dt.date(2023, 6, 5))  # 张丽
    admin = people.school_admin_a

    def order(**params: Any) -> list[str]:
        html = page(client, admin, **params)
        return sorted(["记录早", "记录晚"], key=html.index)

    assert order() == ["记录早", "记录晚"]  # oldest first: the longest waiting
    assert order(sort="-date") == ["记录晚", "记录早"]
    assert order(sort="teacher") == ["记录早", "记录晚"]  # li qiang before zhang li


@pytest.mark.parametrize(
    "params",
    [
        {"status": "nonsense"},
        {"kind": "<script>"},
        {"group": "abc"},
        {"group": "99999999999999999999999"},
        {"school": "-1"},
        {"date_from": "2023-13-45"},
        {"sort": "id_number"},
        {"page": "x"},
        {"page": "9999"},
        {"q": "x" * 200},
    ],
)
def test_bad_filter_values_never_break_the_page(
    client: Any, people: Any, submitted: Any, params: dict[str, str]
) -> None:
    submitted(fields=named("仍然显示"))
    html = page(client, people.school_admin_a, **params)
    assert "<script>" not in html  # nothing echoed unescaped
    if "q" not in params:  # a bad value filters nothing
        assert "仍然显示" in html


def test_reversed_date_range_is_said_in_chinese(client: Any, people: Any, submitted: Any) -> None:
    submitted(fields=named("仍然显示"))
    html = page(client, people.school_admin_a, date_from="2023-06-01", date_to="2023-01-01")
    assert "截止日期早于起始日期" in html
    assert "仍然显示" in html  # the wrong range filters nothing


def test_htmx_gets_the_table_alone(client: Any, people: Any, submitted: Any) -> None:
    submitted(fields=named("表格里"))
    client.force_login(people.school_admin_a)
    response = client.get(reverse("review:queue"), {"kind": "training"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="queue-table">')
    assert "表格里" in html and "<html" not in html
    # The group select follows the school out of band; the batch form keeps the filters.
    assert 'id="group-field" hx-swap-oob="true"' in html
    assert 'name="next" value="/review/?kind=training"' in html
    assert "HX-Request" in response["Vary"]


# -- query-count guards ----------------------------------------------------------------


def _count(client: Any, url: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **headers).status_code == 200
    return len(ctx.captured_queries)


def _more_records(people: Any, school: Any, teachers: int, per_teacher: int, start: int) -> None:
    from xuefen.records.services import record_create

    for i in range(teachers):
        teacher = teacher_create(
            actor=people.root,
            school=school,
            name=f"测试教师{start + i}",
            id_number=id_number(start + i, female=bool(i % 2)),
        )
        for j in range(per_teacher):
            record = record_create(
                actor=people.root,
                teacher=teacher,
                kind="training",
                date=dt.date(2023, 3, 1 + j),
                fields=named(f"批量记录{start + i}-{j}"),
                level="province",
                status="submitted",
            )
            Evidence.objects.create(
                record=record, file=f"evidence/{record.pk}.pdf", name="证书.pdf", size=1
            )


@pytest.mark.parametrize("who", ["school_admin_a", "county_admin"])
def test_queue_queries_do_not_grow_with_records(
    client: Any, people: Any, submitted: Any, who: str
) -> None:
    """A handful of records, then three pages' worth over more teachers (and, for the
    county, another school): the same number of queries for every page, filter and
    order, full page or htmx table."""
    from xuefen.review.views import QUEUE_PAGE_SIZE

    teacher_update(actor=people.root, teacher=people.teacher_a, group=people.subject_group_a)
    submitted(fields=named("第一条"))
    _more_records(people, people.school_a, teachers=1, per_teacher=1, start=190)
    user = getattr(people, who)
    client.force_login(user)
    base = reverse("review:queue")
    views = [
        "",
        "?sort=teacher&status=all",
        "?q=ceshi&kind=training",
        "?q=测试&date_from=2023-01-01&date_to=2023-12-31&sort=-date",
        f"?group={people.subject_group_a.pk}",
    ]
    small = [_count(client, base + v) for v in views]
    small_htmx = _count(client, base, HTTP_HX_REQUEST="true")

    _more_records(people, people.school_a, teachers=25, per_teacher=6, start=200)
    if who == "county_admin":
        other = node_create(
            actor=people.root,
            parent=people.county_x,
            kind=NodeKind.SCHOOL,
            name="思茅三中",
            school_kind=SchoolKind.SECONDARY,
        )
        _more_records(people, other, teachers=5, per_teacher=3, start=300)
    assert Evidence.objects.count() > 2 * QUEUE_PAGE_SIZE

    large = [_count(client, base + v) for v in views]
    assert large == small, (small, large)
    assert _count(client, base, HTTP_HX_REQUEST="true") == small_htmx
    assert _count(client, base + "?page=3") == small[0]
    assert max(small) <= 14, small
