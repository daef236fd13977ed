"""Background jobs: who may start one and see it, what the worker records, what the pages
show. Tasks run at once here (django_tasks' ImmediateBackend), when the starting
transaction commits; ``test_worker.py`` runs the real worker."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry
from xuefen.jobs import kinds
from xuefen.jobs.choices import JobKind, JobStatus
from xuefen.jobs.kinds import JobError, JobKindSpec
from xuefen.jobs.models import Job
from xuefen.jobs.services import job_start
from xuefen.org.choices import Role
from xuefen.org.services import role_grant
from xuefen.results.compute import recompute_stale
from xuefen.results.models import TeacherState

RECOMPUTE = JobKind.RECOMPUTE


@pytest.fixture
def start(people, django_capture_on_commit_callbacks):
    """Start a job as a user and let its task run (as it would once the request commits)."""

    def run(actor=None, node=None, *, execute=True):
        with django_capture_on_commit_callbacks(execute=execute):
            job = job_start(
                actor=actor or people.county_admin, kind=RECOMPUTE, node=node or people.county_x
            )
        job.refresh_from_db()
        return job

    return run


def stale_teachers(people):
    ids = set(TeacherState.objects.filter(stale=True).values_list("teacher_id", flat=True))
    names = ("teacher_a", "teacher_a2", "teacher_b", "teacher_c")
    return {n for n in names if getattr(people, n).pk in ids}


# --- the service ------------------------------------------------------------------------


def test_a_county_admin_recomputes_the_county(people, start):
    """Every teacher under county X (schools A and B: three teachers) is recomputed, the
    job ends done with its count and message, and the start is audited once."""
    recompute_stale()
    TeacherState.objects.update(stale=True)
    job = start()
    assert job.status == JobStatus.DONE
    assert (job.done, job.total) == (3, 3)
    assert job.message == "已重新计算 3 名教师。"
    assert job.error == ""
    assert job.started_by == people.county_admin and job.node == people.county_x
    assert job.started_at is not None and job.finished_at >= job.started_at
    assert job.task_id
    # County Y's teacher was not part of it.
    assert stale_teachers(people) == {"teacher_c"}
    entry = AuditEntry.objects.get(event=Event.JOB_START)
    assert entry.actor == people.county_admin
    assert entry.node == people.county_x
    assert entry.target_id == str(job.pk)
    assert entry.new_values == {"kind": "recompute", "node": people.county_x.pk}


def test_progress_is_recorded_while_the_job_runs(people, start, monkeypatch):
    seen = []

    def runner(job, progress):
        progress(0, 4)
        seen.append(Job.objects.values_list("status", "done", "total").get(pk=job.pk))
        progress(3, 4)
        seen.append(Job.objects.values_list("status", "done", "total").get(pk=job.pk))
        return "完成"

    monkeypatch.setitem(
        kinds.KINDS, RECOMPUTE, JobKindSpec("manage", runner, "%(done)s / %(total)s 件")
    )
    job = start()
    assert seen == [("running", 0, 4), ("running", 3, 4)]
    assert (job.status, job.message, job.percent) == ("done", "完成", 100)


def test_recompute_reports_progress_batch_by_batch(people, start, monkeypatch):
    """The real runner passes results.compute's progress through, after every batch."""
    from xuefen.jobs import tasks

    calls = []
    real = tasks.job_progress

    def spy(*, job_id, done, total):
        calls.append((done, total))
        real(job_id=job_id, done=done, total=total)

    monkeypatch.setattr(tasks, "job_progress", spy)
    original = kinds.run_recompute

    def in_twos(job, progress):
        from xuefen.results import compute

        real_recompute = compute.recompute
        monkeypatch.setattr(
            compute,
            "recompute",
            lambda ids, progress: real_recompute(ids, progress=progress, batch=2),
        )
        return original(job, progress)

    monkeypatch.setitem(
        kinds.KINDS, RECOMPUTE, JobKindSpec("manage", in_twos, "%(done)s / %(total)s 名教师")
    )
    job = start()
    assert calls == [(0, 3), (2, 3), (3, 3)]
    assert (job.status, job.done, job.total) == ("done", 3, 3)


def test_a_failure_is_one_line_for_the_user_and_a_traceback_in_the_log(
    people, start, monkeypatch, caplog, client
):
    def runner(job, progress):
        raise RuntimeError("disk /var/secret exploded")

    monkeypatch.setitem(
        kinds.KINDS, RECOMPUTE, JobKindSpec("manage", runner, "%(done)s / %(total)s 名教师")
    )
    with caplog.at_level(logging.ERROR, logger="xuefen.jobs.tasks"):
        job = start()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert job.error.startswith("任务因出错而中止")
    assert str(job.pk)[:8] in job.error
    assert "RuntimeError" not in job.error and "/var/secret" not in job.error
    assert "\n" not in job.error
    logged = [r for r in caplog.records if r.name == "xuefen.jobs.tasks"]
    assert logged and logged[0].exc_info and str(job.pk) in logged[0].getMessage()
    client.force_login(people.county_admin)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "任务因出错而中止" in page
    assert "Traceback" not in page and "RuntimeError" not in page and "/var/secret" not in page
    assert 'hx-trigger="every 2s"' not in page  # ended: no more polling


