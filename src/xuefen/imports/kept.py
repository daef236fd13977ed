"""Uploaded files kept between the preview and the import, and the inline/job threshold.

An uploaded file is kept for its owner under a random name in ``MEDIA_ROOT/imports/<user
id>/`` from the preview until the import (in the request, or by the background job the
confirmation starts) reads it again and deletes it. A file is kept at most
``XUEFEN_IMPORT_KEEP_HOURS`` hours (default 24): an older one is no longer used, and every
new upload removes the owner's old ones (:func:`sweep`).

A file of more than ``XUEFEN_IMPORT_INLINE_MAX`` rows (default 2000) is imported by a
background job (:mod:`xuefen.imports.jobs`) instead of in the request.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULT_KEEP_HOURS = 24
DEFAULT_INLINE_MAX = 2000
# Kept files are named by the views: a prefix, 32 hex digits, the upload's suffix.
_NAME = re.compile(r"^(?:teachers-)?[0-9a-f]{32}\.[a-z]{3,4}$")


def keep_seconds() -> float:
    """How long a kept file may be used (``XUEFEN_IMPORT_KEEP_HOURS``)."""
    return float(getattr(settings, "XUEFEN_IMPORT_KEEP_HOURS", DEFAULT_KEEP_HOURS)) * 3600


def inline_max() -> int:
    """The most rows imported in the request (``XUEFEN_IMPORT_INLINE_MAX``); above, a job."""
    return int(getattr(settings, "XUEFEN_IMPORT_INLINE_MAX", DEFAULT_INLINE_MAX))


def folder(user: Any) -> Path:
    """The user's folder of kept files (a user or a user id)."""
    pk = user if isinstance(user, int) else user.pk
    return Path(settings.MEDIA_ROOT) / "imports" / str(int(pk))


def fresh(path: Path) -> bool:
    """Whether ``path`` is a kept file still in its keeping time."""
    try:
        return path.is_file() and path.stat().st_mtime >= time.time() - keep_seconds()
    except OSError:
        return False


def sweep(where: Path) -> int:
    """Remove the kept files in ``where`` older than the keeping time; how many."""
    if not where.is_dir():
        return 0
    cutoff = time.time() - keep_seconds()
    removed = 0
    for item in where.iterdir():
        try:
            if item.is_file() and item.stat().st_mtime < cutoff:
                item.unlink()
                removed += 1
        except OSError:
            pass
    return removed


def kept_file(user: Any, name: str) -> Path | None:
    """The user's kept file called ``name`` (as a job's params name it), if it is one of
    ours, still there and in its keeping time."""
    if not isinstance(name, str) or not _NAME.match(name):
        return None
    path = folder(user) / name
    return path if fresh(path) else None
