"""Stored results follow the business events (issue 7): each kind of change makes exactly
the affected teachers stale in its own transaction; the worker brings them up to date,
teachers and school summaries, on both bases (certified, and with pending records)."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from tests.conftest import training
from xuefen.catalog.services import institution_revoke, project_approve, project_create
from xuefen.org.services import policy_bind, teacher_update
from xuefen.records.services import record_certify, record_update
from xuefen.results.compute import recompute, recompute_stale
from xuefen.results.models import SchoolPeriod, TeacherPeriod, TeacherResult, TeacherState
from xuefen.results.selectors import teacher_standing

AS_OF = dt.date(2023, 12, 31)
YEAR_2023 = ("year", dt.date(2023, 1, 1))


@pytest.fixture
def count_evaluations(monkeypatch):
    """Counts calls of the engine's Policy.evaluate (and how many teachers each had)."""
    from xuefen.policy.engine import Policy

    calls = []
    original = Policy.evaluate

    def counting(self, teachers, *args, **kwargs):
        calls.append(len(list(teachers)))
        return original(self, teachers, *args, **kwargs)

    monkeypatch.setattr(Policy, "evaluate", counting)
    return calls


def stale(people):
    """The named teachers that are stale, by attribute name."""
    names = ("teacher_a", "teacher_a2", "teacher_b", "teacher_c")
    flags = dict(TeacherState.objects.values_list("teacher_id", "stale"))
    return {n for n in names if flags.get(getattr(people, n).pk, True)}


@pytest.fixture
def fresh(people):
    """Everyone computed: no teacher is stale before the test acts."""
    recompute_stale()
    assert stale(people) == set()
    return people


def figures(teacher, period=YEAR_2023):
    return TeacherPeriod.objects.filter(
        teacher=teacher, period_type=period[0], start=period[1]
    ).first()


def test_a_record_change_makes_its_teacher_stale_and_the_worker_updates_it(
    fresh, make_record, django_capture_on_commit_callbacks
):
    people = fresh
    with django_capture_on_commit_callbacks(execute=False):
        record = make_record(actor=people.school_admin_a, status="submitted")
    assert stale(people) == {"teacher_a"}
    with django_capture_on_commit_callbacks(execute=True):
        record_certify(actor=people.county_admin, record=record)
    # The test backend runs the queued task on commit: up to date again.
    assert stale(people) == set()
    row = figures(people.teacher_a)
    assert row.total_credits == 34.5 and row.credits["online"] == 34.5
    result = TeacherResult.objects.get(teacher=people.teacher_a)
    verdict = {r["id"]: r for r in result.result["records"]}[str(record.pk)]
    assert verdict["counted"] is True and "良" in verdict["explanation"]


def test_each_kind_of_change_marks_exactly_its_teachers(fresh, make_record):
    people = fresh
    project = project_create(
        actor=people.county_admin,
        publisher=people.county_x,
        name="县级培训",
        level="county",
        mode="centralized",
        module="ability",
        hours=12,
        credit_per_hour=1.5,
        institution=people.institution,
    )
    project = project_approve(actor=people.county_admin, project=project)
    certified = make_record(
        people.teacher_a,
        actor=people.county_admin,
        fields={"score": 90},
        level="",
        project=project,
        status="certified",
    )
    make_record(
        people.teacher_b,
        actor=people.county_admin,
        fields={"score": 90},
        level="",
        project=project,
        status="submitted",
    )
    assert certified.certified_input is not None
    recompute_stale()

    # A profile change: that teacher only.
    teacher_update(actor=people.school_admin_a, teacher=people.teacher_a2, first_year=True)
    assert stale(people) == {"teacher_a2"}
    recompute_stale()

    # The institution's approval withdrawn: teachers with a record of its projects that is
    # not certified (teacher_a's certified figure is frozen).
    institution_revoke(actor=people.county_admin, institution=people.institution, reason="停办")
    assert stale(people) == {"teacher_b"}
    recompute_stale()

    # A policy bound to county X: every teacher under X, none in county Y.
    policy_bind(
        actor=people.root,
        node=people.county_x,
        policy_id="dali-2020",
        valid_from=dt.date(2026, 1, 1),
    )
    assert stale(people) == {"teacher_a", "teacher_a2", "teacher_b"}


