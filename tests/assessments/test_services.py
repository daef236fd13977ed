"""Rounds, columns and the school's result: the gate's cases on every teacher of the school,
windows, rights, the peer grant and the workflow's audit rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from .conftest import SEMESTER, values_for


def _sheet(rnd: Any, school: Any) -> Any:
    from xuefen.assessments.models import Sheet

    return Sheet.objects.get(round=rnd, school=school, teacher__isnull=True)


def _file(rnd: Any) -> Any:
    from xuefen.assessments.scoring import load_round_sheet

    return load_round_sheet(rnd)


def _school_based(teacher: Any) -> tuple[float, str]:
    """The teacher's certified school-based credits of the semester and the record's words."""
    from xuefen.results.models import TeacherPeriod, TeacherResult

    row = TeacherPeriod.objects.filter(teacher=teacher, label=SEMESTER).first()
    result = TeacherResult.objects.get(teacher=teacher).result
    explanation = next(r["explanation"] for r in result["records"])
    return (row.credits.get("school_based", 0) if row else 0), explanation


def _assess(w: Any, rnd: Any, clock: Any, total: float, *, peer: bool = True) -> Any:
    """Self, peer and on-site columns filled; the on-site total is ``total``."""
    from xuefen.assessments.services import column_save, column_submit, sheet_finalize

    sheet = _sheet(rnd, w.school_c)
    f = _file(rnd)
    clock.set(dt.date(2019, 1, 7))
    column_save(actor=w.school_admin_c, sheet=sheet, column="self", values=values_for(f, 140))
    column_submit(actor=w.school_admin_c, sheet=sheet, column="self")
    clock.set(dt.date(2019, 1, 10))
    if peer:
        column_save(
            actor=w.school_admin_d,
            sheet=sheet,
            column="peer",
            values=values_for(f, 130),
            remarks="材料齐全",
        )
        column_submit(actor=w.school_admin_d, sheet=sheet, column="peer")
    column_save(actor=w.county_y_admin, sheet=sheet, column="county", values=values_for(f, total))
    if not peer:
        clock.set(dt.date(2019, 1, 14))
    return sheet_finalize(actor=w.county_y_admin, sheet=sheet)


def _recompute(w: Any, clock: Any) -> None:
    from xuefen.results.compute import recompute_stale

    recompute_stale()


@pytest.mark.parametrize(
    ("score", "rectified", "passed", "words"),
    [
        (120, None, False, "学校考核 120 分，未高于 120 分"),
        (120.5, None, True, "学校考核 120.5 分，高于 120 分，予以认定"),
        (119.5, 121, True, "学校考核 119.5 分，整改后 121 分，予以认定"),
        (119.5, 120, False, "整改后 120 分，未高于 120 分"),
    ],
)
def test_the_gate_on_every_teacher_of_the_school(
    wencheng, round_, clock, score, rectified, passed, words
):
    from xuefen.assessments.models import SchoolAssessment
    from xuefen.assessments.services import sheet_rectify

    w = wencheng
    result = _assess(w, round_, clock, score)
    assert result.score == score
    if rectified is not None:
        clock.set(dt.date(2019, 1, 16))
        result = sheet_rectify(
            actor=w.county_y_admin,
            sheet=_sheet(round_, w.school_c),
            values=values_for(_file(round_), rectified),
        )
    assert SchoolAssessment.objects.get(school=w.school_c).passed is passed
    _recompute(w, clock)
    for teacher in (w.teacher_c, w.teacher_c2):
        credits, explanation = _school_based(teacher)
        assert (credits > 0) is passed, explanation
        assert words in explanation
    # school D has no result yet: its teacher's credits wait for it, untouched by C's
    credits, explanation = _school_based(w.teacher_d)
    assert credits == 0 and "考核结果未录入" in explanation


def test_windows_are_kept(wencheng, round_, clock):
    from xuefen.assessments.services import column_save, sheet_finalize

    w, f = wencheng, _file(round_)
    sheet = _sheet(round_, w.school_c)
    clock.set(dt.date(2019, 1, 9))  # the self window ended on 01-08
    with pytest.raises(ValidationError, match="2019-01-02 至 2019-01-08"):
        column_save(actor=w.school_admin_c, sheet=sheet, column="self", values=values_for(f, 100))
    clock.set(dt.date(2019, 1, 8))  # the peer window has not begun: the peer is nobody yet
    with pytest.raises(PermissionDenied):
        column_save(actor=w.school_admin_d, sheet=sheet, column="peer", values=values_for(f, 100))
    clock.set(dt.date(2019, 1, 10))  # finalizing needs the school's own evaluation first
    column_save(actor=w.county_y_admin, sheet=sheet, column="county", values=values_for(f, 125))
    with pytest.raises(ValidationError, match="自评"):
        sheet_finalize(actor=w.county_y_admin, sheet=sheet)


def test_values_outside_the_bounds_are_refused_by_item(wencheng, round_, clock):
    from xuefen.assessments.services import column_save

    w, f = wencheng, _file(round_)
    sheet = _sheet(round_, w.school_c)
    clock.set(dt.date(2019, 1, 7))
    name, item = next(iter(f.judgements.items()))
    with pytest.raises(ValidationError) as exc:
        column_save(
            actor=w.school_admin_c, sheet=sheet, column="self", values={name: float(item.max) + 1}
        )
    assert item.label in str(exc.value)
    with pytest.raises(ValidationError, match=r"不是数字"):
        column_save(actor=w.school_admin_c, sheet=sheet, column="self", values={name: "abc"})


def test_only_the_right_people_fill_each_column(wencheng, round_, clock):
    from xuefen.assessments.services import column_save

    w, f = wencheng, _file(round_)
    sheet = _sheet(round_, w.school_c)
    clock.set(dt.date(2019, 1, 10))
    for actor, column in (
        (w.school_admin_d, "self"),  # another school's staff
        (w.school_admin_c, "peer"),  # the school does not evaluate itself
        (w.school_admin_c, "county"),  # the on-site column is the county's
        (w.county_admin, "county"),  # county X does not assess county Y's schools
    ):
        with pytest.raises(PermissionDenied):
            column_save(actor=actor, sheet=sheet, column=column, values=values_for(f, 100))


def test_the_peer_sees_the_assigned_sheet_only_inside_the_window(wencheng, round_, clock):
    from xuefen.assessments.access import visible_sheet

    w = wencheng
    sheet_c, sheet_d = _sheet(round_, w.school_c), _sheet(round_, w.school_d)
    clock.set(dt.date(2019, 1, 10))
    assert visible_sheet(w.school_admin_d, sheet_c.pk, clock.day) == sheet_c
    with pytest.raises(Http404):  # C does not evaluate D
        visible_sheet(w.school_admin_c, sheet_d.pk, clock.day)
    for day in (dt.date(2019, 1, 8), dt.date(2019, 1, 15)):
        with pytest.raises(Http404):
            visible_sheet(w.school_admin_d, sheet_c.pk, day)


def test_a_returned_self_evaluation_is_corrected_and_submitted_again(wencheng, round_, clock):
    from xuefen.assessments.services import column_return, column_save, column_submit
    from xuefen.audit.models import AuditEntry

    w, f = wencheng, _file(round_)
    sheet = _sheet(round_, w.school_c)
    clock.set(dt.date(2019, 1, 7))
    column_save(actor=w.school_admin_c, sheet=sheet, column="self", values=values_for(f, 140))
    column_submit(actor=w.school_admin_c, sheet=sheet, column="self")
    with pytest.raises(ValidationError):  # a reason is required
        column_return(actor=w.county_y_admin, sheet=sheet, column="self", reason=" ")
    col = column_return(
        actor=w.county_y_admin, sheet=sheet, column="self", reason="自评偏高，请据实评定"
    )
    assert col.status == "returned"
    column_save(actor=w.school_admin_c, sheet=sheet, column="self", values=values_for(f, 128))
    col = column_submit(actor=w.school_admin_c, sheet=sheet, column="self")
    assert col.total == 128 and col.status == "submitted"
    events = list(
        AuditEntry.objects.filter(event__startswith="sheet.").values_list("event", flat=True)
    )
    assert events.count("sheet.submit") == 2 and events.count("sheet.return") == 1


def test_finalize_waits_for_the_peer_while_its_window_lasts(wencheng, round_, clock):
    from xuefen.assessments.services import column_save, column_submit, sheet_finalize

    w, f = wencheng, _file(round_)
    sheet = _sheet(round_, w.school_c)
    clock.set(dt.date(2019, 1, 7))
    column_save(actor=w.school_admin_c, sheet=sheet, column="self", values=values_for(f, 140))
    column_submit(actor=w.school_admin_c, sheet=sheet, column="self")
    clock.set(dt.date(2019, 1, 10))
    column_save(actor=w.county_y_admin, sheet=sheet, column="county", values=values_for(f, 125))
    with pytest.raises(ValidationError, match="2019-01-14"):
        sheet_finalize(actor=w.county_y_admin, sheet=sheet)
    clock.set(dt.date(2019, 1, 14))  # the peer's last day: still waited for
    with pytest.raises(ValidationError):
        sheet_finalize(actor=w.county_y_admin, sheet=sheet)


def test_mean_and_weighted_rules(wencheng, clock):
    from xuefen.assessments.choices import Combine
    from xuefen.assessments.models import Round
    from xuefen.assessments.scoring import combined

    rnd = Round(combine=Combine.MEAN)
    assert combined(rnd, {"self": 140, "peer": 130, "county": 121}, "county")[0] == 130.33
    rnd = Round(combine=Combine.WEIGHTED, weights={"self": 1, "peer": 1, "county": 2})
    assert combined(rnd, {"self": 140, "peer": 130, "county": 120}, "county")[0] == 127.5
    assert combined(Round(), {"self": 140, "county": 121}, "county") == (121, "以现场考评为准")


def test_a_sheet_of_judgements_reads_no_record(
    wencheng, round_, clock, django_assert_max_num_queries
):
    """The example sheet has judgements only: scoring a school's column does not load its
    teachers' records, however many teachers the school has."""
    from xuefen.assessments.scoring import reads_records, score

    sheet = _sheet(round_, wencheng.school_c)
    f = _file(round_)
    assert reads_records(f) is False
    with django_assert_max_num_queries(3):
        assert score(sheet, "county", values_for(f, 121), sheet_file=f)["total"] == 121
