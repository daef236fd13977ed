"""Decisions from the review pages: approve, return with a reason, refuse with a reason,
each through one service with its audit row and the teacher told; refused decisions
(no reason, wrong state, frozen period) shown in Chinese on the form; a second reviewer
who comes too late is told what happened and keeps what they typed; batch approval
reports what it approved and why it skipped the others."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.review.conftest import named
from xuefen.audit.models import AuditEntry
from xuefen.inbox.models import Notification
from xuefen.records.models import Record
from xuefen.records.services import record_approve, record_reject
from xuefen.review.services import HandledMeanwhile, review_decide

DECISION_EVENTS = ["record.approve", "record.reject", "record.decline"]


def decisions(record: Record) -> list[tuple[str, str, str]]:
    """The audit rows of decisions on the record: (event, actor, reason)."""
    return [
        (e.event, e.actor.username, e.reason)
        for e in AuditEntry.objects.filter(
            target_id=str(record.pk), event__in=DECISION_EVENTS
        ).order_by("pk")
    ]


def status(record: Record) -> str:
    return Record.objects.get(pk=record.pk).status


def decide(client: Any, record: Record, **data: Any) -> Any:
    data.setdefault("seen", "submitted")
    return client.post(reverse("review:record", args=[record.pk]), data)


@pytest.fixture
def record(submitted: Any) -> Record:
    return submitted(fields=named("市级骨干教师网络研修"))


def test_approve_goes_back_to_the_filtered_queue_with_a_message(
    client: Any, people: Any, record: Record, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(people.school_admin_a)
    back = "/review/?kind=training&sort=-date"
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, record, decision="approve", next=back)
    assert response.status_code == 302 and response["Location"] == back
    assert status(record) == "approved"
    assert decisions(record) == [("record.approve", "school_admin_a", "")]
    page = client.get(back).content.decode()
    assert "市级骨干教师网络研修（张丽）：已审核通过。" in page
    assert Notification.objects.filter(user=people.teacher_a.user, event="record.approve").exists()


def test_return_needs_a_reason_and_tells_the_teacher(
    client: Any, people: Any, record: Record, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(people.school_admin_a)
    response = decide(client, record, decision="reject", reason="   ")
    html = response.content.decode()
    assert response.status_code == 200
    assert "请填写理由：教师将据此修改记录。" in html
    assert status(record) == "submitted" and decisions(record) == []

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, record, decision="reject", reason="缺少结业证书，请补传")
    assert response.status_code == 302
    assert status(record) == "rejected"
    assert decisions(record) == [("record.reject", "school_admin_a", "缺少结业证书，请补传")]
    told = Notification.objects.get(user=people.teacher_a.user, event="record.reject")
    assert "缺少结业证书，请补传" in told.body


def test_refuse_needs_a_reason(client: Any, people: Any, record: Record) -> None:
    client.force_login(people.school_admin_a)
    assert decide(client, record, decision="decline").status_code == 200
    assert status(record) == "submitted"
    response = decide(client, record, decision="decline", reason="非教育系统审批项目")
    assert response.status_code == 302
    assert status(record) == "declined"
    assert decisions(record) == [("record.decline", "school_admin_a", "非教育系统审批项目")]


def test_unknown_decision_is_a_form_error_not_a_500(
    client: Any, people: Any, record: Record
) -> None:
    client.force_login(people.school_admin_a)
    response = decide(client, record, decision="certify")
    assert response.status_code == 200
    assert status(record) == "submitted" and decisions(record) == []


def test_htmx_decision_answers_with_the_row(client: Any, people: Any, record: Record) -> None:
    client.force_login(people.school_admin_a)
    response = client.post(
        reverse("review:record", args=[record.pk]),
        {"decision": "approve", "seen": "submitted", "next": "/review/?q=zhang"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr class="review-row" id="review-row-{record.pk}">')
    assert "学校已审核" in html and "已审核通过" in html
    # Still in reach to return it (before certification), with the page's filters kept.
    assert 'name="seen" value="approved"' in html
    assert 'name="next" value="/review/?q=zhang"' in html


def test_foreign_next_is_not_followed(client: Any, people: Any, record: Record) -> None:
    client.force_login(people.school_admin_a)
    response = decide(client, record, decision="approve", next="https://evil.example/review/")
    assert response["Location"] == reverse("review:queue")


def test_second_reviewer_is_told_and_keeps_the_reason(
    client: Any, people: Any, record: Record
) -> None:
    """The school administrator's page shows the record submitted; meanwhile the
    principal approves it; the administrator's return then changes nothing."""
    client.force_login(people.school_admin_a)
    assert "市级骨干教师网络研修" in client.get(reverse("review:queue")).content.decode()
    record_approve(actor=people.principal_a, record=Record.objects.get(pk=record.pk))

    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.post(
            reverse("review:record", args=[record.pk]),
            {"decision": "reject", "reason": "照片不清晰", "seen": "submitted"},
            **htmx,
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "已被其他审核人处理：现为“学校已审核”。" in html
        assert "照片不清晰" in html  # what they typed is still in the form
    assert status(record) == "approved"
    assert decisions(record) == [("record.approve", "principal_a", "")]


def test_a_second_approval_is_told_too(client: Any, people: Any, record: Record) -> None:
    record_reject(actor=people.principal_a, record=record, reason="请补充材料")
    client.force_login(people.school_admin_a)
    html = decide(client, record, decision="approve").content.decode()
    assert "已被其他审核人处理：现为“已退回”。" in html
    assert status(record) == "rejected"


def test_frozen_period_is_said_on_the_form(client: Any, people: Any, record: Record) -> None:
    frozen = ValidationError({"status": "2023年度 of this school is 已签字: frozen"})
    client.force_login(people.school_admin_a)
    with mock.patch("xuefen.credits.locks.check_period_open", side_effect=frozen):
        response = decide(client, record, decision="approve")
    assert response.status_code == 200
    assert "2023年度 of this school is 已签字: frozen" in response.content.decode()
    assert status(record) == "submitted" and decisions(record) == []


def test_review_decide_service(people: Any, record: Record) -> None:
    with pytest.raises(HandledMeanwhile):
        review_decide(actor=people.school_admin_a, record=record, decision="approve", seen="draft")
    assert decisions(record) == []
    review_decide(actor=people.school_admin_a, record=record, decision="approve", seen="submitted")
    # A return arriving after the approval, on what the page showed, is refused ...
    with pytest.raises(HandledMeanwhile) as caught:
        review_decide(
            actor=people.principal_a, record=record, decision="reject", reason="x", seen="submitted"
        )
    assert caught.value.record.status == "approved"
    # ... while a return decided on the approved record goes through.
    review_decide(
        actor=people.principal_a, record=record, decision="reject", reason="x", seen="approved"
    )
    assert [d[0] for d in decisions(record)] == ["record.approve", "record.reject"]


# -- batch -------------------------------------------------------------------------------


def test_batch_approves_each_and_reports_the_skipped(
    client: Any, people: Any, submitted: Any
) -> None:
    ok1 = submitted(fields=named("第一条"))
    ok2 = submitted(people.teacher_a2, fields=named("第二条"))
    taken = submitted(fields=named("别人已退回"))
    frozen = submitted(fields=named("期间已冻结"))
    foreign = submitted(people.teacher_b, fields=named("二小的记录"))
    record_reject(actor=people.principal_a, record=taken, reason="请补充")

    from xuefen.credits import locks

    real = locks.check_period_open

    def check(record: Any, transition: str) -> None:
        if record.pk == frozen.pk:
            raise ValidationError({"status": "该期间已签字，记录不能再审核"})
        real(record, transition)

    client.force_login(people.school_admin_a)
    back = "/review/?status=all&sort=teacher"
    with mock.patch.object(locks, "check_period_open", side_effect=check):
        response = client.post(
            reverse("review:batch"),
            {
                "records": [ok1.pk, ok2.pk, taken.pk, frozen.pk, foreign.pk, ok1.pk],
                "next": back,
            },
        )
    assert response.status_code == 302 and response["Location"] == back
    assert [status(r) for r in (ok1, ok2, taken, frozen, foreign)] == [
        "approved",
        "approved",
        "rejected",
        "submitted",
        "submitted",
    ]
    html = client.get(back).content.decode()
    assert "已通过 2 条，跳过 3 条。" in html
    assert "别人已退回（张丽）：已被处理，现为“已退回”" in html
    assert "期间已冻结（张丽）：该期间已签字，记录不能再审核" in html
    assert f"记录 {foreign.pk}：不在您可审核的记录中。" in html
    assert "二小的记录" not in html  # not even its name is told
    # Each approval is its own audited step, by the one who ticked it.
    assert decisions(ok1) == [("record.approve", "school_admin_a", "")]
    assert decisions(ok2) == [("record.approve", "school_admin_a", "")]
    assert decisions(frozen) == [] and decisions(foreign) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请先勾选要审核通过的记录。"),
        ({"records": ["abc"]}, "“abc”不是有效的记录编号。"),
        ({"records": ["99999999999999999999"]}, "不是有效的记录编号"),
        ({"records": [str(i) for i in range(1, 202)]}, "一次最多审核通过 200 条记录。"),
    ],
)
def test_batch_bad_input_is_said(client: Any, people: Any, data: dict, message: str) -> None:
    client.force_login(people.school_admin_a)
    response = client.post(reverse("review:batch"), data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_batch_get_is_not_allowed(client: Any, people: Any) -> None:
    client.force_login(people.school_admin_a)
    assert client.get(reverse("review:batch")).status_code == 405
