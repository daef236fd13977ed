"""The roster import pages: upload → preview → confirm, scope, masking, the template."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import id_number
from tests.imports.test_teachers import good_rows, xlsx
from xuefen.org.models import Teacher
from xuefen.org.validators import mask_id_number


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client: Any, school: Any, rows: list[list[Any]], name: str = "名单.xlsx") -> Any:
    data = SimpleUploadedFile(name, xlsx(rows).getvalue())
    return client.post(reverse("imports:teachers", args=[school.pk]), {"file": data})


def kept_files(user: Any) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "imports" / str(user.pk)
    return list(folder.glob("*")) if folder.exists() else []


def test_upload_preview_confirm(client: Any, people: Any) -> None:
    admin = people.school_admin_a
    client.force_login(admin)
    page = client.get(reverse("imports:teachers", args=[people.school_a.pk]))
    assert page.status_code == 200
    preview = upload(client, people.school_a, good_rows())
    assert preview.status_code == 200
    assert not Teacher.objects.filter(id_number=id_number(40)).exists()
    confirm = preview.context["confirm"]
    assert len(kept_files(admin)) == 1
    done = client.post(
        reverse("imports:teachers", args=[people.school_a.pk]),
        {"token": confirm.initial["token"], "name": confirm.initial["name"]},
    )
    assert done.status_code == 200
    assert Teacher.objects.filter(id_number=id_number(40), school=people.school_a).exists()
    assert kept_files(admin) == []
    # the same token again: the file is gone, nothing happens
    again = client.post(
        reverse("imports:teachers", args=[people.school_a.pk]),
        {"token": confirm.initial["token"], "name": confirm.initial["name"]},
    )
    assert again.status_code == 400


def test_confirm_checks_the_kept_file_again(client: Any, people: Any) -> None:
    client.force_login(people.school_admin_a)
    preview = upload(client, people.school_a, good_rows())
    confirm = preview.context["confirm"]
    # between preview and confirm the number is registered at another school
    from xuefen.org.services import teacher_create

    teacher_create(actor=people.root, school=people.school_b, name="先到", id_number=id_number(40))
    page = client.post(
        reverse("imports:teachers", args=[people.school_a.pk]),
        {"token": confirm.initial["token"], "name": confirm.initial["name"]},
    )
    assert page.status_code == 200 and page.context["problems"]
    assert kept_files(people.school_admin_a) == []
    assert not Teacher.objects.filter(id_number=id_number(41, female=True)).exists()


def test_bad_rows_are_listed_and_nothing_can_be_confirmed(client: Any, people: Any) -> None:
    client.force_login(people.school_admin_a)
    page = upload(
        client, people.school_a, [*good_rows(), ["坏", "123", "", "", "", "", "", "", ""]]
    )
    assert page.status_code == 200
    assert page.context["problems"] and "confirm" not in page.context
    assert kept_files(people.school_admin_a) == []


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00", b""])
def test_garbage_uploads_are_answered_calmly(client: Any, people: Any, data: bytes) -> None:
    client.force_login(people.school_admin_a)
    page = client.post(
        reverse("imports:teachers", args=[people.school_a.pk]),
        {"file": SimpleUploadedFile("x.xlsx", data)},
    )
    assert page.status_code == 200


def test_other_schools_and_other_roles_get_404(client: Any, people: Any) -> None:
    url = reverse("imports:teachers", args=[people.school_a.pk])
    for user in (
        people.school_admin_b,
        people.county_y_admin,
        people.teacher_a.user,
        people.nobody,
    ):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert upload(client, people.school_a, good_rows()).status_code == 404
    assert not Teacher.objects.filter(id_number=id_number(40)).exists()
    client.force_login(people.county_admin)
    assert client.get(url).status_code == 200


def test_forged_tokens_are_refused(client: Any, people: Any) -> None:
    client.force_login(people.school_admin_a)
    url = reverse("imports:teachers", args=[people.school_a.pk])
    for token in ("../../etc/passwd", "x" * 32, ""):
        assert client.post(url, {"token": token, "name": "a.xlsx"}).status_code == 400


def test_id_numbers_are_masked_for_roles_that_do_not_see_them(
    client: Any, people: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("xuefen.imports.teacher_views.can_see_id_number", lambda u, t: False)
    monkeypatch.setattr(
        "xuefen.imports.teacher_views.display_id_number",
        lambda u, t: mask_id_number(t.id_number),
    )
    client.force_login(people.school_admin_a)
    rows = [*good_rows(), ["李强", people.teacher_a2.id_number, "", "", "数学", "", "", "", ""]]
    page = upload(client, people.school_a, rows)
    text = page.content.decode()
    assert id_number(40) not in text and mask_id_number(id_number(40)) in text
    assert people.teacher_a2.id_number not in text
    bad = upload(client, people.school_a, [HEAD_BAD, ["坏", BAD_ID]])
    assert BAD_ID not in bad.content.decode()


HEAD_BAD = ["姓名", "身份证号"]
BAD_ID = id_number(60)[:17] + ("0" if id_number(60)[17] != "0" else "1")


def test_staff_see_full_numbers_in_the_preview(client: Any, people: Any) -> None:
    client.force_login(people.school_admin_a)
    page = upload(client, people.school_a, good_rows())
    assert id_number(40) in page.content.decode()


def test_template_download(client: Any, people: Any) -> None:
    client.force_login(people.school_admin_a)
    response = client.get(reverse("imports:teachers_template"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert header[:2] == ("姓名", "身份证号")
