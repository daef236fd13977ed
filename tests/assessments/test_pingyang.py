"""平阳's sheets in the app: the school sheet's items from the activity board and the
teachers' records equal the values worked out by hand on a small school, and the teacher
sheet's items come from the teacher's records.

County Y (宁洱县) is put under ``pingyang`` from 2025-09-01. School C has two subject groups,
语文 (赵伟) and 数学 (陈静), and in the semester 2025-2026-2 (2026-02-01..08-31) these
activities, made, attended and closed through the services:

==  ====  ==================================  ===========================
    group materials                           attendance
==  ====  ==================================  ===========================
A1  语文  plan, process, summary; confirmed   赵伟 present
A2  语文  plan, summary                       赵伟 leave, made up later
A3  数学  plan, process, summary (unconfirmed) 陈静 present
A4  数学  —                                   陈静 absent
A5  数学  —  (cancelled)                      —
==  ====  ==================================  ===========================

Records (certified): 赵伟 online self-selected 40 h (province), centralized 96 h (city,
mandatory, full); 陈静 online self-selected 20 h (county), centralized 24 h (province,
mandatory, 请假不超过1/5); 赵伟's awards: 优质课 county first, a city publication; and the
school-based hours the activities generated (3 h each present or made-up session).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.conftest import id_number

START, END = dt.date(2026, 2, 1), dt.date(2026, 8, 31)
LABEL = "2025-2026-2"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(15), tzinfo=timezone.get_current_timezone())


def _activity(world: Any, day: dt.date, group: Any, **extra: Any) -> Any:
    from xuefen.activities.services import activity_create

    return activity_create(
        actor=world.school_admin_c,
        school=world.school_c,
        theme="大单元教学设计研讨",
        type="seminar",
        place="三楼会议室",
        starts_at=_at(day),
        ends_at=_at(day) + dt.timedelta(hours=2),
        hours="3",
        groups=[group],
        **extra,
    )


def _upload(world: Any, activity: Any, *kinds: str) -> None:
    from xuefen.activities.services import material_add

    for kind in kinds:
        material_add(
            actor=world.school_admin_c,
            activity=activity,
            kind=kind,
            file=SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf"),
        )


def _mark(world: Any, activity: Any, teacher: Any, state: str) -> None:
    from xuefen.activities.models import Participation
    from xuefen.activities.services import attendance_set

    row = Participation.objects.get(activity=activity, teacher=teacher)
    attendance_set(actor=world.school_admin_c, participation=row, state=state, reason="登记")


@pytest.fixture
def pingyang(people: Any, make_record: Any, settings: Any, tmp_path: Any) -> Any:
    from django.contrib.auth import get_user_model

    from xuefen.activities.models import Participation
    from xuefen.activities.services import (
        activity_cancel,
        activity_close,
        makeup_record,
        materials_confirm,
    )
    from xuefen.org.choices import NodeKind, Role
    from xuefen.org.services import (
        node_create,
        policy_bind,
        role_grant,
        teacher_create,
        teacher_update,
    )
    from xuefen.records.choices import RecordStatus
    from xuefen.records.models import Record
    from xuefen.records.services import record_certify

    settings.MEDIA_ROOT = tmp_path
    w = people
    policy_bind(actor=w.root, node=w.county_y, policy_id="pingyang", valid_from=dt.date(2025, 9, 1))
    w.school_admin_c = get_user_model().objects.create_user("school_admin_c", password="x")
    role_grant(actor=w.root, user=w.school_admin_c, node=w.school_c, role=Role.SCHOOL_ADMIN)
    w.chinese = node_create(
        actor=w.root, parent=w.school_c, kind=NodeKind.SUBJECT_GROUP, name="语文教研组"
    )
    w.maths = node_create(
        actor=w.root, parent=w.school_c, kind=NodeKind.SUBJECT_GROUP, name="数学教研组"
    )
    w.teacher_c2 = teacher_create(
        actor=w.root,
        school=w.school_c,
        name="陈静",
        id_number=id_number(5, female=True),
        sex="female",
        stage="primary",
        subject="数学",
    )
    c, c2 = w.teacher_c, w.teacher_c2
    teacher_update(actor=w.root, teacher=c, group=w.chinese)
    teacher_update(actor=w.root, teacher=c2, group=w.maths)

    a1 = _activity(w, dt.date(2026, 3, 10), w.chinese)
    a2 = _activity(w, dt.date(2026, 4, 14), w.chinese)
    a3 = _activity(w, dt.date(2026, 3, 17), w.maths)
    a4 = _activity(w, dt.date(2026, 5, 12), w.maths)
    a5 = _activity(w, dt.date(2026, 6, 9), w.maths)
    _upload(w, a1, "plan", "process", "summary")
    _upload(w, a2, "plan", "summary")
    _upload(w, a3, "plan", "process", "summary")
    materials_confirm(actor=w.school_admin_c, activity=a1)
    _mark(w, a1, c, "present")
    _mark(w, a2, c, "leave")
    _mark(w, a3, c2, "present")
    for act in (a1, a2, a3, a4):
        activity_close(actor=w.school_admin_c, activity=act)  # 陈静 at A4: absent
    activity_cancel(actor=w.school_admin_c, activity=a5, reason="停课")
    makeup_record(
        actor=w.school_admin_c,
        participation=Participation.objects.get(activity=a2, teacher=c),
        note="观看录像补课",
    )

    def record(teacher: Any, kind: str, level: str, day: str = "2026-04-01", **fields: Any):
        make_record(
            teacher,
            kind=kind,
            date=dt.date.fromisoformat(day),
            fields=fields,
            level=level,
            status="certified",
        )

    record(c, "training", "province", mode="online", module="knowledge", hours=40,
           self_selected=True)  # fmt: skip
    record(c, "training", "city", mode="centralized", module="ability", hours=96,
           self_selected=False, attendance="full")  # fmt: skip
    record(c2, "training", "county", mode="online", module="knowledge", hours=20,
           self_selected=True)  # fmt: skip
    record(c2, "training", "province", mode="centralized", module="ability", hours=24,
           self_selected=False, attendance="partial_leave")  # fmt: skip
    record(c, "award", "county", category="quality_lesson", rank="first", entry="lesson-1")
    record(c, "publication", "city")
    # Not counted: before the semester, and not certified.
    record(c, "training", "province", day="2026-01-20", mode="online", module="knowledge",
           hours=100, self_selected=True)  # fmt: skip
    make_record(
        c2,
        date=dt.date(2026, 4, 2),
        fields={"mode": "online", "module": "knowledge", "hours": 50, "self_selected": True},
        level="county",
        status="submitted",
    )
    for generated in Record.objects.filter(
        teacher__in=[c, c2], status=RecordStatus.SUBMITTED, activity__isnull=False
    ):
        record_certify(actor=w.root, record=generated)
    w.acts = {"A1": a1, "A2": a2, "A3": a3, "A4": a4, "A5": a5}
    return w


def _round(w: Any, clock: Any, *, subject: str = "school", sheet_id: str = "pingyang-school"):
    from xuefen.assessments.services import round_create, round_open

    clock.set(dt.date(2026, 9, 1))
    rnd = round_create(
        actor=w.county_y_admin,
        node=w.county_y,
        title="2025学年第二学期研修管理考核",
        subject=subject,
        sheet_id=sheet_id,
        period_type="semester",
        start=START,
        end=END,
        label=LABEL,
        self_from=dt.date(2026, 9, 2),
        self_to=dt.date(2026, 9, 10),
        onsite_from=dt.date(2026, 9, 11),
        onsite_to=dt.date(2026, 9, 20),
        pass_above=60,
    )
    return round_open(actor=w.county_y_admin, rnd=rnd)


def _items(scored: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {i["id"]: i for s in scored["sections"] for i in s["items"]}
    out.update({i["id"]: i for i in scored.get("bonus_detail", {}).get("items", [])})
    return out


ENTERED = {
    "leading_group": 3,
    "management_plan": 5,
    "group_development_plan": 6,
    "leader_participation": [
        {"name": "张校长", "role": "school_leader", "sessions": 2},
        {"name": "李主任", "role": "teaching_middle_leader", "sessions": 5},
    ],
    "admin_meetings": 1,
    "sharing_in_group": 2,
    "sharing_at_school": 1,
    "theme_value": 8,
}


def test_auto_inputs_from_the_activity_board(pingyang, clock):
    from xuefen.assessments.models import Sheet
    from xuefen.assessments.scoring import auto_inputs, entry_inputs, load_round_sheet

    rnd = _round(pingyang, clock)
    sheet = Sheet.objects.get(round=rnd, school=pingyang.school_c, teacher__isnull=True)
    sheet_file = load_round_sheet(rnd)
    auto = auto_inputs(sheet, sheet_file)
    assert {k: v for k, (v, _where) in auto.items()} == {
        "subject_groups": 2,
        # 语文 A1, A2 held (one short); 数学 A3, A4 held, A5 cancelled (one short).
        "missing_activities": 2,
        # 语文 A2 (no process record); 数学 A3 (uploaded, not confirmed), A4 (nothing).
        "incomplete_activities": 3,
        "half_year": True,
    }
    assert "语文教研组、数学教研组" in auto["subject_groups"][1]
    assert "数学教研组开展 2 次，少 1 次" in auto["missing_activities"][1]
    assert "数学教研组 2 次（缺材料 1 次，已上传待确认 1 次）" in auto["incomplete_activities"][1]
    # The evaluator enters what the platform does not know, and none of the above.
    entries = entry_inputs(sheet_file)
    assert "admin_meetings" in entries and "theme_value" in entries
    assert not set(auto) & set(entries)


def test_school_sheet_items_equal_hand_computed_values(pingyang, clock):
    from xuefen.assessments.models import Sheet
    from xuefen.assessments.services import column_save

    w = pingyang
    rnd = _round(w, clock)
    sheet = Sheet.objects.get(round=rnd, school=w.school_c, teacher__isnull=True)
    clock.set(dt.date(2026, 9, 5))
    col = column_save(actor=w.school_admin_c, sheet=sheet, column="self", values=ENTERED)
    items = _items(col.scored)
    points = {k: v["points"] for k, v in items.items()}
    # 制度建设: judgements 3 + 5 + 6; the principal 1 session short: 5 − 1.
    assert points["leader-participation"] == 4
    # 过程管理: one meeting 2; 25 − 25/(2×3) × (2 missing + 3 incomplete) = 4.17; 2×2 + 4.
    assert points["admin-meetings"] == 2
    assert points["group-activities"] == round(25 - 25 / 6 * 5, 2) == 4.17
    assert points["training-sharing"] == 8
    # 管理成效. Attendance: 赵伟 A1 present, A2 made up; 陈静 A3 present, A4 absent → 3/4.
    assert points["attendance-rate"] == 0
    assert "(4 − 1 次缺勤) / 4 人次 = 75%" in items["attendance-rate"]["explanation"]
    # Hours completed: 赵伟 40 + 96 + 3 (A1) + 3 (A2 made up), 陈静 20 + 24 + 3 (A3) = 189
    # / 2 teachers = 94.5 in the semester, 189 a year (÷ 0.5: 半年考评) ≥ 73; self-selected
    # 40 + 20 = 60 / 2 = 30 in the semester — short of 37, but 60 a year.
    assert points["training-hours"] == 5
    hours = items["training-hours"]["explanation"]
    assert "189 / 2 人 ÷ 0.5 年 = 189 ≥ 73" in hours and "60 / 2 人 ÷ 0.5 年 = 60 ≥ 37" in hours
    # 90 h: 赵伟's 96 h centralized → 1 of 2 teachers ÷ 0.5 year = 100% ≥ 21%.
    assert points["centralized-90h"] == 5
    assert "1人 / 2 人 ÷ 0.5 年 = 100%" in items["centralized-90h"]["explanation"]
    # 陈静's mandatory provincial training with leave: −5.
    assert points["mandatory-training"] == -5
    # 成果成效: 赵伟 10 (优质课 county first) + 5 (city publication) = 15, 陈静 0: 7.5 → 6.
    assert points["achievement-average"] == 6
    assert "15 / 2 人 = 7.5" in items["achievement-average"]["explanation"]
    assert points["theme_value"] == 8
    sections = {s["id"]: s["points"] for s in col.scored["sections"]}
    assert sections == {"system": 18, "process": 14.17, "effect": 19}
    assert col.total == 51.17 and col.scored["bonus"] == 0


def test_a_new_activity_changes_the_auto_inputs(pingyang, clock):
    """The inputs are read when the column is scored, not stored with the round."""
    from xuefen.activities.services import activity_close, materials_confirm
    from xuefen.assessments.models import Sheet
    from xuefen.assessments.scoring import auto_inputs, load_round_sheet

    w = pingyang
    rnd = _round(w, clock)
    a6 = _activity(w, dt.date(2026, 6, 2), w.chinese)
    _upload(w, a6, "plan", "process", "summary")
    materials_confirm(actor=w.school_admin_c, activity=a6)
    activity_close(actor=w.school_admin_c, activity=a6)
    sheet = Sheet.objects.get(round=rnd, school=w.school_c, teacher__isnull=True)
    auto = auto_inputs(sheet, load_round_sheet(rnd))
    assert auto["missing_activities"][0] == 1 and auto["incomplete_activities"][0] == 3


def test_teacher_sheet_items_come_from_records(pingyang, clock, make_record):
    from xuefen.assessments.models import Sheet
    from xuefen.assessments.services import column_save

    w = pingyang
    c, c2 = w.teacher_c, w.teacher_c2
    clock.set(dt.date(2026, 9, 1))  # the clock is everyone's today: records are not ahead
    for kind, level, fields in (
        ("lesson_observation", "", {"count": 8, "detail": "detailed"}),
        ("lesson_observation", "", {"count": 4, "detail": "brief"}),
        ("post", "", {"title": "subject_group_leader"}),
        ("open_class", "county", {}),
        ("honor", "county", {"title": "advanced_researcher"}),
    ):
        make_record(
            c, kind=kind, date=dt.date(2026, 5, 6), fields=fields, level=level, status="certified"
        )
    # 陈静 stayed away from a county training without leave: 参与情况 is 0.
    make_record(
        c2,
        date=dt.date(2026, 5, 20),
        fields={
            "mode": "centralized",
            "module": "ability",
            "hours": 12,
            "self_selected": False,
            "attendance": "absent_without_leave",
        },
        level="county",
        status="certified",
    )
    rnd = _round(w, clock, subject="teacher", sheet_id="pingyang-teacher")
    clock.set(dt.date(2026, 9, 12))
    sheet = Sheet.objects.get(round=rnd, teacher=c)
    col = column_save(actor=w.school_admin_c, sheet=sheet, column="school", values={})
    points = {k: v["points"] for k, v in _items(col.scored).items()}
    sections = {s["id"]: s["points"] for s in col.scored["sections"]}
    # 参与情况: A1 present, A2 made up → 10; 8 × 1.5 + 4 × 0.5 = 14; 96 h city full → 10.
    assert (points["activity-attendance"], points["lesson-observation"], points["training"]) == (
        10,
        14,
        10,
    )
    # 贡献大小: 教研组长 6, county open class 10. 成果成效: 10 + 5. 附加分: county honour 5.
    assert (points["post"], points["open-class"]) == (6, 10)
    assert (points["award-a"], points["publication"], points["honor"]) == (10, 5, 5)
    assert sections == {"participation": 34, "contribution": 16, "achievement": 15}
    assert col.total == 70

    other = Sheet.objects.get(round=rnd, teacher=c2)
    col2 = column_save(actor=w.school_admin_c, sheet=other, column="school", values={})
    participation = next(s for s in col2.scored["sections"] if s["id"] == "participation")
    assert participation["zeroed"] and participation["points"] == 0
    assert "外出培训无故不参加、不请假" in participation["explanation"]
    # 陈静's A4 absence would have cost 2 (10 − 2) and her 24 h leave 2 points.
    assert {i["id"]: i["points"] for i in participation["items"]} == {
        "activity-attendance": 8,
        "lesson-observation": 0,
        "training": 2,
    }