def test_a_job_error_is_shown_as_the_runner_said_it(people, start, monkeypatch):
    def runner(job, progress):
        raise JobError("文件中没有“姓名”一列。")

    monkeypatch.setitem(
        kinds.KINDS, RECOMPUTE, JobKindSpec("manage", runner, "%(done)s / %(total)s 行")
    )
    job = start()
    assert (job.status, job.error) == ("failed", "文件中没有“姓名”一列。")


def test_a_queue_that_cannot_be_reached_fails_the_job_not_the_request(people, start, monkeypatch):
    from xuefen.jobs.tasks import run_job_task

    def broken(*args, **kwargs):
        raise OSError("queue down")

    monkeypatch.setattr(type(run_job_task), "enqueue", broken)
    job = start()
    assert job.status == JobStatus.FAILED
    assert job.error == "任务未能排队，请稍后再试。"


@pytest.mark.parametrize(
    ("who", "node"),
    [
        ("county_y_admin", "county_x"),  # another county
        ("county_admin", "county_y"),
        ("county_admin", "city"),  # above one's own county
        ("school_admin_a", "school_a"),  # no "manage" at a school
        ("principal_a", "school_a"),
        ("peer_assessor", "school_a"),
        ("institution_user", "county_x"),
        ("nobody", "county_x"),
    ],
)
def test_only_region_administrators_over_the_node_may_start(people, who, node):
    actor = getattr(people, who)
    with pytest.raises(PermissionDenied):
        job_start(actor=actor, kind=RECOMPUTE, node=getattr(people, node))
    with pytest.raises(PermissionDenied):
        job_start(actor=people.teacher_a.user, kind=RECOMPUTE, node=people.school_a)
    assert not Job.objects.exists()
    assert not AuditEntry.objects.filter(event=Event.JOB_START).exists()


def test_a_county_admin_may_recompute_a_school_of_the_county(people, start):
    job = start(node=people.school_b)
    assert (job.status, job.total) == ("done", 1)


def test_an_unknown_kind_is_a_field_error(people):
    with pytest.raises(ValidationError) as caught:
        job_start(actor=people.root, kind="import", node=people.county_x)
    assert "kind" in caught.value.message_dict


def test_pressing_twice_joins_the_waiting_job(people, start):
    first = start(execute=False)
    second = start(execute=False)
    assert second.pk == first.pk and first.status == JobStatus.QUEUED
    assert Job.objects.count() == 1
    assert AuditEntry.objects.filter(event=Event.JOB_START).count() == 1
    other = start(actor=people.county_y_admin, node=people.county_y, execute=False)
    assert other.pk != first.pk


def test_a_stalled_job_is_replaced(people, start):
    """A running job that reported nothing for a long time lost its worker."""
    stalled = start(execute=False)
    Job.objects.filter(pk=stalled.pk).update(status=JobStatus.RUNNING)
    assert start(execute=False).pk == stalled.pk  # still reporting: joined
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Job.objects.filter(pk=stalled.pk).update(updated_at=long_ago)
    fresh = start()
    assert fresh.pk != stalled.pk and fresh.status == JobStatus.DONE
    stalled.refresh_from_db()
    assert stalled.status == JobStatus.FAILED and "中断" in stalled.error


def test_a_job_that_ended_is_not_run_again(people, start):
    """A second delivery of the task (or a late one) leaves an ended job alone."""
    from xuefen.jobs.tasks import run_job_task

    job = start()
    assert run_job_task.call(str(job.pk)) == "skipped"
    assert run_job_task.call(str(uuid.uuid4())) == "skipped"


# --- who sees a job ---------------------------------------------------------------------


@pytest.fixture
def job_x(people, start):
    """County X's recompute, started by its administrator, still waiting."""
    return start(execute=False)


def test_the_starter_and_the_staff_over_the_node_see_the_job(people, job_x, client):
    other_x_admin = people.root.__class__.objects.create_user("county_admin_2", password="pw")
    role_grant(actor=people.root, user=other_x_admin, node=people.county_x, role=Role.COUNTY_ADMIN)
    city_admin = people.root.__class__.objects.create_user("city_admin", password="pw")
    role_grant(actor=people.root, user=city_admin, node=people.city, role=Role.CITY_ADMIN)
    url = reverse("jobs:detail", args=[job_x.pk])
    for user in (people.county_admin, other_x_admin, city_admin, people.root):
        client.force_login(user)
        assert client.get(url).status_code == 200, user
    for user in (
        people.county_y_admin,
        people.school_admin_a,
        people.principal_a,
        people.peer_assessor,
        people.institution_user,
        people.teacher_a.user,
    ):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    client.force_login(people.nobody)
    assert client.get(url).status_code == 403
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_no_such_job_is_404(people, client):
    client.force_login(people.county_admin)
    assert client.get(reverse("jobs:detail", args=[uuid.uuid4()])).status_code == 404
    assert client.get("/jobs/not-a-uuid/").status_code == 404


