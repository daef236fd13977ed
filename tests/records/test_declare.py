"""Declaring records through the pages: a form per kind in Chinese, draft → submit →
returned with a reason → corrected → resubmitted, withdraw, delete, refusals on records
that can no longer change (a message, never a 500), staff declaring for a teacher, and a
query-count guard on "my records"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry
from xuefen.records.choices import RecordStatus
from xuefen.records.kinds import DECLARABLE_KINDS, kind_spec, record_display
from xuefen.records.models import Record
from xuefen.records.services import record_approve, record_decline, record_reject

pytestmark = pytest.mark.db_backend

DAY = "2023-03-10"


def page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def audit(record: Record, event: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(target_id=str(record.pk), event=event))


# What a teacher types for each main kind, and what the record then holds.
MAIN_KINDS: dict[str, tuple[dict[str, str], dict[str, Any], str]] = {
    "training": (
        {
            "mode": "online",
            "module": "knowledge",
            "hours": "30",
            "score": "85",
            "self_selected": "on",
            "level": "province",
            "name": "国培网络研修",
        },
        {
            "mode": "online",
            "module": "knowledge",
            "hours": 30,
            "score": 85,
            "self_selected": True,
            "name": "国培网络研修",
        },
        "province",
    ),
    "studio": (
        {"role": "member", "grade": "good", "level": "city", "module": "ability"},
        {"role": "member", "grade": "good", "module": "ability"},
        "city",
    ),
    "teaching": ({"hours": "12", "level": "county"}, {"hours": 12}, "county"),
    "competition": ({"award": "second", "level": "county"}, {"award": "second"}, "county"),
    "research_project": (
        {"role": "host", "grade": "excellent", "level": "province"},
        {"role": "host", "grade": "excellent"},
        "province",
    ),
    "award": (
        {"category": "paper", "rank": "first", "level": "city", "entry": "论文甲"},
        {"category": "paper", "rank": "first", "entry": "论文甲"},
        "city",
    ),
    "lesson_observation": (
        {"count": "3", "detail": "detailed"},
        {"count": 3, "detail": "detailed"},
        "",
    ),
    "degree_study": (
        {"program": "云南师范大学 教育硕士", "hours": "48"},
        {"program": "云南师范大学 教育硕士", "hours": 48},
        "",
    ),
    "reading": ({"hours": "10", "program": "practice"}, {"hours": 10, "program": "practice"}, ""),
}


@pytest.mark.parametrize("kind", sorted(MAIN_KINDS))
def test_teacher_declares_each_main_kind(client: Any, people: Any, kind: str) -> None:
    typed, stored, level = MAIN_KINDS[kind]
    client.force_login(people.teacher_a.user)
    form_page = page(client.get(reverse("records:new"), {"kind": kind}))
    assert kind_spec(kind).label in form_page
    response = client.post(
        reverse("records:new") + f"?kind={kind}", {"date": DAY, "action": "draft", **typed}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    record = Record.objects.get(teacher=people.teacher_a, kind=kind)
    assert response["Location"] == reverse("records:edit", args=[record.pk])
    assert record.status == RecordStatus.DRAFT
    assert record.fields == stored
    assert record.level == level
    assert record.date == dt.date(2023, 3, 10)
    assert record.source == "declared"
    assert audit(record, Event.RECORD_CREATE)


def test_kind_list_and_every_form_are_in_chinese(client: Any, people: Any) -> None:
    client.force_login(people.teacher_a.user)
    chooser = page(client.get(reverse("records:new")))
    for kind in DECLARABLE_KINDS:
        assert f"?kind={kind}" in chooser
    assert "活动出勤" not in chooser  # attendance is generated, never declared
    training = page(client.get(reverse("records:new"), {"kind": "training"}))
    for text in (
        "研修模式",
        "网络研修",
        "集中研修",
        "模块",
        "专业知识",
        "学时",
        "成绩",
        "等级",
        "优",
        "合格",
        "出勤",
        "全勤",
        "自主选学",
        "级别",
        "省级",
        "保存为草稿",
        "提交审核",
    ):
        assert text in training, text
    for kind in DECLARABLE_KINDS:
        html = page(client.get(reverse("records:new"), {"kind": kind}))
        assert 'name="date"' in html


def test_unknown_kind_is_404(client: Any, people: Any) -> None:
    client.force_login(people.teacher_a.user)
    assert client.get(reverse("records:new"), {"kind": "activity_attendance"}).status_code == 404
    assert client.get(reverse("records:new"), {"kind": "nonsense"}).status_code == 404


def test_engine_errors_land_on_the_field_in_chinese(client: Any, people: Any) -> None:
    client.force_login(people.teacher_a.user)
    url = reverse("records:new") + "?kind=training"
    # Neither hours nor days: the engine's cross-field check, in Chinese.
    html = page(client.post(url, {"date": DAY, "mode": "online", "action": "draft"}))
    assert "学时或天数" in html
    # Score and grade together.
    html = page(
        client.post(
            url,
            {
                "date": DAY,
                "mode": "online",
                "hours": "3",
                "score": "90",
                "grade": "good",
                "action": "draft",
            },
        )
    )
    assert "成绩和等级只能填一项" in html
    # No mode and no project: the mode field says it is required.
    html = page(client.post(url, {"date": DAY, "hours": "3", "action": "draft"}))
    assert "rf-invalid" in html and "这个字段是必填项" in html
    # Out of bounds, a future date: form errors.
    html = page(client.post(url, {"date": "2999-01-01", "mode": "online", "hours": "-3"}))
    assert "日期不能晚于今天" in html
    assert Record.objects.filter(teacher=people.teacher_a).count() == 0
    # A credit rate must be more than 0 (the engine's open bound, checked by the form).
    html = page(
        client.post(
            url,
            {"date": DAY, "mode": "online", "hours": "3", "credit_per_hour": "0"},
        )
    )
    assert "应大于 0" in html
    assert Record.objects.filter(teacher=people.teacher_a).count() == 0


def test_engine_messages_in_chinese() -> None:
    from django.utils import translation

    from xuefen.records.kinds import engine_message

    with translation.override("zh-hans"):
        assert engine_message("Input should be greater than or equal to 0 (got -3)") == (
            "不能小于 0。"
        )
        assert (
            engine_message(
                "5 is outside 0.5–1 allowed by policy puer-2023 (rule training-school-based)"
            )
            == "5 超出了政策 puer-2023 允许的范围 0.5–1。"
        )
        assert engine_message("give score or grade, not both") == "成绩和等级只能填一项。"
        assert engine_message("已锁定") == "已锁定"  # the services' own, already Chinese


def test_draft_submit_return_correct_resubmit(client: Any, people: Any) -> None:
    client.force_login(people.teacher_a.user)
    client.post(
        reverse("records:new") + "?kind=teaching",
        {"date": DAY, "hours": "12", "level": "county", "action": "draft"},
    )
    record = Record.objects.get(teacher=people.teacher_a)
    edit = reverse("records:edit", args=[record.pk])
    assert "提交审核" in page(client.get(edit))
    response = client.post(reverse("records:submit", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.SUBMITTED
    assert audit(record, Event.RECORD_SUBMIT)
    # The school returns it with a reason.
    record_reject(actor=people.school_admin_a, record=record, reason="缺少授课证明，请补传")
    mine = page(client.get(reverse("records:mine")))
    assert "已退回" in mine and "缺少授课证明，请补传" in mine and "修改后重新提交" in mine
    assert "缺少授课证明，请补传" in page(client.get(edit))
    # The teacher corrects it and submits again.
    response = client.post(edit, {"date": DAY, "hours": "16", "level": "county"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.fields == {"hours": 16} and record.status == RecordStatus.REJECTED
    assert audit(record, Event.RECORD_UPDATE)
    assert "重新提交审核" in page(client.get(edit))
    client.post(reverse("records:submit", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == RecordStatus.SUBMITTED
    assert len(audit(record, Event.RECORD_SUBMIT)) == 2


def test_submit_at_once_from_the_form(client: Any, people: Any) -> None:
    client.force_login(people.teacher_a.user)
    response = client.post(
        reverse("records:new") + "?kind=post",
        {"date": DAY, "title": "subject_group_leader", "action": "submit"},
    )
    record = Record.objects.get(teacher=people.teacher_a)
    assert response["Location"] == reverse("portal:record", args=[record.pk])
    assert record.status == RecordStatus.SUBMITTED


def test_withdraw_and_delete(client: Any, people: Any, make_record: Any) -> None:
    record = make_record(actor=people.teacher_a.user, status="submitted")
    client.force_login(people.teacher_a.user)
    assert "撤回" in page(client.get(reverse("records:mine")))
    client.post(reverse("records:withdraw", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == RecordStatus.DRAFT
    assert audit(record, Event.RECORD_WITHDRAW)
    response = client.post(reverse("records:delete", args=[record.pk]))
    assert response["Location"] == reverse("records:mine")
    assert not Record.objects.filter(pk=record.pk).exists()
    assert audit(record, Event.RECORD_DELETE)


@pytest.mark.parametrize("status", ["submitted", "approved", "certified", "declined"])
def test_edits_refused_when_no_longer_editable(
    client: Any, people: Any, make_record: Any, status: str
) -> None:
    record = make_record(actor=people.county_admin, status="submitted")
    if status == "approved":
        record_approve(actor=people.school_admin_a, record=record)
    elif status == "certified":
        record = make_record(actor=people.county_admin, status="certified")
    elif status == "declined":
        record_decline(actor=people.school_admin_a, record=record, reason="重复登记")
    client.force_login(people.teacher_a.user)
    edit = reverse("records:edit", args=[record.pk])
    html = page(client.get(edit))
    assert 'class="alert"' in html and 'name="hours"' not in html
    before = Record.objects.get(pk=record.pk).fields
    response = client.post(edit, {"date": DAY, "mode": "online", "hours": "99"})
    assert response.status_code == 200
    assert 'class="alert"' in response.content.decode()
    assert Record.objects.get(pk=record.pk).fields == before
    # Submit, delete and evidence on it: a message on the page, nothing changed.
    for name in ("records:submit", "records:delete"):
        response = client.post(reverse(name, args=[record.pk]), follow=True)
        assert response.status_code == 200
        assert 'class="alert"' in response.content.decode()
    assert Record.objects.get(pk=record.pk).status == status


def test_declined_reason_shown(client: Any, people: Any, make_record: Any) -> None:
    record = make_record(actor=people.teacher_a.user, status="submitted")
    record_decline(actor=people.school_admin_a, record=record, reason="非本人参加")
    client.force_login(people.teacher_a.user)
    mine = page(client.get(reverse("records:mine")))
    assert "不予认定" in mine or "不予登记" in mine
    assert "非本人参加" in mine


def test_other_teachers_records_are_404(client: Any, people: Any, make_record: Any) -> None:
    record = make_record(people.teacher_b, actor=people.teacher_b.user)
    client.force_login(people.teacher_a.user)
    for name in ("records:edit", "records:submit", "records:withdraw", "records:delete"):
        method = client.get if name == "records:edit" else client.post
        assert method(reverse(name, args=[record.pk])).status_code == 404
    assert client.get(reverse("records:edit", args=[10**30])).status_code == 404
    assert Record.objects.get(pk=record.pk).status == RecordStatus.DRAFT


def test_anonymous_goes_to_login(client: Any, people: Any) -> None:
    response = client.get(reverse("records:mine"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_declares_for_a_teacher_of_their_school(client: Any, people: Any) -> None:
    client.force_login(people.school_admin_a)
    mine = page(client.get(reverse("records:mine")))
    assert 'name="q"' in mine and "张丽" not in mine  # a search, never a list of everyone
    found = page(client.get(reverse("records:mine") + "?q=zhang"))
    assert f"?teacher={people.teacher_a.pk}" in found
    assert page(client.get(reverse("records:mine") + "?q=张")).count("?teacher=") == 1
    # Teachers of school A only: 王芳 teaches at school B.
    assert "?teacher=" not in page(client.get(reverse("records:mine") + "?q=王芳"))
    # A teacher has no search at all.
    client.force_login(people.teacher_a.user)
    assert 'name="q"' not in page(client.get(reverse("records:mine") + "?q=li"))
    client.force_login(people.school_admin_a)
    url = reverse("records:new") + f"?kind=teaching&teacher={people.teacher_a.pk}"
    assert "张丽" in page(client.get(url))
    response = client.post(url, {"date": DAY, "hours": "6", "level": "county", "action": "draft"})
    assert response.status_code == 302
    record = Record.objects.get(teacher=people.teacher_a)
    assert record.source == "school" and record.entered_by == people.school_admin_a
    # A teacher of another school: 404.
    other = reverse("records:new") + f"?kind=teaching&teacher={people.teacher_b.pk}"
    assert client.get(other).status_code == 404
    assert client.post(other, {"date": DAY, "hours": "6", "level": "county"}).status_code == 404
    # A teacher cannot declare for a colleague.
    client.force_login(people.teacher_a2.user)
    assert client.get(url).status_code == 404


def test_project_picker_lists_projects_offered_to_the_school(client: Any, people: Any) -> None:
    from xuefen.catalog.services import project_create

    county_project = project_create(
        actor=people.county_admin,
        publisher=people.county_x,
        name="县级班主任培训",
        level="county",
        mode="centralized",
        module="class_management",
        hours=12,
    )
    other_county = project_create(
        actor=people.county_y_admin,
        publisher=people.county_y,
        name="宁洱县培训",
        level="county",
        mode="centralized",
        module="ability",
        hours=12,
    )
    client.force_login(people.teacher_a.user)
    html = page(client.get(reverse("records:new"), {"kind": "training"}))
    assert county_project.name in html and other_county.name not in html
    response = client.post(
        reverse("records:new") + "?kind=training",
        {"date": DAY, "project": county_project.pk, "action": "draft"},
    )
    assert response.status_code == 302
    record = Record.objects.get(teacher=people.teacher_a)
    assert record.project == county_project and record.fields == {}
    response = client.post(
        reverse("records:new") + "?kind=training",
        {"date": DAY, "project": other_county.pk, "action": "draft"},
    )
    assert "rf-invalid" in page(response)


def test_record_page_shows_fields_in_chinese(client: Any, people: Any, make_record: Any) -> None:
    record = make_record(
        fields={
            "mode": "school_based",
            "module": "school_based",
            "hours": 20,
            "credit_per_hour": 1,
            "self_selected": True,
        },
        level="school",
    )
    assert ("研修模式", "校本研修") in record_display(record)
    assert ("自主选学", "是") in record_display(record)
    client.force_login(people.teacher_a.user)
    html = page(client.get(reverse("portal:record", args=[record.pk])))
    assert "研修模式" in html and "校本研修" in html and "是" in html
    assert "school_based" not in html and "self_selected" not in html
    assert reverse("records:edit", args=[record.pk]) in html


def test_my_records_query_count(
    client: Any, people: Any, make_record: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(people.teacher_a.user)
    client.get(reverse("records:mine"))  # warm caches (content types, grants)
    with django_assert_max_num_queries(12) as few:
        page(client.get(reverse("records:mine")))
    for i in range(15):
        record = make_record(
            actor=people.teacher_a.user, date=dt.date(2023, 1, 1 + i), status="submitted"
        )
        if i % 3 == 0:
            record_reject(actor=people.school_admin_a, record=record, reason=f"原因{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = page(client.get(reverse("records:mine")))
    assert "原因12" in html and "原因0" in html
