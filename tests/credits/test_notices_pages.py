"""The notice pages: the school's workflow home, one notice on a teacher's phone, and the
buttons (publish, object, answer, close, withdraw) — scope (404 out of it), refusals shown
on the page (400, never a 500), no ID numbers, and query counts that do not grow with the
school.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import id_number
from xuefen.credits.choices import NoticeStatus, ObjectionStatus
from xuefen.credits.models import Notice, NoticeLine, Objection
from xuefen.credits.notices import notice_publish, objection_raise
from xuefen.credits.procedure import procedure_at
from xuefen.org.services import teacher_create

pytestmark = pytest.mark.django_db

DAY = dt.date(2023, 11, 15)


@pytest.fixture
def on(monkeypatch):
    def set_day(day: dt.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)

    set_day(DAY)
    return set_day


@pytest.fixture
def period(people):
    return procedure_at(people.school_a, dt.date(2023, 6, 1)).period_of(dt.date(2023, 6, 1))


@pytest.fixture
def notice(people, period, on, make_record):
    make_record(people.teacher_a, status="certified", date=dt.date(2023, 3, 10))
    return notice_publish(actor=people.school_admin_a, school=people.school_a, period=period)


def login(client, user):
    client.force_login(user)
    return client


def line_of(notice, teacher):
    return NoticeLine.objects.get(notice=notice, teacher=teacher)


# -- the school page ---------------------------------------------------------------------


def test_school_page_for_the_school_admin(people, client, on, make_record):
    make_record(people.teacher_a, status="submitted", date=dt.date(2023, 5, 1))
    page = login(client, people.school_admin_a).get(reverse("credits:school"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "思茅一中" in html and "2023" in html
    assert reverse("credits:publish") in html and 'name="days"' in html and 'value="7"' in html
    assert page.context["panel"].waiting_review == 1
    assert 'id="submission-panel"' in html  # the submission part's place


def test_school_page_other_period_and_out_of_scope(people, client, on, period):
    client = login(client, people.school_admin_a)
    page = client.get(reverse("credits:school"), {"period": "year:2022-01-01"})
    assert page.context["period"].label == "2022"
    page = client.get(reverse("credits:school"), {"period": "nonsense"})
    assert page.context["period"] == period  # falls back to the current one
    assert client.get(reverse("credits:school"), {"school": people.school_b.pk}).status_code == 404
    assert client.get(reverse("credits:school"), {"school": "x1"}).status_code == 404


def test_school_page_for_a_teacher_lists_the_notices(people, client, notice):
    page = login(client, people.teacher_a.user).get(reverse("credits:school"))
    assert page.status_code == 200
    assert reverse("credits:notice", args=[notice.pk]) in page.content.decode()
    assert reverse("credits:publish") not in page.content.decode()


def test_school_page_for_a_county_admin_offers_the_schools(people, client, on):
    page = login(client, people.county_admin).get(reverse("credits:school"))
    assert page.status_code == 200 and "思茅一中" in page.content.decode()
    assert "宁洱一小" not in page.content.decode()
    one = client.get(reverse("credits:school"), {"school": people.school_a.pk})
    assert one.status_code == 200 and one.context["school"] == people.school_a


def test_school_page_query_count(people, client, on, notice, django_assert_max_num_queries):
    client = login(client, people.school_admin_a)
    client.get(reverse("credits:school"))
    with django_assert_max_num_queries(30):
        assert client.get(reverse("credits:school")).status_code == 200


# -- publish -----------------------------------------------------------------------------


def _publish_data(people, period, **extra):
    return {"school": people.school_a.pk, "period": period.key, "days": 7, "note": "", **extra}


def test_publish_button(people, client, period, on):
    response = login(client, people.school_admin_a).post(
        reverse("credits:publish"), _publish_data(people, period, note="请核对")
    )
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("credits:notice", args=[notice.pk])
    assert notice.note == "请核对" and notice.lines.count() == 2


def test_publish_refused_is_shown_on_the_page(people, client, period, on, make_record):
    make_record(people.teacher_a, status="submitted", date=dt.date(2023, 5, 1))
    client = login(client, people.school_admin_a)
    response = client.post(reverse("credits:publish"), _publish_data(people, period))
    assert response.status_code == 400 and not Notice.objects.exists()
    assert response.context["publish_form"].non_field_errors()
    assert "1" in response.context["publish_form"].non_field_errors()[0]
    response = client.post(reverse("credits:publish"), _publish_data(people, period, days=0))
    assert response.status_code == 400 and response.context["publish_form"].errors["days"]


def test_publish_twice_from_a_stale_page_is_refused(people, client, period, on):
    client = login(client, people.school_admin_a)
    client.post(reverse("credits:publish"), _publish_data(people, period))
    response = client.post(reverse("credits:publish"), _publish_data(people, period))
    assert response.status_code == 400 and Notice.objects.count() == 1
    first = Notice.objects.get()
    again = client.post(reverse("credits:publish"), _publish_data(people, period, current=first.pk))
    assert again.status_code == 302 and Notice.objects.get(pk=first.pk).status == "superseded"


@pytest.mark.parametrize("who", ["teacher_a", "school_admin_b", "peer_assessor"])
def test_publish_out_of_scope_is_404(people, client, period, on, who):
    actor = getattr(people, who)
    response = login(client, getattr(actor, "user", actor)).post(
        reverse("credits:publish"), _publish_data(people, period)
    )
    assert response.status_code == 404 and not Notice.objects.exists()


# -- the notice page ---------------------------------------------------------------------


def test_teacher_sees_every_line_and_their_own_first(people, client, notice):
    page = login(client, people.teacher_a.user).get(reverse("credits:notice", args=[notice.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "张丽" in html and "李强" in html
    for teacher in (people.teacher_a, people.teacher_a2):
        assert teacher.id_number not in html and teacher.id_number[-4:] not in html
    mine = line_of(notice, people.teacher_a)
    assert page.context["mine"] == mine
    assert f'data-line="{mine.pk}" aria-current="true"' in html
    assert reverse("credits:object", args=[notice.pk]) in html
    assert reverse("credits:notice_close", args=[notice.pk]) not in html


def test_notice_of_another_school_is_404(people, client, notice):
    for user in (people.teacher_b.user, people.school_admin_b, people.nobody):
        assert login(client, user).get(reverse("credits:notice", args=[notice.pk])).status_code in (
            403,
            404,
        )


def test_notice_page_query_count_does_not_grow(
    people, client, period, on, django_assert_max_num_queries
):
    for seq in range(20):
        teacher_create(
            actor=people.root,
            school=people.school_a,
            name=f"教师{seq}",
            id_number=id_number(100 + seq),
            stage="primary",
        )
    notice = notice_publish(actor=people.school_admin_a, school=people.school_a, period=period)
    assert notice.teachers == 22
    objection_raise(actor=people.teacher_a.user, line=line_of(notice, people.teacher_a), reason="x")
    for user in (people.teacher_a.user, people.school_admin_a):
        client = login(client, user)
        client.get(reverse("credits:notice", args=[notice.pk]))
        with django_assert_max_num_queries(20):
            page = client.get(reverse("credits:notice", args=[notice.pk]))
        assert page.status_code == 200 and len(page.context["lines"]) == 22


# -- objections --------------------------------------------------------------------------


def test_teacher_objects_from_the_page(people, client, notice):
    client = login(client, people.teacher_a.user)
    url = reverse("credits:object", args=[notice.pk])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400 and response.context["objection_form"].errors["reason"]
    response = client.post(url, {"reason": "少了12学时集中培训"})
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.teacher == people.teacher_a and objection.status == ObjectionStatus.OPEN
    page = client.get(reverse("credits:notice", args=[notice.pk]))
    assert "少了12学时集中培训" in page.content.decode() and page.context["objection_form"] is None
    response = client.post(reverse("credits:objection_withdraw", args=[objection.pk]))
    assert response.status_code == 302
    assert Objection.objects.get().status == ObjectionStatus.WITHDRAWN


def test_object_refusals(people, client, notice, on):
    assert (
        login(client, people.teacher_b.user)
        .post(reverse("credits:object", args=[notice.pk]), {"reason": "x"})
        .status_code
        == 404
    )
    assert (
        login(client, people.school_admin_a)
        .post(reverse("credits:object", args=[notice.pk]), {"reason": "x"})
        .status_code
        == 404
    )
    on(notice.ends_on + dt.timedelta(days=1))
    response = login(client, people.teacher_a.user).post(
        reverse("credits:object", args=[notice.pk]), {"reason": "x"}
    )
    assert response.status_code == 400 and not Objection.objects.exists()
    assert notice.ends_on.isoformat() in response.context["objection_form"].non_field_errors()[0]


def test_school_answers_from_the_page(people, client, notice):
    objection = objection_raise(
        actor=people.teacher_a.user, line=line_of(notice, people.teacher_a), reason="x"
    )
    url = reverse("credits:answer", args=[objection.pk])
    assert login(client, people.teacher_a.user).post(url, {"answer": "y"}).status_code == 404
    assert login(client, people.school_admin_b).post(url, {"answer": "y"}).status_code == 404
    client = login(client, people.school_admin_a)
    page = client.get(reverse("credits:notice", args=[notice.pk]))
    assert url in page.content.decode()
    response = client.post(url, {"answer": ""})
    assert response.status_code == 400
    response = client.post(url, {"answer": "已核对"})
    assert response.status_code == 302
    assert Objection.objects.get().answer == "已核对"
    response = client.post(url, {"answer": "again"})
    assert response.status_code == 400  # answered already: said on the page


def test_close_and_withdraw_buttons(people, client, notice, on):
    client = login(client, people.school_admin_a)
    close = reverse("credits:notice_close", args=[notice.pk])
    response = client.post(close)
    assert response.status_code == 400 and response.context["errors"]
    on(notice.ends_on)
    assert client.post(close).status_code == 302
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.CLOSED
    withdraw = reverse("credits:notice_withdraw", args=[notice.pk])
    response = client.post(withdraw, {"reason": ""})
    assert response.status_code == 400 and response.context["withdraw_form"].errors
    assert client.post(withdraw, {"reason": "重新统计"}).status_code == 302
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.WITHDRAWN
    teacher = login(client, people.teacher_a.user)
    assert teacher.post(close).status_code == 404
