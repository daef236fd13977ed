# ruff: noqa: F811 (the fixtures imported from test_submissions)
"""The sign-off, submission, county and revocation pages: who reaches them, what they show,
that each calls its service and shows its refusal on the page, and query-count guards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.credits.test_submissions import (  # noqa: F401 (fixtures)
    CERTIFY_DAY,
    approved,
    on,
    period,
    publish,
    signed,
    submitted,
)
from tests.portal.access import assert_anonymous_redirects_to_login, assert_status
from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry
from xuefen.credits.choices import SubmissionStatus
from xuefen.credits.models import Submission, WindowException
from xuefen.credits.submissions import submission_return
from xuefen.org.choices import NodeKind, SchoolKind
from xuefen.org.services import node_create
from xuefen.records.choices import RecordStatus
from xuefen.records.models import IntegrityEntry, Record

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.logout()
    client.force_login(user)
    return client


# -- the sign page ---------------------------------------------------------------------


def test_sign_page_is_the_principals(client, people, period, on) -> None:
    url = reverse("credits:sign", args=[people.school_a.pk]) + f"?period={period.key}"
    assert_anonymous_redirects_to_login(client, url)
    assert_status(client, url, people.nobody, 403)
    assert_status(client, url, people.school_admin_a, 404)
    assert_status(client, url, people.county_admin, 404)  # the county does not sign
    assert_status(client, url, people.teacher_a.user, 404)
    page = assert_status(client, url, people.principal_a, 200).content.decode()
    assert "思茅一中" in page and period.name in page


def test_sign_refused_without_a_notice_shows_why(client, people, period, on) -> None:
    url = reverse("credits:sign", args=[people.school_a.pk])
    response = as_user(client, people.principal_a).post(
        url, {"period": period.key, "confirm": "on"}
    )
    assert response.status_code == 200
    assert period.name in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert not Submission.objects.exists()


def test_principal_signs_on_the_page(client, people, period, approved, on) -> None:
    publish(people, period)
    url = reverse("credits:sign", args=[people.school_a.pk])
    client = as_user(client, people.principal_a)
    unconfirmed = client.post(url, {"period": period.key})
    assert unconfirmed.status_code == 200 and not Submission.objects.exists()
    response = client.post(url, {"period": period.key, "confirm": "on", "reason": "已核对"})
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("credits:submission", args=[submission.pk])
    assert AuditEntry.objects.get(event=Event.SUBMISSION_SIGN).reason == "已核对"
    # The school's page shows the submission part with the submit button.
    page = as_user(client, people.school_admin_a).get(
        reverse("credits:submission", args=[submission.pk])
    )
    assert page.status_code == 200
    assert reverse("credits:submission-act", args=[submission.pk, "submit"]) in (
        page.content.decode()
    )


# -- the submission page and its buttons -----------------------------------------------


def test_submission_page_scope_and_buttons(client, people, period, on) -> None:
    submission = signed(people, period)
    url = reverse("credits:submission", args=[submission.pk])
    assert_anonymous_redirects_to_login(client, url)
    assert_status(client, url, people.school_admin_b, 404)
    assert_status(client, url, people.county_y_admin, 404)
    assert_status(client, url, people.teacher_a.user, 404)
    page = assert_status(client, url, people.school_admin_a, 200).content.decode()
    submit = reverse("credits:submission-act", args=[submission.pk, "submit"])
    assert submit in page
    county_page = assert_status(client, url, people.county_admin, 200).content.decode()
    assert submit not in county_page  # the county does not submit for the school


def test_submit_withdraw_and_refusals_on_the_page(client, people, period, on) -> None:
    submission = signed(people, period)
    client = as_user(client, people.school_admin_a)
    withdraw = reverse("credits:submission-act", args=[submission.pk, "withdraw"])
    refused = client.post(withdraw, {"reason": ""})
    assert refused.status_code == 200 and 'role="alert"' in refused.content.decode()
    submit = reverse("credits:submission-act", args=[submission.pk, "submit"])
    here = reverse("credits:school") + f"?school={people.school_a.pk}"
    response = client.post(submit, {"next": here})
    assert response.status_code == 302 and response["Location"] == here
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED
    # A foreign next is ignored.
    again = client.post(submit, {"next": "https://evil.example/"})
    assert again.status_code == 200  # refused (already submitted), shown on the page
    assert client.post(
        reverse("credits:submission-act", args=[submission.pk, "dance"])
    ).status_code == (404)
    # The principal cannot certify: 403.
    certify = reverse("credits:submission-act", args=[submission.pk, "certify"])
    assert as_user(client, people.principal_a).post(certify).status_code == 403
    # Another school's administrator does not reach it: 404.
    assert as_user(client, people.school_admin_b).post(submit).status_code == 404


# -- the county page -------------------------------------------------------------------


def test_county_page_scope(client, people, on) -> None:
    url = reverse("credits:county")
    assert_anonymous_redirects_to_login(client, url)
    assert_status(client, url, people.nobody, 403)
    assert_status(client, url, people.school_admin_a, 404)
    assert_status(client, url, people.principal_a, 404)
    assert_status(client, url, people.teacher_a.user, 404)
    page = assert_status(client, url, people.county_admin, 200).content.decode()
    assert "思茅一中" in page and "思茅二小" in page and "宁洱一小" not in page
    other = assert_status(client, url, people.county_y_admin, 200).content.decode()
    assert "宁洱一小" in other and "思茅一中" not in other
    # Another county's node in the query string is a 404.
    foreign = f"{url}?node={people.county_y.pk}"
    assert_status(client, foreign, people.county_admin, 404)


def test_county_certifies_from_its_page(client, people, period, approved, on) -> None:
    submission = submitted(people, period)
    on(CERTIFY_DAY)
    client = as_user(client, people.county_admin)
    url = reverse("credits:county") + f"?node={people.county_x.pk}&period={period.key}"
    page = client.get(url).content.decode()
    certify = reverse("credits:submission-act", args=[submission.pk, "certify"])
    assert certify in page
    # Submitted schools come first.
    assert page.index(f'data-school="{people.school_a.pk}"') < page.index(
        f'data-school="{people.school_b.pk}"'
    )
    response = client.post(certify, {"next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert Record.objects.filter(status=RecordStatus.CERTIFIED).count() == 2
    assert AuditEntry.objects.filter(event=Event.SUBMISSION_CERTIFY).count() == 1


def test_out_of_window_certification_is_refused_with_the_reason(
    client, people, period, approved, on
) -> None:
    submission = submitted(people, period)
    on(dt.date(2024, 2, 1))  # before the certification window
    certify = reverse("credits:submission-act", args=[submission.pk, "certify"])
    response = as_user(client, people.county_admin).post(certify)
    assert response.status_code == 200
    text = response.content.decode()
    assert "2024-03-01" in text and 'role="alert"' in text
    assert Record.objects.filter(status=RecordStatus.CERTIFIED).count() == 0


def test_county_returns_with_a_reason_from_its_page(client, people, period, on) -> None:
    submission = submitted(people, period)
    on(CERTIFY_DAY)
    give_back = reverse("credits:submission-act", args=[submission.pk, "return"])
    response = as_user(client, people.county_admin).post(give_back, {"reason": "缺少签章"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.status, submission.reason) == (SubmissionStatus.RETURNED, "缺少签章")
    page = as_user(client, people.principal_a).get(
        reverse("credits:submission", args=[submission.pk])
    )
    assert "缺少签章" in page.content.decode()


def test_county_opens_an_exception_on_its_page(client, people, period, on) -> None:
    on(dt.date(2024, 1, 5))
    client = as_user(client, people.county_admin)
    url = reverse("credits:county") + f"?node={people.county_x.pk}&period={period.key}"
    missing = client.post(
        url,
        {"node": people.school_a.pk, "window": "recognition", "open_until": "2024-01-10"},
    )
    assert missing.status_code == 200 and not WindowException.objects.exists()
    past = client.post(
        url,
        {
            "node": people.school_a.pk,
            "window": "recognition",
            "open_until": "2023-12-01",
            "reason": "延期",
        },
    )
    assert past.status_code == 200 and not WindowException.objects.exists()
    foreign = client.post(
        url,
        {
            "node": people.school_c.pk,
            "window": "recognition",
            "open_until": "2024-01-10",
            "reason": "延期",
        },
    )
    assert foreign.status_code == 200 and not WindowException.objects.exists()
    response = client.post(
        url,
        {
            "node": people.school_a.pk,
            "window": "recognition",
            "open_until": "2024-01-10",
            "reason": "校长出差",
        },
    )
    assert response.status_code == 302
    exception = WindowException.objects.get()
    assert (exception.node, exception.start) == (people.school_a, period.start)
    assert AuditEntry.objects.filter(event=Event.WINDOW_EXCEPTION).count() == 1
    assert "校长出差" in client.get(url).content.decode()


def test_county_page_queries_do_not_grow_with_schools(
    client, people, period, on, django_assert_max_num_queries
) -> None:
    for school in (people.school_a, people.school_b):
        publish(people, period, school=school)
    signed(people, period)
    client = as_user(client, people.county_admin)
    url = reverse("credits:county") + f"?node={people.county_x.pk}&period={period.key}"
    with django_assert_max_num_queries(40) as few:
        assert client.get(url).status_code == 200
    for n in range(6):
        school = node_create(
            actor=people.root,
            parent=people.county_x,
            kind=NodeKind.SCHOOL,
            name=f"思茅{n}小",
            school_kind=SchoolKind.PRIMARY,
        )
        publish(people, period, school=school)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert "思茅5小" in page.content.decode()


# -- revocation ------------------------------------------------------------------------


def test_revoke_page_scope(client, people, make_record) -> None:
    record = make_record(status="certified")
    url = reverse("credits:revoke", args=[record.pk])
    assert_anonymous_redirects_to_login(client, url)
    assert_status(client, url, people.school_admin_a, 404)
    assert_status(client, url, people.principal_a, 404)
    assert_status(client, url, people.teacher_a.user, 404)
    assert_status(client, url, people.county_y_admin, 404)
    page = assert_status(client, url, people.county_admin, 200).content.decode()
    assert "张丽" in page


def test_revoke_for_forgery_writes_the_integrity_entry(client, people, make_record) -> None:
    record = make_record(status="certified")
    url = reverse("credits:revoke", args=[record.pk])
    client = as_user(client, people.county_admin)
    refused = client.post(url, {"reason": "", "forgery": "on"})
    assert refused.status_code == 200 and not IntegrityEntry.objects.exists()
    response = client.post(url, {"reason": "证书系伪造", "forgery": "on"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.REVOKED
    entry = IntegrityEntry.objects.get()
    assert (entry.teacher, entry.record, entry.reason) == (people.teacher_a, record, "证书系伪造")
    assert AuditEntry.objects.filter(event=Event.RECORD_REVOKE, target_id=str(record.pk)).exists()
    assert AuditEntry.objects.filter(event=Event.INTEGRITY_ENTRY).count() == 1
    page = client.get(url).content.decode()
    assert "证书系伪造" in page  # the teacher's integrity record on the page
    again = client.post(url, {"reason": "再次撤销"})
    assert again.status_code == 200  # revoked already: the form is gone, nothing happens
    assert IntegrityEntry.objects.count() == 1


def test_revoke_without_forgery_writes_no_integrity_entry(client, people, make_record) -> None:
    record = make_record(status="certified")
    response = as_user(client, people.county_admin).post(
        reverse("credits:revoke", args=[record.pk]), {"reason": "重复登记"}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.REVOKED and not IntegrityEntry.objects.exists()


def test_a_large_period_is_certified_by_the_worker(
    client, people, period, approved, on, settings, django_capture_on_commit_callbacks
) -> None:
    """Above XUEFEN_CERTIFY_INLINE_MAX approved records, the county's click starts a job
    (its page shows the outcome) instead of certifying inside the request."""
    from xuefen.jobs.choices import JobKind, JobStatus
    from xuefen.jobs.models import Job

    settings.XUEFEN_CERTIFY_INLINE_MAX = 1
    submission = submitted(people, period)
    on(CERTIFY_DAY)
    client = as_user(client, people.county_admin)
    certify = reverse("credits:submission-act", args=[submission.pk, "certify"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(certify, {"reason": ""})
    job = Job.objects.get(kind=JobKind.CERTIFY)
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert "2" in job.message
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and job.message in detail.content.decode()
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.CERTIFIED
    assert Record.objects.filter(status=RecordStatus.CERTIFIED).count() == 2
    # A second click finds the period certified: refused on the page, no second job.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(certify, {"reason": ""})
    assert again.status_code in (200, 400)
    assert "已认定" in again.content.decode()
    assert Job.objects.filter(kind=JobKind.CERTIFY).count() == 1
    assert AuditEntry.objects.filter(event=Event.SUBMISSION_CERTIFY).count() == 1


def test_the_certification_job_reports_a_refusal(people, period, approved, on) -> None:
    """A job started for a period the county returned meanwhile fails with the reason."""
    from xuefen.jobs.choices import JobKind, JobStatus
    from xuefen.jobs.kinds import JobError, run_certify
    from xuefen.jobs.models import Job

    submission = submitted(people, period)
    on(CERTIFY_DAY)
    submission_return(actor=people.county_admin, submission=submission, reason="材料不全")
    job = Job.objects.create(
        kind=JobKind.CERTIFY,
        node=people.school_a,
        started_by=people.county_admin,
        params={"submission": submission.pk, "reason": ""},
        status=JobStatus.RUNNING,
    )
    with pytest.raises(JobError) as exc:
        run_certify(job, lambda done, total: None)
    assert "已退回" in exc.value.message
    assert not Record.objects.filter(status=RecordStatus.CERTIFIED).exists()
