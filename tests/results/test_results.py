"""Results come from the engine, are cached per teacher and binding, and are recomputed
when records change; policies replaced from a date leave earlier results alone."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.conftest import training
from xuefen.audit.models import AuditEntry
from xuefen.org.models import PolicyBinding
from xuefen.org.services import policy_bind, policy_for
from xuefen.records.services import record_certify, record_submit, record_update
from xuefen.results.models import TeacherResult
from xuefen.results.services import school_results, teacher_result, teachers_results

AS_OF = dt.date(2023, 12, 31)


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


def test_result_recomputed_after_record_changes(
    people, make_record, django_capture_on_commit_callbacks
):
    record = make_record(actor=people.school_admin_a, status="submitted")
    standing = teacher_result(people.teacher_a, as_of=AS_OF)
    assert standing.records[str(record.pk)]["counted"] is False  # not certified yet
    assert standing.result["cycle"]["credits"]["total"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        record_certify(actor=people.county_admin, record=record)
    # Recomputed on commit (as of today, what pages show): the cache row already holds the
    # record's new verdict.
    row = TeacherResult.objects.get(teacher=people.teacher_a, binding=people.binding)
    assert row.as_of == timezone.localdate()
    verdict = {r["id"]: r for r in row.result["records"]}[str(record.pk)]
    assert verdict["counted"] is True and verdict["credits"] == 34.5
    standing = teacher_result(people.teacher_a, as_of=AS_OF)
    verdict = standing.records[str(record.pk)]
    assert verdict["counted"] is True and verdict["credits"] == 34.5
    assert "良" in verdict["explanation"]
    period = standing.period(dt.date(2023, 6, 1))
    assert period["credits"]["online"] == 34.5
    assert standing.compliant is False


def test_update_invalidates_cache(people, make_record, count_evaluations):
    record = make_record(actor=people.school_admin_a, status="draft")
    teacher_result(people.teacher_a, as_of=AS_OF)
    assert TeacherResult.objects.filter(teacher=people.teacher_a).exists()
    record_update(actor=people.school_admin_a, record=record, fields=training(hours=40))
    assert not TeacherResult.objects.filter(teacher=people.teacher_a).exists()
    record_submit(actor=people.school_admin_a, record=record)
    record_certify(actor=people.county_admin, record=record)
    standing = teacher_result(people.teacher_a, as_of=AS_OF)
    assert standing.records[str(record.pk)]["hours"] == 40


def test_cache_is_reused_and_stale_rows_are_recomputed(people, make_record, count_evaluations):
    make_record(actor=people.county_admin, status="certified")
    first = teacher_result(people.teacher_a, as_of=AS_OF)
    assert count_evaluations == [1]
    again = teacher_result(people.teacher_a, as_of=AS_OF)
    assert count_evaluations == [1]  # served from the cache
    assert again.result == first.result
    # A row whose fingerprint no longer matches is never served, even if nobody deleted it.
    TeacherResult.objects.update(fingerprint="0" * 64, result={"tampered": True})
    fresh = teacher_result(people.teacher_a, as_of=AS_OF)
    assert count_evaluations == [1, 1]
    assert fresh.result == first.result
    # Another as_of is another question.
    teacher_result(people.teacher_a, as_of=dt.date(2024, 6, 30))
    assert count_evaluations == [1, 1, 1]


def test_roster_is_one_engine_call(
    people, make_record, count_evaluations, django_assert_max_num_queries
):
    for teacher in (people.teacher_a, people.teacher_a2):
        make_record(teacher, actor=people.county_admin, status="certified")
    with django_assert_max_num_queries(6):
        standings = school_results(school=people.school_a, as_of=AS_OF)
    assert count_evaluations == [2]
    assert set(standings) == {people.teacher_a.pk, people.teacher_a2.pk}
    assert all(s.result["cycle"]["credits"]["total"] == 34.5 for s in standings.values())
    # The county's teachers: cached ones are not evaluated again.
    standings = teachers_results(
        teachers=[people.teacher_a, people.teacher_a2, people.teacher_b], as_of=AS_OF
    )
    assert count_evaluations == [2, 1]
    assert standings[people.teacher_b.pk].result["cycle"]["credits"]["total"] == 0


def test_no_policy_bound_means_no_result(people, make_record):
    make_record(people.teacher_a, date=dt.date(2020, 5, 1), status="certified")
    standing = teacher_result(people.teacher_a, as_of=dt.date(2020, 12, 31))
    assert standing.binding is None and standing.result is None
    assert len(standing.unbound) == 1


def test_policy_replaced_from_a_date_leaves_past_results(people, make_record):
    make_record(people.teacher_a, date=dt.date(2023, 3, 10), status="certified")
    before = teacher_result(people.teacher_a, as_of=AS_OF).result
    new = policy_bind(
        actor=people.county_admin,
        node=people.county_x,
        policy_id="dali-2020",
        valid_from=dt.date(2024, 9, 1),
        reason="试行新办法",
    )
    make_record(
        people.teacher_a,
        date=dt.date(2024, 10, 8),
        fields=training(hours=10),
        status="certified",
    )
    standing = teacher_result(people.teacher_a, as_of=dt.date(2024, 12, 31))
    assert standing.binding == new and standing.result is not None
    assert [s.binding.policy_id for s in standing.segments] == ["puer-2023", "dali-2020"]
    # The 2023 record is still judged under 普洱 as it was.
    assert teacher_result(people.teacher_a, as_of=AS_OF).result == before
    assert policy_for(node=people.school_a, day=dt.date(2023, 3, 10)) == people.binding
    assert policy_for(node=people.school_c, day=dt.date(2024, 10, 8)) == people.binding


def test_policy_bind_rules_and_audit(people):
    with pytest.raises(PermissionDenied):
        policy_bind(
            actor=people.school_admin_a,
            node=people.school_a,
            policy_id="puer-2023",
            valid_from=dt.date(2024, 1, 1),
        )
    with pytest.raises(PermissionDenied):
        policy_bind(
            actor=people.county_y_admin,
            node=people.county_x,
            policy_id="puer-2023",
            valid_from=dt.date(2024, 1, 1),
        )
    with pytest.raises(ValidationError) as info:
        policy_bind(
            actor=people.root, node=people.city, policy_id="nope", valid_from=dt.date(2024, 1, 1)
        )
    assert "policy_id" in info.value.message_dict
    with pytest.raises(ValidationError) as info:  # history is not rewritten
        policy_bind(
            actor=people.root,
            node=people.city,
            policy_id="dali-2020",
            valid_from=dt.date(2020, 1, 1),
        )
    assert "valid_from" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        policy_bind(
            actor=people.root,
            node=people.city,
            policy_text="id: [unclosed",
            source_name="bad.yaml",
            valid_from=dt.date(2025, 1, 1),
        )
    assert "policy_text" in info.value.message_dict

    replacement = policy_bind(
        actor=people.root,
        node=people.city,
        policy_id="dali-2020",
        valid_from=dt.date(2025, 1, 1),
        reason="市教育局新文件",
    )
    people.binding.refresh_from_db()
    assert people.binding.valid_to == dt.date(2024, 12, 31)
    entry = AuditEntry.objects.get(event="policy.bind", target_id=str(replacement.pk))
    assert entry.old_values == {"replaced": people.binding.pk, "replaced_valid_to": None}
    assert entry.new_values["replaced_valid_to"] == "2024-12-31"
    assert entry.new_values["policy_id"] == "dali-2020"
    assert entry.reason == "市教育局新文件"


def test_uploaded_policy_text_is_validated_and_used(people, make_record):
    from xuefen.policy.loader import bundled_text

    text = bundled_text("puer-2023")
    binding = policy_bind(
        actor=people.county_admin,
        node=people.county_x,
        policy_text=text,
        source_name="puer-local.yaml",
        valid_from=dt.date(2025, 1, 1),
    )
    assert binding.policy_name and binding.policy_key.startswith("uploaded:")
    assert PolicyBinding.objects.filter(node=people.county_x).count() == 1
    make_record(people.teacher_a, date=dt.date(2025, 3, 1), status="certified")
    standing = teacher_result(people.teacher_a, as_of=dt.date(2025, 12, 31))
    assert standing.binding == binding
    assert standing.result["cycle"]["credits"]["total"] == 34.5


def test_deferred_batch_recomputes_once_at_the_end(
    people, make_record, count_evaluations, django_capture_on_commit_callbacks
):
    from xuefen.results.services import results_deferred

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        results_deferred() as touched,
    ):
        for teacher in (people.teacher_a, people.teacher_a2, people.teacher_a):
            make_record(teacher, actor=people.county_admin, status="certified")
        assert count_evaluations == []
    assert len(callbacks) == 3  # the three audit notifications; no per-record refresh
    assert touched == {people.teacher_a.pk, people.teacher_a2.pk}
    assert count_evaluations == [2]  # one engine call for both teachers
    assert TeacherResult.objects.filter(teacher__in=touched).count() == 2