def test_my_jobs_lists_the_jobs_i_started(people, job_x, client):
    client.force_login(people.county_admin)
    page = client.get(reverse("jobs:list")).content.decode()
    assert str(job_x.pk) in page and "重新计算区域结果" in page and "思茅区" in page
    client.force_login(people.county_y_admin)
    page = client.get(reverse("jobs:list")).content.decode()
    assert str(job_x.pk) not in page and "您还没有启动过任务" in page


# --- the pages --------------------------------------------------------------------------


def test_the_job_page_polls_its_partial_until_the_job_ends(people, job_x, client):
    client.force_login(people.county_admin)
    url = reverse("jobs:detail", args=[job_x.pk])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "<html" in body
    assert 'hx-trigger="every 2s"' in body and f'hx-get="{url}"' in body
    assert "等待后台任务" in body  # queued
    partial = client.get(url, headers={"HX-Request": "true"})
    text = partial.content.decode()
    assert "<html" not in text and text.lstrip().startswith('<div id="job-progress"')
    assert 'hx-trigger="every 2s"' in text
    assert "HX-Request" in partial["Vary"]

    Job.objects.filter(pk=job_x.pk).update(status=JobStatus.RUNNING, done=1, total=3)
    text = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "1 / 3 名教师" in text and "33%" in text and 'value="33"' in text
    assert 'hx-trigger="every 2s"' in text

    Job.objects.filter(pk=job_x.pk).update(
        status=JobStatus.DONE, done=3, total=3, message="已重新计算 3 名教师。"
    )
    text = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' not in text and "hx-get" not in text
    assert "已完成" in text and "已重新计算 3 名教师。" in text
    assert reverse("portal:region", args=[people.county_x.pk]) in text  # back to the county


def test_a_job_waiting_long_hints_at_the_worker(people, job_x, client):
    client.force_login(people.county_admin)
    url = reverse("jobs:detail", args=[job_x.pk])
    assert "db_worker" not in client.get(url).content.decode()
    Job.objects.filter(pk=job_x.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert "db_worker" in client.get(url).content.decode()


def test_the_region_page_offers_the_button_and_starting_lands_on_the_job(
    people, client, django_capture_on_commit_callbacks
):
    client.force_login(people.county_admin)
    region = reverse("portal:region", args=[people.county_x.pk])
    page = client.get(region).content.decode()
    assert f'action="{reverse("jobs:start")}"' in page
    assert f'name="node" value="{people.county_x.pk}"' in page
    assert "重新计算本区域的结果" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("jobs:start"), {"kind": "recompute", "node": people.county_x.pk}
        )
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.started_by == people.county_admin
    page = client.get(response["Location"]).content.decode()
    assert "已重新计算 3 名教师。" in page


def test_the_region_page_links_to_the_running_job_instead(people, job_x, client):
    client.force_login(people.county_admin)
    page = client.get(reverse("portal:region", args=[people.county_x.pk])).content.decode()
    assert reverse("jobs:detail", args=[job_x.pk]) in page
    assert f'action="{reverse("jobs:start")}"' not in page


def test_another_county_cannot_start_through_the_page(people, client):
    client.force_login(people.county_y_admin)
    response = client.post(reverse("jobs:start"), {"kind": "recompute", "node": people.county_x.pk})
    assert response.status_code == 404
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "recompute", "node": "abc"},
        {"kind": "recompute", "node": str(10**30)},
        {"kind": "recompute"},
        {"kind": "nonsense", "node": "1"},
        {},
    ],
)
def test_a_garbled_start_is_400(people, client, data):
    client.force_login(people.county_admin)
    response = client.post(reverse("jobs:start"), data)
    assert response.status_code == 400
    assert not Job.objects.exists()


def test_starting_needs_a_post_a_login_and_a_role(people, client):
    url = reverse("jobs:start")
    data = {"kind": "recompute", "node": people.county_x.pk}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    client.force_login(people.nobody)
    assert client.post(url, data).status_code == 403
    client.force_login(people.county_admin)
    assert client.get(url).status_code == 405
    assert not Job.objects.exists()


def test_jobs_are_in_the_admin_read_only(people, job_x, client):
    client.force_login(people.root)
    assert client.get(reverse("admin:jobs_job_changelist")).status_code == 200
    page = client.get(reverse("admin:jobs_job_change", args=[job_x.pk]))
    assert page.status_code == 200 and "思茅区" in page.content.decode()


def test_the_task_queue_admin_is_for_superusers_only(people, client):
    url = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    client.force_login(people.root)
    assert client.get(url).status_code == 200
    staff = people.county_admin
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client.force_login(staff)
    assert client.get(url).status_code == 403
