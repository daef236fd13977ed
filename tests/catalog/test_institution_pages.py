"""The institution's pages: write a project, send it for approval, register results in
one table (all rows or none, problems named by row and field); the region's approval
page. Another institution's project is a 404; list pages keep a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.catalog.test_institution_services import draft, events
from xuefen.audit.models import AuditEntry
from xuefen.catalog.choices import ApprovalStatus
from xuefen.catalog.models import Project
from xuefen.catalog.services import (
    institution_approve,
    institution_create,
    project_approve,
    project_create,
    project_submit,
)
from xuefen.records.models import Record

pytestmark = pytest.mark.db_backend


def page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


PROJECT_POST = {
    "name": "县级班主任专题网络研修",
    "mode": "online",
    "module": "class_management",
    "level": "county",
    "hours": "24",
    "days": "",
    "credit_per_hour": "",
    "selection": "self_selected",
    "enrol_from": "",
    "enrol_to": "",
    "description": "面向全县班主任。",
}


def test_institution_writes_and_sends_a_project(client: Any, people: Any) -> None:
    client.force_login(people.institution_user)
    form = page(client.get(reverse("catalog:project_create")))
    assert "网络研修" in form and "自主选学" in form and "指令性" in form
    response = client.post(reverse("catalog:project_create"), PROJECT_POST)
    assert response.status_code == 302
    project = Project.objects.get(name="县级班主任专题网络研修")
    assert project.approval_status == ApprovalStatus.DRAFT
    assert project.publisher == people.county_x and project.institution == people.institution
    home = page(client.get(reverse("portal:institution")))
    assert "草稿" in home and reverse("catalog:project_submit", args=[project.pk]) in home
    response = client.post(reverse("catalog:project_submit", args=[project.pk]))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.approval_status == ApprovalStatus.PENDING
    assert events(project) == ["project.create", "project.submit"]
    # Sent: no longer editable by the institution; the page says so.
    response = client.post(
        reverse("catalog:project_edit", args=[project.pk]), {**PROJECT_POST, "hours": "30"}
    )
    assert response.status_code == 200
    project.refresh_from_db()
    assert project.hours == 24


def test_project_form_errors_are_chinese_and_named(client: Any, people: Any) -> None:
    client.force_login(people.institution_user)
    text = page(
        client.post(
            reverse("catalog:project_create"),
            {**PROJECT_POST, "hours": "", "enrol_from": "2026-12-01", "enrol_to": "2026-11-01"},
        )
    )
    assert "学时" in text and "cf-error" in text
    assert not Project.objects.exists()


def test_another_institutions_project_is_404(client: Any, people: Any) -> None:
    other = institution_create(
        actor=people.county_y_admin, node=people.county_y, name="宁洱培训中心"
    )
    institution_approve(actor=people.county_y_admin, institution=other)
    theirs = project_create(
        actor=people.county_y_admin,
        publisher=people.county_y,
        institution=other,
        name="宁洱县项目",
        level="county",
        mode="online",
        module="ability",
        hours=10,
    )
    office = project_create(
        actor=people.county_admin,
        publisher=people.county_x,
        name="区教师发展中心项目",
        level="county",
        mode="online",
        module="ability",
        hours=10,
    )
    client.force_login(people.institution_user)
    for project in (theirs, office):
        for name in ("catalog:project_edit", "catalog:results"):
            assert client.get(reverse(name, args=[project.pk])).status_code == 404
        assert client.post(reverse("catalog:project_submit", args=[project.pk])).status_code == 404
    assert client.get(reverse("catalog:project_edit", args=[10**20])).status_code == 404
    # Not an institution at all: 403.
    client.force_login(people.teacher_a.user)
    assert client.get(reverse("catalog:project_create")).status_code == 403


@pytest.fixture
def approved(people: Any) -> Project:
    project = draft(people)
    project_submit(actor=people.institution_user, project=project)
    project_approve(actor=people.county_admin, project=project)
    return project


def rows_post(rows: list[dict[str, str]], **extra: str) -> dict[str, str]:
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "200",
        "date": timezone.localdate().isoformat(),
        **extra,
    }
    for i, row in enumerate(rows):
        for key in ("name", "school", "hours", "score"):
            data[f"form-{i}-{key}"] = row.get(key, "")
    return data


def test_results_table_bad_rows_write_nothing(client: Any, people: Any, approved: Any) -> None:
    client.force_login(people.institution_user)
    url = reverse("catalog:results", args=[approved.pk])
    table = page(client.get(url))
    assert 'name="form-9-name"' in table  # ten empty rows
    text = page(
        client.post(
            url,
            rows_post(
                [
                    {"name": "张丽", "hours": "30", "score": "90"},
                    {"name": "查无此人", "hours": "30", "score": "90"},
                    {"name": "李强", "hours": "-3", "score": "90"},
                    {"name": "王芳", "hours": "30", "score": "120"},
                    {"name": "赵伟", "hours": "30", "score": "80"},  # another county
                    {},
                ]
            ),
        )
    )
    assert "第2行" in text and "查无此人" in text
    assert "第3行" in text and "-3" in text
    assert "第4行" in text and "120" in text
    assert "第5行" in text
    assert "第1行" not in text
    assert not Record.objects.exists()
    assert not AuditEntry.objects.filter(event__in=["record.create", "results.register"]).exists()


def test_results_table_good_rows_are_submitted(client: Any, people: Any, approved: Any) -> None:
    client.force_login(people.institution_user)
    url = reverse("catalog:results", args=[approved.pk])
    response = client.post(
        url,
        rows_post(
            [
                {"name": "张丽", "hours": "30", "score": "92"},
                {},
                {"name": "王芳", "school": str(people.school_b.pk), "score": "75"},
            ]
        ),
    )
    assert response.status_code == 302
    records = Record.objects.filter(project=approved).order_by("teacher__name")
    assert {r.status for r in records} == {"submitted"}
    assert {r.teacher_id for r in records} == {people.teacher_a.pk, people.teacher_b.pk}
    assert AuditEntry.objects.filter(event="results.register").count() == 1
    assert AuditEntry.objects.filter(event="record.create").count() == 2
    shown = page(client.get(url))
    assert "张丽" in shown and "王芳" in shown
    # The same table again: refused by row, nothing written twice.
    text = page(client.post(url, rows_post([{"name": "张丽", "hours": "30", "score": "92"}])))
    assert "第1行" in text and "张丽" in text
    assert Record.objects.filter(project=approved).count() == 2


def test_same_name_needs_the_school(client: Any, people: Any, approved: Any) -> None:
    from tests.conftest import id_number
    from xuefen.org.services import teacher_create

    teacher_create(
        actor=people.root,
        school=people.school_b,
        name="张丽",
        id_number=id_number(40, female=True),
        stage="primary",
        subject="数学",
    )
    client.force_login(people.institution_user)
    url = reverse("catalog:results", args=[approved.pk])
    text = page(client.post(url, rows_post([{"name": "张丽", "score": "90"}])))
    assert "第1行" in text and "思茅一中" in text and "思茅二小" in text
    assert not Record.objects.exists()
    response = client.post(
        url, rows_post([{"name": "张丽", "school": str(people.school_a.pk), "score": "90"}])
    )
    assert response.status_code == 302
    assert Record.objects.get().teacher == people.teacher_a


def test_results_refused_before_approval(client: Any, people: Any) -> None:
    project = draft(people)
    client.force_login(people.institution_user)
    url = reverse("catalog:results", args=[project.pk])
    assert "form-0-name" not in page(client.get(url))
    page(client.post(url, rows_post([{"name": "张丽", "score": "90"}])))
    assert not Record.objects.exists()


def test_region_approves_on_its_page(client: Any, people: Any) -> None:
    project = draft(people)
    project_submit(actor=people.institution_user, project=project)
    client.force_login(people.county_y_admin)
    assert project.name not in page(client.get(reverse("catalog:approvals")))
    assert (
        client.post(
            reverse("catalog:project_decide", args=[project.pk]), {"decision": "approve"}
        ).status_code
        == 404
    )
    client.force_login(people.county_admin)
    assert project.name in page(client.get(reverse("catalog:approvals")))
    # A rejection needs a reason.
    client.post(reverse("catalog:project_decide", args=[project.pk]), {"decision": "reject"})
    project.refresh_from_db()
    assert project.approval_status == ApprovalStatus.PENDING
    client.post(
        reverse("catalog:project_decide", args=[project.pk]),
        {"decision": "reject", "reason": "学时安排不合理"},
    )
    project.refresh_from_db()
    assert project.approval_status == ApprovalStatus.REJECTED
    assert events(project)[-1] == "project.reject"


def test_list_pages_keep_their_query_count(client: Any, people: Any) -> None:
    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            page(client.get(url))
        return len(queries)

    for n in range(2):
        project_submit(actor=people.institution_user, project=draft(people, name=f"项目{n}"))
    client.force_login(people.county_admin)
    approvals = count(reverse("catalog:approvals"))
    client.force_login(people.institution_user)
    home = count(reverse("portal:institution"))
    for n in range(2, 8):
        project_submit(actor=people.institution_user, project=draft(people, name=f"项目{n}"))
    assert count(reverse("portal:institution")) == home
    client.force_login(people.county_admin)
    assert count(reverse("catalog:approvals")) == approvals
