"""Large imports as background jobs: above XUEFEN_IMPORT_INLINE_MAX rows the confirmation
starts a job (run here at once, when the request's transaction commits), which checks the
kept file again, writes it all or nothing and deletes it; kept files expire."""

from __future__ import annotations

import io
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import id_number
from tests.imports.test_records import GOOD, csv_bytes
from tests.imports.test_teachers import good_rows, xlsx
from xuefen.imports import kept
from xuefen.imports.jobs import common_node, run_import_records, run_import_teachers
from xuefen.jobs.choices import JobKind, JobStatus
from xuefen.jobs.kinds import KINDS, JobError
from xuefen.jobs.models import Job
from xuefen.org.models import Teacher
from xuefen.records.models import Record

B = id_number(3, female=True)  # teacher_b 王芳, school B


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.XUEFEN_IMPORT_INLINE_MAX = 1


def kept_files(user: Any) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "imports" / str(user.pk)
    return sorted(folder.glob("*")) if folder.exists() else []


def records_upload(client: Any, data: bytes, name: str = "records.csv") -> Any:
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(reverse("imports:records"), {"file": upload})


def test_a_large_records_file_is_imported_by_a_job(
    people: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(people.school_admin_a)
    preview = records_upload(client, csv_bytes(*GOOD))
    token = preview.context["token"]
    assert token and len(kept_files(people.school_admin_a)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("imports:records"), {"token": token, "confirm": "1"})
    job = Job.objects.get(kind=JobKind.IMPORT_RECORDS)
    assert done.status_code == 302 and done.url == reverse("jobs:detail", args=[job.pk])
    assert job.node == people.school_a and job.started_by == people.school_admin_a
    assert job.params["name"] == "records.csv"
    assert job.status == JobStatus.DONE, job.error
    assert job.message == "已添加 2 条，0 条未变。"
    assert (job.done, job.total) == (2, 2)
    assert Record.objects.filter(source="imported").count() == 2
    assert kept_files(people.school_admin_a) == []  # the job deleted it
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert page.status_code == 200
    assert reverse("portal:roster", args=[people.school_a.pk]) in page.content.decode()
    # The token is spent.
    again = client.post(reverse("imports:records"), {"token": token, "confirm": "1"})
    assert again.status_code == 302 and Job.objects.count() == 1


def test_a_small_file_is_still_imported_in_the_request(
    people: Any, client: Any, settings: Any
) -> None:
    settings.XUEFEN_IMPORT_INLINE_MAX = 2
    client.force_login(people.school_admin_a)
    token = records_upload(client, csv_bytes(*GOOD)).context["token"]
    done = client.post(reverse("imports:records"), {"token": token, "confirm": "1"})
    assert done.status_code == 200 and Record.objects.count() == 2
    assert not Job.objects.exists()


def test_the_job_of_a_county_file_belongs_to_the_county(
    people: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    row_b = f"{B},王芳,PX-9,培训项目,2023-03-10,省级,国培计划,网络研修,专业知识,30,85,是,"
    client.force_login(people.county_admin)
    token = records_upload(client, csv_bytes(*GOOD, row_b)).context["token"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:records"), {"token": token, "confirm": "1"})
    job = Job.objects.get()
    assert job.node == people.county_x and job.status == JobStatus.DONE
    assert Record.objects.count() == 3
    assert common_node([people.school_a, people.school_c]) == people.city
    assert common_node([people.school_b]) == people.school_b


def job_for(people: Any, kind: str, node: Any, user: Any, data: bytes, suffix: str) -> Job:
    """A job as the confirmation starts it, with its kept file (not run)."""
    folder = kept.folder(user)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{'teachers-' if kind == JobKind.IMPORT_TEACHERS else ''}{uuid.uuid4().hex}{suffix}"
    (folder / name).write_bytes(data)
    return Job.objects.create(
        kind=kind, node=node, started_by=user, params={"file": name, "name": f"file{suffix}"}
    )


def test_the_runner_checks_again_and_refuses_in_chinese(people: Any) -> None:
    bad = GOOD[0].replace("2023-03-10", "2023-13-40")
    job = job_for(
        people, JobKind.IMPORT_RECORDS, people.school_a, people.school_admin_a,
        csv_bytes(bad, GOOD[1]), ".csv",
    )  # fmt: skip
    seen: list[tuple[int, int]] = []
    with pytest.raises(JobError) as exc:
        run_import_records(job, lambda done, total: seen.append((done, total)))
    assert exc.value.message.startswith("共 1 处问题，未导入任何内容。")
    assert "第2行 日期 “2023-13-40”" in exc.value.message
    assert GOOD[0].split(",")[0] not in exc.value.message  # no full ID number
    assert seen == [(2, 2)]
    assert not Record.objects.exists() and kept_files(people.school_admin_a) == []


def test_an_unknown_number_is_masked_in_the_jobs_message(people: Any) -> None:
    stranger = id_number(77)
    row = GOOD[0].replace(GOOD[0].split(",")[0], stranger)
    job = job_for(
        people, JobKind.IMPORT_RECORDS, people.school_a, people.school_admin_a,
        csv_bytes(row), ".csv",
    )  # fmt: skip
    with pytest.raises(JobError) as exc:
        KINDS[JobKind.IMPORT_RECORDS].run(job, lambda done, total: None)
    assert stranger not in exc.value.message and stranger[:6] in exc.value.message


def test_a_roster_job_writes_the_school(
    people: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(people.school_admin_a)
    url = reverse("imports:teachers", args=[people.school_a.pk])
    data = SimpleUploadedFile("名单.xlsx", xlsx(good_rows()).getvalue())
    confirm = client.post(url, {"file": data}).context["confirm"]
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url, {"token": confirm.initial["token"], "name": confirm.initial["name"]}
        )
    job = Job.objects.get(kind=JobKind.IMPORT_TEACHERS)
    assert done.status_code == 302 and done.url == reverse("jobs:detail", args=[job.pk])
    assert job.status == JobStatus.DONE, job.error
    assert job.message == "已添加 2 人，更新 0 人，0 人未变。"
    assert Teacher.objects.filter(id_number=id_number(40), school=people.school_a).exists()
    assert kept_files(people.school_admin_a) == []
    assert KINDS[JobKind.IMPORT_TEACHERS].link(job)[0] == reverse(
        "portal:roster", args=[people.school_a.pk]
    )


def test_a_roster_job_refuses_a_changed_file(people: Any) -> None:
    rows = good_rows()
    rows[2][1] = rows[1][1]  # the same ID number twice
    job = job_for(
        people, JobKind.IMPORT_TEACHERS, people.school_a, people.school_admin_a,
        xlsx(rows).getvalue(), ".xlsx",
    )  # fmt: skip
    with pytest.raises(JobError) as exc:
        run_import_teachers(job, lambda done, total: None)
    assert "未导入任何内容" in exc.value.message and "与第2行的身份证号重复" in exc.value.message
    assert not Teacher.objects.filter(id_number=id_number(40)).exists()
    assert kept_files(people.school_admin_a) == []


def test_kept_files_expire(people: Any, client: Any, settings: Any) -> None:
    settings.XUEFEN_IMPORT_KEEP_HOURS = 1
    job = job_for(
        people, JobKind.IMPORT_RECORDS, people.school_a, people.school_admin_a,
        csv_bytes(*GOOD), ".csv",
    )  # fmt: skip
    (stale,) = kept_files(people.school_admin_a)
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    with pytest.raises(JobError) as exc:
        run_import_records(job, lambda done, total: None)
    assert "已过期" in exc.value.message and not Record.objects.exists()
    # A preview's file expired: the confirmation refuses it.
    client.force_login(people.school_admin_a)
    token = records_upload(client, csv_bytes(*GOOD)).context["token"]
    for path in kept_files(people.school_admin_a):
        os.utime(path, (two_hours_ago, two_hours_ago))
    refused = client.post(reverse("imports:records"), {"token": token, "confirm": "1"})
    assert refused.status_code == 302 and not Record.objects.exists() and Job.objects.count() == 1
    # The next upload removes the old files and keeps only its own.
    records_upload(client, csv_bytes(*GOOD))
    assert len(kept_files(people.school_admin_a)) == 1
    assert kept.kept_file(people.school_admin_a, "../../etc/passwd") is None
