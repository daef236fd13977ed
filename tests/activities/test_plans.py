"""The semester plan (校本研修计划) and its approval by the county (普洱 第九条, 附件3 六):
every transition and every refusal with its audit row, the plan window, one plan per
school and semester, and the three layouts of the planned activities.

The world: school A of county X (思茅区) under 普洱市 (puer-2023: plan semesters from
09-01 and 03-01, submitted within 7 days — the window of 2025-2026-1 is 2025-09-01 to
2025-09-07). Today is set by ``on(day)``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from xuefen.activities.choices import PlanStatus, PlanTemplate
from xuefen.activities.models import Activity, Plan
from xuefen.activities.plans import (
    DALI_STEPS,
    plan_approve,
    plan_create,
    plan_return,
    plan_semester,
    plan_submit,
    plan_update,
    validate_items,
)
from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry
from xuefen.credits.windows import window_exception_open
from xuefen.inbox.models import Notification
from xuefen.records.models import Record, record_to_engine_dict

pytestmark = pytest.mark.django_db

IN_WINDOW = dt.date(2025, 9, 3)
LATE = dt.date(2025, 9, 20)
START, END = dt.date(2025, 9, 1), dt.date(2026, 2, 28)


@pytest.fixture
def on(monkeypatch):
    """``on(day)``: today is ``day`` for the services."""

    def set_day(day: dt.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)

    set_day(IN_WINDOW)
    return set_day


def month_row(**overrides):
    row = {
        "month": "2025-10",
        "theme": "整本书阅读的课堂设计",
        "type": "lesson_preparation",
        "groups": ["语文教研组"],
        "responsible": "张丽",
    }
    row.update(overrides)
    return row


def dali_rows():
    phases = [
        ("2025-11-02", "2025-11-06"),
        ("2025-11-09", "2025-11-27"),
        ("2025-11-30", "2025-12-04"),
        ("2025-12-07", "2025-12-18"),
        ("2025-12-21", "2025-12-31"),
    ]
    rows = []
    for step, (start, end) in zip(DALI_STEPS, phases, strict=True):
        rows.append({"step": step, "start": start, "end": end, "content": f"{step}的安排"})
    rows[1]["tasks"] = {"novice": "教学设计", "growing": "问题解决方案", "key": "精品课程设计"}
    return rows


def session(**overrides):
    row = {
        "kind": "session",
        "time": "2025-09-10T14:30",
        "content": "新课标解读",
        "goal": "理解核心素养",
        "materials": "《义务教育课程方案》",
        "presenter": "李强",
        "topic": "核心素养如何落地",
    }
    row.update(overrides)
    return row


def study(**overrides):
    row = {
        "kind": "self_study",
        "content": "读书笔记",
        "goal": "积累",
        "materials": "《给教师的建议》",
        "words": 3000,
    }
    row.update(overrides)
    return row


def make_plan(people, *, actor=None, items=None, template=PlanTemplate.MONTHLY, day=IN_WINDOW):
    return plan_create(
        actor=actor or people.school_admin_a,
        school=people.school_a,
        semester_day=day,
        title="2025年秋季学期校本研修计划",
        template=template,
        goals="提升课堂教学能力",
        themes="大单元教学",
        responsible="教务处 王主任",
        items=[month_row()] if items is None else items,
    )


def entries(plan, event=None):
    qs = AuditEntry.objects.filter(target_id=str(plan.pk), target_type__model="plan")
    return list(qs.filter(event=event) if event else qs.order_by("pk"))


# -- the semester ---------------------------------------------------------------------------


def test_the_semester_comes_from_the_policy(people):
    autumn = plan_semester(people.school_a, semester_day=dt.date(2025, 12, 1))
    spring = plan_semester(people.school_a, semester_day=dt.date(2026, 3, 2))
    assert (autumn.start, autumn.end, autumn.name) == (START, END, "2025-2026-1学期")
    assert (spring.start, spring.end) == (dt.date(2026, 3, 1), dt.date(2026, 8, 31))
    with pytest.raises(ValidationError) as refused:
        plan_semester(people.school_a, semester_day=dt.date(2019, 9, 1))
    assert "semester" in refused.value.message_dict


# -- create and update -----------------------------------------------------------------------


def test_create_writes_a_draft_with_its_audit_row(people, on):
    plan = make_plan(people)
    assert plan.status == PlanStatus.DRAFT
    assert (plan.start, plan.end, plan.label) == (START, END, "2025-2026-1学期")
    assert plan.items == [month_row()]
    (entry,) = entries(plan)
    assert entry.event == Event.PLAN_CREATE
    assert entry.actor == people.school_admin_a
    assert entry.node_id == people.school_a.pk
    assert entry.new_values["status"] == "draft"
    assert entry.new_values["items"][0]["theme"] == "整本书阅读的课堂设计"


def test_one_plan_per_school_and_semester(people, on):
    first = make_plan(people)
    with pytest.raises(ValidationError) as refused:
        make_plan(people, day=dt.date(2025, 12, 24))  # the same semester
    message = refused.value.message_dict["semester"][0]
    assert "思茅一中" in message and "2025-2026-1学期" in message
    assert Plan.objects.count() == 1 and len(entries(first)) == 1
    # the next semester is another plan
    make_plan(people, day=dt.date(2026, 3, 2), items=[month_row(month="2026-04")])
    assert Plan.objects.count() == 2


@pytest.mark.parametrize(
    "who", ["teacher_a", "principal_a", "county_admin", "school_admin_b", "county_y_admin"]
)
def test_only_the_schools_administrator_writes_its_plan(people, on, who):
    actor = getattr(people, who)
    actor = getattr(actor, "user", actor)
    with pytest.raises(PermissionDenied):
        make_plan(people, actor=actor)
    assert not Plan.objects.exists() and not AuditEntry.objects.filter(event="plan.create")


def test_update_logs_the_changed_fields_only(people, on):
    plan = make_plan(people)
    plan_update(actor=people.school_admin_a, plan=plan, title="新标题", goals="提升课堂教学能力")
    entry = entries(plan, Event.PLAN_UPDATE)[0]
    assert entry.old_values == {"title": "2025年秋季学期校本研修计划"}
    assert entry.new_values == {"title": "新标题"}
    plan_update(
        actor=people.school_admin_a, plan=plan, items=[month_row(), month_row(month="2025-11")]
    )
    assert len(Plan.objects.get().items) == 2
    assert len(entries(plan, Event.PLAN_UPDATE)) == 2


def test_update_refused_once_submitted_and_for_others(people, on):
    plan = make_plan(people)
    with pytest.raises(PermissionDenied):
        plan_update(actor=people.school_admin_b, plan=plan, title="x")
    with pytest.raises(PermissionDenied):
        plan_update(actor=people.principal_a, plan=plan, title="x")
    plan_submit(actor=people.school_admin_a, plan=plan)
    with pytest.raises(ValidationError) as refused:
        plan_update(actor=people.school_admin_a, plan=plan, title="x")
    assert "status" in refused.value.message_dict
    assert not entries(plan, Event.PLAN_UPDATE)
    with pytest.raises(ValidationError) as bad:
        plan_update(actor=people.school_admin_a, plan=Plan.objects.get(), title="  ")
    assert "title" in bad.value.message_dict


# -- submit ---------------------------------------------------------------------------------


def test_submit_within_the_window_tells_the_county(people, on, django_capture_on_commit_callbacks):
    plan = make_plan(people)
    with django_capture_on_commit_callbacks(execute=True):
        plan_submit(actor=people.school_admin_a, plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED and plan.submitted_at is not None
    (entry,) = entries(plan, Event.PLAN_SUBMIT)
    assert entry.old_values == {"status": "draft"}
    assert entry.new_values == {"status": "submitted", "semester": "2025-2026-1学期"}
    told = set(Notification.objects.values_list("user_id", flat=True))
    assert told == {people.county_admin.pk}  # not county Y's, not the school's


def test_the_principal_may_submit(people, on):
    plan = make_plan(people)
    plan_submit(actor=people.principal_a, plan=plan)
    assert entries(plan, Event.PLAN_SUBMIT)[0].actor == people.principal_a


@pytest.mark.parametrize("who", ["teacher_a", "school_admin_b", "county_admin", "county_y_admin"])
def test_submit_refused_to_others(people, on, who):
    plan = make_plan(people)
    actor = getattr(people, who)
    with pytest.raises(PermissionDenied):
        plan_submit(actor=getattr(actor, "user", actor), plan=plan)
    assert Plan.objects.get().status == PlanStatus.DRAFT
    assert not entries(plan, Event.PLAN_SUBMIT)


def test_submit_outside_the_window_names_its_dates_until_the_county_opens_it(people, on):
    plan = make_plan(people)
    on(LATE)
    with pytest.raises(ValidationError) as refused:
        plan_submit(actor=people.school_admin_a, plan=plan)
    text = " ".join(refused.value.messages)
    assert "2025-09-01" in text and "2025-09-07" in text and "2025-09-20" in text
    assert Plan.objects.get().status == PlanStatus.DRAFT and not entries(plan, Event.PLAN_SUBMIT)
    window_exception_open(
        actor=people.county_admin,
        node=people.school_a,
        window="plan",
        period=plan_semester(people.school_a, semester_day=START),
        open_until=dt.date(2025, 9, 30),
        reason="开学推迟",
    )
    plan_submit(actor=people.school_admin_a, plan=plan)
    assert Plan.objects.get().status == PlanStatus.SUBMITTED


def test_before_the_semester_the_window_is_not_open_yet(people, on):
    on(dt.date(2025, 8, 20))
    plan = make_plan(people, day=dt.date(2025, 9, 1))
    with pytest.raises(ValidationError):
        plan_submit(actor=people.school_admin_a, plan=plan)


def test_submit_needs_planned_rows_and_a_submittable_state(people, on):
    plan = make_plan(people, items=[])
    with pytest.raises(ValidationError) as refused:
        plan_submit(actor=people.school_admin_a, plan=plan)
    assert "items" in refused.value.message_dict
    plan_update(actor=people.school_admin_a, plan=plan, items=[month_row()])
    plan_submit(actor=people.school_admin_a, plan=plan)
    with pytest.raises(ValidationError) as again:
        plan_submit(actor=people.school_admin_a, plan=plan)
    assert "status" in again.value.message_dict
    assert len(entries(plan, Event.PLAN_SUBMIT)) == 1


# -- approve and return ------------------------------------------------------------------------


@pytest.fixture
def submitted(people, on):
    plan = make_plan(people)
    plan_submit(actor=people.school_admin_a, plan=plan)
    return plan


def test_approve_tells_the_school(people, submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        plan_approve(actor=people.county_admin, plan=submitted, reason="同意实施")
    plan = Plan.objects.get()
    assert plan.status == PlanStatus.APPROVED and plan.decided_by == people.county_admin
    (entry,) = entries(plan, Event.PLAN_APPROVE)
    assert (entry.old_values, entry.new_values["status"]) == ({"status": "submitted"}, "approved")
    assert entry.reason == "同意实施" and entry.node_id == people.school_a.pk
    told = set(Notification.objects.filter(event="plan.approve").values_list("user_id", flat=True))
    assert told == {people.school_admin_a.pk, people.principal_a.pk}


@pytest.mark.parametrize("who", ["school_admin_a", "principal_a", "county_y_admin", "teacher_a"])
def test_approve_refused_to_others(people, submitted, who):
    actor = getattr(people, who)
    with pytest.raises(PermissionDenied):
        plan_approve(actor=getattr(actor, "user", actor), plan=submitted)
    assert Plan.objects.get().status == PlanStatus.SUBMITTED
    assert not entries(submitted, Event.PLAN_APPROVE)


def test_approve_refused_for_a_draft(people, on):
    plan = make_plan(people)
    with pytest.raises(ValidationError) as refused:
        plan_approve(actor=people.county_admin, plan=plan)
    assert "status" in refused.value.message_dict and not entries(plan, Event.PLAN_APPROVE)


def test_return_needs_reasons(people, submitted, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError) as refused:
        plan_return(actor=people.county_admin, plan=submitted, reason="  ")
    assert "reason" in refused.value.message_dict and not entries(submitted, Event.PLAN_RETURN)
    with django_capture_on_commit_callbacks(execute=True):
        plan_return(actor=people.county_admin, plan=submitted, reason="缺少研修主题的依据")
    plan = Plan.objects.get()
    assert plan.status == PlanStatus.RETURNED and plan.reason == "缺少研修主题的依据"
    (entry,) = entries(plan, Event.PLAN_RETURN)
    assert entry.reason == "缺少研修主题的依据"
    note = Notification.objects.get(event="plan.return", user=people.school_admin_a)
    assert "缺少研修主题的依据" in note.body
    with pytest.raises(PermissionDenied):
        plan_return(actor=people.county_y_admin, plan=plan, reason="x")


def test_returned_plan_is_changed_and_submitted_again(people, submitted):
    plan_return(actor=people.county_admin, plan=submitted, reason="补充三月安排")
    plan_update(actor=people.school_admin_a, plan=submitted, items=[month_row(month="2026-01")])
    plan_submit(actor=people.school_admin_a, plan=submitted)
    plan_approve(actor=people.county_admin, plan=submitted)
    events = [e.event for e in entries(submitted)]
    assert events == [
        "plan.create",
        "plan.submit",
        "plan.return",
        "plan.update",
        "plan.submit",
        "plan.approve",
    ]


def test_an_approved_plan_returned_later_stops_its_activities_earning(people, submitted):
    plan_approve(actor=people.county_admin, plan=submitted)
    activity = Activity.objects.create(
        school=people.school_a,
        plan=submitted,
        theme="集体备课",
        type="lesson_preparation",
        place="会议室",
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(hours=2),
        hours=2,
    )
    record = Record(
        teacher=people.teacher_a,
        kind="training",
        date=dt.date(2025, 10, 9),
        fields={"mode": "school_based", "hours": 2},
        status="submitted",
        activity=activity,
    )
    assert "approved" not in record_to_engine_dict(record)
    plan_return(actor=people.county_admin, plan=submitted, reason="未按计划实施")
    (entry,) = entries(submitted, Event.PLAN_RETURN)
    assert entry.old_values == {"status": "approved"}
    record.activity = Activity.objects.get(pk=activity.pk)
    assert not record.activity.earns
    assert record_to_engine_dict(record)["approved"] is False


# -- the layouts ------------------------------------------------------------------------------


def refused_rows(template, items):
    with pytest.raises(ValidationError) as refused, translation.override("zh-hans"):
        validate_items(template, items, start=START, end=END)
    return refused.value.message_dict["items"]


def test_monthly_rows():
    assert validate_items("monthly", [month_row()], start=START, end=END) == [month_row()]
    messages = refused_rows("monthly", [month_row(), month_row(theme=" ", type="dance")])
    assert messages == [
        "第2项活动，主题：请填写。",
        "第2项活动，类型：dance 不在可选项中。",
    ]
    assert refused_rows("monthly", [month_row(month="2026-04")]) == [
        "第1项活动，月份：2026-04 不在本学期内：本学期为 2025-09-01 至 2026-02-28。"
    ]
    assert refused_rows("monthly", [month_row(month="2025-13")]) == [
        "第1项活动，月份：请写成 YYYY-MM（现为 2025-13）。"
    ]


def test_dali_five_steps_in_order():
    assert len(validate_items("dali_five_steps", dali_rows(), start=START, end=END)) == 5
    swapped = dali_rows()
    swapped[2]["start"] = "2025-11-20"  # begins before 主题研修 ends
    assert refused_rows("dali_five_steps", swapped) == [
        "第3步（研课磨课），开始日期：2025-11-20 不晚于上一步结束（2025-11-27），各阶段须依次进行。"
    ]
    outside = dali_rows()
    outside[4]["end"] = "2026-03-05"
    assert refused_rows("dali_five_steps", outside) == [
        "第5步（总结提升），结束日期：2026-03-05 不在本学期内：本学期为 2025-09-01 至 2026-02-28。"
    ]
    backwards = dali_rows()
    backwards[0]["end"] = "2025-11-01"
    assert "第1步（问卷调查），结束日期" in refused_rows("dali_five_steps", backwards)[0]
    renamed = dali_rows()
    renamed[0]["step"] = "集体备课"
    assert refused_rows("dali_five_steps", renamed)[0].startswith("第1步（问卷调查），步骤：")
    no_tasks = dali_rows()
    no_tasks[1]["tasks"] = {"novice": "教学设计"}
    assert refused_rows("dali_five_steps", no_tasks) == [
        "第2步（主题研修），成长期教师：请填写该层级的任务。",
        "第2步（主题研修），骨干教师：请填写该层级的任务。",
    ]
    assert "五步" in refused_rows("dali_five_steps", dali_rows()[:4])[0]


def test_lanzhou_six_and_four_fixes():
    rows = validate_items("lanzhou", [session(), study()], start=START, end=END)
    assert rows[0]["time"] == "2025-09-10T14:30:00" and rows[1]["words"] == 3000
    messages = refused_rows(
        "lanzhou", [session(presenter=""), study(words="三千"), study(words=0), {"kind": "x"}]
    )
    assert messages == [
        "第1次集中培训，主讲人：请填写。",
        "第1项自学，作业字数：三千 不是整数。",
        "第2项自学，作业字数：至少为 1（现为 0）。",
        "第1行，类别：请说明是集中培训还是自学。",
    ]
    assert refused_rows("lanzhou", [session(time="2026-03-02T09:00")]) == [
        "第1次集中培训，时间：2026-03-02 不在本学期内：本学期为 2025-09-01 至 2026-02-28。"
    ]


def test_lanzhou_plan_needs_a_centralized_session_to_be_submitted(people, on):
    plan = make_plan(people, template=PlanTemplate.LANZHOU, items=[study()])
    with pytest.raises(ValidationError) as refused:
        plan_submit(actor=people.school_admin_a, plan=plan)
    assert "items" in refused.value.message_dict
    plan_update(actor=people.school_admin_a, plan=plan, items=[session(), study()])
    plan_submit(actor=people.school_admin_a, plan=plan)


def test_rows_of_another_shape_are_refused_not_stored(people, on):
    with pytest.raises(ValidationError) as refused:
        make_plan(people, items=[month_row(extra="?")])
    assert "items" in refused.value.message_dict and not Plan.objects.exists()
    with pytest.raises(ValidationError):
        make_plan(people, items="not a list")
    with pytest.raises(ValidationError):
        make_plan(people, items=[["2025-10"]])
    with pytest.raises(ValidationError) as template:
        make_plan(people, template="weekly")
    assert "template" in template.value.message_dict
