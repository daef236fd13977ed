"""Evidence files: checked by content, not name; stored under generated names outside
any served folder; served only to users who may see the record (404 otherwise); added
and removed only while the record may change — each refusal with a clear Chinese message
and no row or file left behind."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from xuefen.audit.choices import Event
from xuefen.audit.models import AuditEntry
from xuefen.records.evidence import check_upload, sniff
from xuefen.records.models import Evidence
from xuefen.records.services import evidence_add, evidence_delete, record_submit

pytestmark = pytest.mark.db_backend

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03" + b"\x00" * 200 + b"This program cannot be run in DOS mode."


def ooxml(part: str, *, macros: bool = False, content_types: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if content_types:
            archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(part, "<document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00\x01")
    return buffer.getvalue()


def ole(stream: str) -> bytes:
    header = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504
    return header + (stream + "\x00").encode("utf-16-le") + b"\x00" * 64


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def refusal(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.message_dict["file"])


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def draft(people: Any, make_record: Any) -> Any:
    """A draft of teacher_a, entered by teacher_a."""
    return make_record(actor=people.teacher_a.user)


# -- what the content check accepts and refuses ------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (JPEG, "jpg"),
        (ooxml("word/document.xml"), "docx"),
        (ooxml("xl/workbook.xml"), "xlsx"),
        (ooxml("ppt/presentation.xml"), "pptx"),
        (ole("WordDocument"), "doc"),
        (ole("Workbook"), "xls"),
        (ole("PowerPoint Document"), "ppt"),
        (ole("SummaryInformation"), None),  # an installer package is OLE2 too
        (ooxml("readme.txt", content_types=False), None),  # a plain zip
        (b"just some text", None),
        (b"<html><script>alert(1)</script></html>", None),
        (b"PK\x03\x04 broken zip", None),
    ],
)
def test_sniff(content: bytes, expected: str | None) -> None:
    assert sniff(content) == expected


def test_check_refusals_are_chinese_and_name_the_file(settings: Any) -> None:
    settings.XUEFEN_EVIDENCE_MAX_BYTES = 1000
    cases = {
        "证书.pdf": (EXE, "证书.pdf”是可执行程序"),
        "大文件.pdf": (PDF + b"0" * 2000, "单个文件不能超过"),
        "说明.pdf": (b"hello", "不是 PDF、JPEG、PNG 或 Office 文档"),
        "宏.docx": (ooxml("word/document.xml", macros=True), "含有宏"),
        "空.pdf": (b"", "是空文件"),
    }
    with translation.override("zh-hans"):
        for name, (content, text) in cases.items():
            with pytest.raises(ValidationError) as exc:
                check_upload(upload(name, content))
            assert text in refusal(exc), name
        for name in ("../../x.pdf", "C:\\x.pdf", "a/b.pdf", "..", "x\x00.pdf"):
            with pytest.raises(ValidationError) as exc:
                check_upload(upload("x.pdf", PDF), name)
            assert "文件名中不能含有文件夹路径" in refusal(exc), name


# -- the service ---------------------------------------------------------------------------


def test_evidence_add_stores_under_a_generated_name(people: Any, draft: Any) -> None:
    evidence = evidence_add(
        actor=people.teacher_a.user, record=draft, file=upload("结业证书 (1).PDF", PDF)
    )
    assert evidence.name == "结业证书 (1).PDF"
    stored = Path(evidence.file.name)
    assert stored.suffix == ".pdf" and "结业" not in stored.name
    assert Path(evidence.file.path).read_bytes() == PDF
    assert Path(evidence.file.path).is_relative_to(Path(settings.MEDIA_ROOT))
    entry = AuditEntry.objects.get(event=Event.EVIDENCE_ADD, target_id=str(evidence.pk))
    assert entry.new_values["type"] == "pdf" and entry.actor == people.teacher_a.user


def test_type_comes_from_content_not_name(people: Any, draft: Any) -> None:
    # A PNG named .pdf is kept as what it is.
    evidence = evidence_add(actor=people.teacher_a.user, record=draft, file=upload("x.pdf", PNG))
    assert evidence.file.name.endswith(".png")


@pytest.mark.parametrize(
    ("name", "content"),
    [("setup.pdf", EXE), ("x.jpg", b"#!/bin/sh\nrm -rf /\n"), ("notes.docx", b"plain text")],
)
def test_refused_files_leave_nothing(people: Any, draft: Any, name: str, content: bytes) -> None:
    before = stored_files()
    with pytest.raises(ValidationError):
        evidence_add(actor=people.teacher_a.user, record=draft, file=upload(name, content))
    assert not Evidence.objects.exists()
    assert not AuditEntry.objects.filter(event=Event.EVIDENCE_ADD).exists()
    assert stored_files() == before


def test_oversize_refused(people: Any, draft: Any, settings: Any) -> None:
    settings.XUEFEN_EVIDENCE_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        evidence_add(actor=people.teacher_a.user, record=draft, file=upload("a.pdf", PDF * 10))
    assert "MB" in refusal(exc)
    assert not Evidence.objects.exists()


def test_path_in_the_name_refused(people: Any, draft: Any) -> None:
    for name in ("../../x.pdf", "C:\\x.pdf"):
        with pytest.raises(ValidationError):
            evidence_add(
                actor=people.teacher_a.user, record=draft, file=upload("x.pdf", PDF), name=name
            )
    assert not Evidence.objects.exists()


def test_another_schools_teacher_record_refused(people: Any, make_record: Any) -> None:
    record_b = make_record(people.teacher_b, actor=people.teacher_b.user)
    for actor in (people.teacher_a.user, people.school_admin_a):
        with pytest.raises(PermissionDenied):
            evidence_add(actor=actor, record=record_b, file=upload("x.pdf", PDF))
    assert not Evidence.objects.exists()


def test_locked_or_submitted_records_refuse_files(people: Any, draft: Any) -> None:
    evidence = evidence_add(actor=people.teacher_a.user, record=draft, file=upload("a.pdf", PDF))
    record_submit(actor=people.teacher_a.user, record=draft)
    with pytest.raises(ValidationError):
        evidence_add(actor=people.teacher_a.user, record=draft, file=upload("b.pdf", PDF))
    with pytest.raises(ValidationError):
        evidence_delete(actor=people.teacher_a.user, evidence=evidence)
    # The school may still add to a submitted record it reviews.
    evidence_add(actor=people.school_admin_a, record=draft, file=upload("c.pdf", PDF))
    assert Evidence.objects.filter(record=draft).count() == 2


def test_evidence_delete(people: Any, draft: Any, django_capture_on_commit_callbacks: Any):
    with django_capture_on_commit_callbacks(execute=True):
        evidence = evidence_add(
            actor=people.teacher_a.user, record=draft, file=upload("a.pdf", PDF)
        )
    path = Path(evidence.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        evidence_delete(actor=people.teacher_a.user, evidence=evidence)
    assert not path.exists() and not Evidence.objects.exists()
    assert AuditEntry.objects.filter(event=Event.EVIDENCE_DELETE).count() == 1


# -- the pages -----------------------------------------------------------------------------


def test_upload_several_files_on_the_edit_page(client: Any, people: Any, draft: Any) -> None:
    client.force_login(people.teacher_a.user)
    response = client.post(
        reverse("records:evidence_add", args=[draft.pk]),
        {"files": [upload("证书.pdf", PDF), upload("照片.jpg", JPEG), upload("病毒.pdf", EXE)]},
        follow=True,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "已上传 2 个文件" in html
    assert "“病毒.pdf”是可执行程序" in html
    assert sorted(Evidence.objects.values_list("name", flat=True)) == ["照片.jpg", "证书.pdf"]
    assert "证书.pdf" in client.get(reverse("records:edit", args=[draft.pk])).content.decode()


def test_upload_with_a_path_in_the_name_keeps_no_path(client: Any, people: Any, draft: Any):
    # The browser's name reaches Django's upload handler, which drops folders; what is
    # stored is a generated name either way.
    client.force_login(people.teacher_a.user)
    client.post(
        reverse("records:evidence_add", args=[draft.pk]),
        {"files": upload("../../etc/x.pdf", PDF)},
    )
    evidence = Evidence.objects.get()
    assert "/" not in evidence.name and ".." not in evidence.name
    assert ".." not in evidence.file.name


def test_upload_to_another_schools_record_is_404(client: Any, people: Any, make_record: Any):
    record_b = make_record(people.teacher_b, actor=people.teacher_b.user)
    client.force_login(people.teacher_a.user)
    response = client.post(
        reverse("records:evidence_add", args=[record_b.pk]), {"files": upload("x.pdf", PDF)}
    )
    assert response.status_code == 404
    assert not Evidence.objects.exists()


def test_upload_without_a_file_is_a_message(client: Any, people: Any, draft: Any) -> None:
    client.force_login(people.teacher_a.user)
    response = client.post(reverse("records:evidence_add", args=[draft.pk]), {}, follow=True)
    assert response.status_code == 200 and 'class="alert"' in response.content.decode()


def test_served_to_the_school_not_to_others(client: Any, people: Any, draft: Any) -> None:
    evidence = evidence_add(
        actor=people.teacher_a.user, record=draft, file=upload('证书"1";.pdf', PDF)
    )
    url = reverse("records:evidence", args=[evidence.pk])
    for user in (people.school_admin_a, people.teacher_a.user, people.county_admin):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("inline; filename=")
        assert "\r" not in disposition and "\n" not in disposition
        assert "filename*=UTF-8''%E8%AF%81%E4%B9%A6" in disposition
    for user in (
        people.teacher_b.user,
        people.school_admin_b,
        people.teacher_a2.user,
        people.county_y_admin,
    ):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(reverse("records:evidence", args=[10**30])).status_code in (302, 404)


def test_office_files_download_as_attachments(client: Any, people: Any, draft: Any) -> None:
    evidence = evidence_add(
        actor=people.teacher_a.user, record=draft, file=upload("表.xlsx", ooxml("xl/a.xml"))
    )
    client.force_login(people.school_admin_a)
    response = client.get(reverse("records:evidence", args=[evidence.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_media_is_not_served(client: Any, people: Any, draft: Any) -> None:
    evidence = evidence_add(actor=people.teacher_a.user, record=draft, file=upload("a.pdf", PDF))
    client.force_login(people.root)
    for prefix in ("/media/", "/" + settings.MEDIA_URL.strip("/") + "/"):
        assert client.get(prefix + evidence.file.name).status_code == 404


def test_remove_a_file_on_the_page(client: Any, people: Any, draft: Any) -> None:
    evidence = evidence_add(actor=people.teacher_a.user, record=draft, file=upload("a.pdf", PDF))
    client.force_login(people.teacher_b.user)
    assert client.post(reverse("records:evidence_delete", args=[evidence.pk])).status_code == 404
    client.force_login(people.teacher_a.user)
    response = client.post(reverse("records:evidence_delete", args=[evidence.pk]))
    assert response["Location"] == reverse("records:edit", args=[draft.pk])
    assert not Evidence.objects.exists()


def test_remove_refused_on_a_submitted_record(client: Any, people: Any, draft: Any) -> None:
    evidence = evidence_add(actor=people.teacher_a.user, record=draft, file=upload("a.pdf", PDF))
    record_submit(actor=people.teacher_a.user, record=draft)
    client.force_login(people.teacher_a.user)
    response = client.post(reverse("records:evidence_delete", args=[evidence.pk]), follow=True)
    assert response.status_code == 200 and 'class="alert"' in response.content.decode()
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_record_page_links_the_files(client: Any, people: Any, draft: Any) -> None:
    evidence = evidence_add(actor=people.teacher_a.user, record=draft, file=upload("a.pdf", PDF))
    client.force_login(people.school_admin_a)
    html = client.get(reverse("portal:record", args=[draft.pk])).content.decode()
    assert reverse("records:evidence", args=[evidence.pk]) in html