def test_a_rolled_back_change_marks_nobody(fresh, make_record):
    people = fresh
    with pytest.raises(RuntimeError), transaction.atomic():
        make_record(actor=people.school_admin_a)
        assert stale(people) == {"teacher_a"}
        raise RuntimeError("the view failed after the service")
    assert stale(people) == set()


def test_a_change_during_the_computation_leaves_the_teacher_stale(fresh, make_record, monkeypatch):
    """The worker clears ``stale`` only for the version it read."""
    import xuefen.results.compute as compute

    people = fresh
    record = make_record(actor=people.school_admin_a, status="draft")
    original = compute._load_batch

    def load_then_change(ids):
        loaded = original(ids)
        record_update(actor=people.school_admin_a, record=record, fields=training(hours=40))
        return loaded

    monkeypatch.setattr(compute, "_load_batch", load_then_change)
    recompute([people.teacher_a.pk])
    assert stale(people) == {"teacher_a"}


def test_pages_read_one_teacher_inline_at_most(fresh, make_record, count_evaluations):
    people = fresh
    make_record(actor=people.county_admin, status="certified")
    make_record(people.teacher_b, actor=people.county_admin, status="certified")
    assert stale(people) == {"teacher_a", "teacher_b"}
    standing = teacher_standing(people.teacher_a, as_of=AS_OF)
    # One teacher, nothing pending: one engine call of one teacher (both bases are the same
    # input, hence the same result); teacher_b still waits.
    assert count_evaluations == [1]
    assert stale(people) == {"teacher_b"}
    assert standing.period(dt.date(2023, 6, 1))["credits"]["online"] == 34.5
    assert standing.pending == standing.result
    teacher_standing(people.teacher_a, as_of=AS_OF)
    assert count_evaluations == [1]  # fresh: read, not computed
    # A submitted record: the pending basis differs, a second call of that one teacher.
    make_record(actor=people.school_admin_a, status="submitted", fields=training(hours=10))
    teacher_standing(people.teacher_a, as_of=AS_OF)
    assert count_evaluations == [1, 1, 1]


def test_certified_and_pending_figures(fresh, make_record):
    people = fresh
    make_record(actor=people.county_admin, status="certified")
    submitted = make_record(
        actor=people.school_admin_a, status="submitted", fields=training(hours=10)
    )
    recompute_stale()
    row = figures(people.teacher_a)
    assert row.total_hours == 30 and row.pending_hours == 40
    standing = teacher_standing(people.teacher_a, as_of=AS_OF)
    assert standing.records[str(submitted.pk)]["counted"] is False
    assert standing.pending_records[str(submitted.pk)]["counted"] is True
    assert standing.pending_records[str(submitted.pk)]["hours"] == 10


def test_school_summaries_follow_their_teachers(fresh, make_record):
    people = fresh
    make_record(people.teacher_a, actor=people.county_admin, status="certified")
    recompute_stale()
    summary = SchoolPeriod.objects.get(
        school=people.school_a, period_type="year", start=YEAR_2023[1]
    )
    assert summary.teachers == 2 and summary.judged == 1
    assert summary.credits["online"] == 34.5
    assert summary.short_by["year-hours-total"]["count"] == 1
    # A teacher moved to school B: both schools' summaries change.
    teacher_update(actor=people.county_admin, teacher=people.teacher_a, school=people.school_b)
    recompute_stale()
    assert not SchoolPeriod.objects.filter(school=people.school_a, start=YEAR_2023[1]).exists()
    moved = SchoolPeriod.objects.get(school=people.school_b, period_type="year", start=YEAR_2023[1])
    assert moved.judged == 1 and moved.teachers == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the summing query is PostgreSQL's")
def test_summaries_summed_by_postgresql_match_the_python_loop(fresh, make_record):
    """The summing query (PostgreSQL) and the row-by-row loop (every database) agree, down
    to ints staying ints."""
    import json

    import xuefen.results.compute as compute

    people = fresh
    make_record(actor=people.county_admin, status="certified")
    make_record(people.teacher_a2, actor=people.county_admin, status="certified")
    make_record(actor=people.school_admin_a, status="submitted", fields=training(hours=10))
    make_record(people.teacher_b, actor=people.county_admin, status="certified")
    recompute_stale()
    schools = [people.school_a.pk, people.school_b.pk]
    active = {people.school_a.pk: 2, people.school_b.pk: 1}

    def dump(sums):
        return {
            key: json.dumps(
                [
                    s.judged,
                    s.compliant,
                    s.pending_compliant,
                    s.teachers,
                    s.end,
                    s.label,
                    s.short_by,
                    s.hours,
                    s.credits,
                    s.modules,
                ],
                sort_keys=True,
                default=str,
            )
            for key, s in sums.items()
        }

    by_sql = dump(compute._sums_in_sql(schools, active))
    assert len(by_sql) >= 4
    assert by_sql == dump(compute._sums_in_python(schools, active))


