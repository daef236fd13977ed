"""The world of tests/jobs/test_worker.py, on a SQLite file the real worker can open.

``python -m tests.jobs.worker_world setup`` migrates the file named by ``DATABASE_URL``,
builds the test people, brings every result up to date and empties the queue; then a
record change of teacher_a queues the recomputation task (on commit, as in production),
teacher_c is marked stale without queueing anything (the one task drains every stale
teacher), and county Y's administrator starts a recompute job for county Y.
``... check`` prints what the worker left: the stale teachers, the job, the tasks. Both
print one line of JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import sys


def setup() -> dict:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django_tasks_db.models import DBTaskResult

    from tests.conftest import build_people, training
    from xuefen.jobs.services import job_start
    from xuefen.records.services import record_create
    from xuefen.results.compute import recompute_stale
    from xuefen.results.models import TeacherState

    people = build_people()
    recompute_stale()
    DBTaskResult.objects.all().delete()
    record_create(
        actor=people.root,
        teacher=people.teacher_a,
        kind="training",
        date=dt.date(2023, 3, 10),
        fields=training(),
        level="province",
    )
    TeacherState.objects.filter(teacher=people.teacher_c).update(stale=True)
    job = job_start(actor=people.county_y_admin, kind="recompute", node=people.county_y)
    return {
        "job": str(job.pk),
        "stale": _stale(),
        "queued": sorted(DBTaskResult.objects.values_list("task_path", flat=True)),
    }


def check(job_id: str) -> dict:
    from django_tasks_db.models import DBTaskResult

    from xuefen.jobs.models import Job

    job = Job.objects.get(pk=job_id)
    return {
        "stale": _stale(),
        "job": [job.status, job.done, job.total, job.message, job.error],
        "tasks": sorted(DBTaskResult.objects.values_list("task_path", "status")),
    }


def _stale() -> list[str]:
    from xuefen.results.models import TeacherState

    return sorted(
        TeacherState.objects.filter(stale=True).values_list("teacher__user__username", flat=True)
    )


if __name__ == "__main__":
    import django

    django.setup()
    out = setup() if sys.argv[1] == "setup" else check(sys.argv[2])
    print(json.dumps(out, ensure_ascii=False))
