"""Evidence files checked by what they contain, never by their name.

Allowed: PDF, JPEG, PNG, and Office documents — the zip-based ones (docx, xlsx, pptx: a
zip holding ``[Content_Types].xml`` and a ``word/``, ``xl/`` or ``ppt/`` part; with no
macros) and the old compound-file ones (doc, xls, ppt: an OLE2 file holding a
``WordDocument``, ``Workbook``/``Book`` or ``PowerPoint Document`` stream, which an
installer package, also OLE2, does not). Anything else — a program renamed ``x.pdf``, a
plain zip, a script — is refused with a message naming the file.

Why no detection library: of the two on the project's index, ``puremagic`` (1.30) calls any
zip a Word document and ``filetype`` (1.2.0) does not recognise every old Office file; the
zip and OLE2 checks below are needed either way, and the other three formats are one
signature each.

The stored file gets a generated name with the extension of the detected type
(:func:`stored_name`); the name the user gave is kept only for display, and a name that
carries a folder path (``../../x.pdf``, ``C:\\x.pdf``) is refused.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Detected type → MIME type sent when the file is served.
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
# Types a browser may show in place; the others are always downloaded.
INLINE_TYPES = frozenset({"pdf", "jpg", "png"})

_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
# OOXML part folders → type.
_OOXML_PARTS = (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx"))
# OLE2 stream names (stored UTF-16LE in the directory) → type.
_OLE_STREAMS = (
    ("WordDocument", "doc"),
    ("Workbook", "xls"),
    ("Book", "xls"),
    ("PowerPoint Document", "ppt"),
)
# Signatures of programs and scripts, for a clearer refusal than "unknown type".
_PROGRAMS = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa")
# A folder path, a drive letter or a control character in a file name.
_BAD_NAME = re.compile(r"[/\\\x00-\x1f\x7f]|^[A-Za-z]:|(^|[/\\])\.\.($|[/\\])")
MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file that passed: its display name, detected type and size."""

    display_name: str
    file_type: str
    size: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.file_type]


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def check_name(name: str) -> str:
    """The display name, or a refusal if it carries a path or control characters."""
    shown = (name or "").strip()
    if not shown:
        raise _refuse(_("The file has no name."))
    if _BAD_NAME.search(shown) or shown in (".", ".."):
        raise _refuse(
            _("“%(name)s”: a file name may not contain a folder path (/, \\, .., C:).")
            % {"name": shown[:80]}
        )
    return shown[:MAX_NAME_CHARS]


def _read_all(file: Any, limit: int) -> bytes:
    file.seek(0)
    data = file.read(limit + 1)
    file.seek(0)
    return data


def sniff(data: bytes) -> str | None:
    """The allowed type of ``data`` (the whole file), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_ooxml(data)
    if data.startswith(_OLE2):
        for stream, file_type in _OLE_STREAMS:
            if (stream + "\x00").encode("utf-16-le") in data:
                return file_type
    return None


class MacrosFound(Exception):
    """A zip-based Office document carrying macros (vbaProject.bin)."""


def _sniff_ooxml(data: bytes) -> str | None:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise MacrosFound
    for prefix, file_type in _OOXML_PARTS:
        if any(n.startswith(prefix) for n in names):
            return file_type
    return None


def check_upload(file: Any, name: str | None = None) -> CheckedFile:
    """Check an uploaded file (a Django ``File``) by its content.

    Raises ``ValidationError({"file": [...]})`` with a message naming the file when it is
    empty, too large, a program, of an unknown type, or when its name carries a path.
    """
    display = check_name(name if name is not None else getattr(file, "name", "") or "")
    limit = settings.XUEFEN_EVIDENCE_MAX_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise _refuse(_too_large(display, size, limit))
    data = _read_all(file, limit)
    if len(data) > limit:
        raise _refuse(_too_large(display, len(data), limit))
    if not data:
        raise _refuse(_("“%(name)s” is empty.") % {"name": display})
    if data.startswith(_PROGRAMS):
        raise _refuse(
            _("“%(name)s” is a program, not a document: programs cannot be attached.")
            % {"name": display}
        )
    try:
        file_type = sniff(data)
    except MacrosFound:
        raise _refuse(
            _("“%(name)s” contains macros: save it without macros (.docx, .xlsx, .pptx) or as PDF.")
            % {"name": display}
        ) from None
    if file_type is None:
        raise _refuse(
            _(
                "“%(name)s” is not a PDF, JPEG, PNG or Office document "
                "(the file's content was checked, not its name)."
            )
            % {"name": display}
        )
    return CheckedFile(display_name=display, file_type=file_type, size=len(data))


def _too_large(name: str, size: int, limit: int) -> str:
    mb = 1024 * 1024
    return _("“%(name)s” is %(size).1f MB; files may be at most %(max).0f MB.") % {
        "name": name,
        "size": size / mb,
        "max": limit / mb,
    }


def stored_name(checked: CheckedFile) -> str:
    """A generated file name: random, with the detected type's extension only."""
    return f"{uuid.uuid4().hex}.{checked.file_type}"


def file_type_of(path: str) -> str:
    """The detected type a stored file was saved with (its generated extension)."""
    ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return ext if ext in CONTENT_TYPES else ""