def test_a_finished_cycle_stays_reportable(fresh, make_record):
    """In 2026 the 2021–2025 cycle has ended; its figures are still stored."""
    people = fresh
    make_record(actor=people.county_admin, status="certified")
    recompute_stale()
    cycle = figures(people.teacher_a, ("cycle", dt.date(2021, 1, 1)))
    assert cycle is not None and cycle.total_credits == 34.5 and cycle.compliant is False
    assert cycle.end == dt.date(2025, 12, 31)


def test_policy_replaced_from_a_date_leaves_past_results(fresh, make_record):
    people = fresh
    make_record(people.teacher_a, date=dt.date(2023, 3, 10), status="certified")
    before = teacher_standing(people.teacher_a, as_of=AS_OF).result
    new = policy_bind(
        actor=people.county_admin,
        node=people.county_x,
        policy_id="dali-2020",
        valid_from=dt.date(2024, 9, 1),
        reason="试行新办法",
    )
    make_record(
        people.teacher_a, date=dt.date(2024, 10, 8), fields=training(hours=10), status="certified"
    )
    standing = teacher_standing(people.teacher_a, as_of=dt.date(2024, 12, 31))
    assert standing.binding == new and standing.result is not None
    assert [s.binding.policy_id for s in standing.segments] == ["puer-2023", "dali-2020"]
    assert teacher_standing(people.teacher_a, as_of=AS_OF).result == before


def test_no_policy_bound_means_no_result(fresh, make_record):
    people = fresh
    make_record(people.teacher_a, date=dt.date(2020, 5, 1), status="certified")
    standing = teacher_standing(people.teacher_a, as_of=dt.date(2020, 12, 31))
    assert standing.binding is None and standing.result is None


def test_the_command_recomputes_a_region_with_progress(fresh, capsys):
    people = fresh
    call_command("results_recompute", "--node", str(people.county_x.pk), "--batch", "2")
    out = capsys.readouterr().out
    assert "2 / 3 名教师" in out and "3 / 3 名教师" in out  # county X: 3 teachers
    TeacherState.objects.filter(teacher=people.teacher_c).update(engine="older")
    call_command("results_recompute", "--outdated")
    out = capsys.readouterr().out
    assert "1 名教师的结果由其他引擎版本或在往年计算" in out
    assert "1 / 1 名教师" in out
    with pytest.raises(CommandError):
        call_command("results_recompute", "--node", "no-such-code")
    with pytest.raises(CommandError):
        call_command("results_recompute", "--all", "--queue")


def test_the_command_can_leave_the_work_to_the_worker(fresh, capsys):
    """run.sh queues what a stopped worker left (the test backend runs it at once)."""
    people = fresh
    TeacherState.objects.filter(teacher=people.teacher_a).update(stale=True)
    call_command("results_recompute", "--outdated", "--queue")
    assert "1 名待更新的教师已交给后台任务" in capsys.readouterr().out
    assert stale(people) == set()


def test_a_new_day_is_not_a_new_computation_but_a_new_year_is(fresh, count_evaluations):
    """A teacher's first visit of the day reads the stored rows (on a deadline day every
    visit would otherwise recompute and rebuild the school's summaries); a new year's
    requirements need a computation, done in the background by ``--outdated``."""
    people = fresh
    TeacherState.objects.update(as_of=dt.date(2026, 3, 1))
    teacher_standing(people.teacher_a, as_of=dt.date(2026, 3, 2))
    assert count_evaluations == []
    from xuefen.results.compute import mark_outdated

    assert mark_outdated(today=dt.date(2026, 12, 31)) == 0
    assert mark_outdated(today=dt.date(2027, 1, 1)) == 4
    assert stale(people) == {"teacher_a", "teacher_a2", "teacher_b", "teacher_c"}
