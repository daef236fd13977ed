"""The xuefen policy engine: records + policy files → hours, credits, checks, sheet scores.

This package is pure Python. It imports nothing from Django (``tests/policy/test_purity.py``
proves it), so the command line, the web app and batch jobs share one engine.

Public API::

    policy = load_policy("puer-2023")
    result = policy.evaluate([{"id": "T1", "records": [...]}], as_of=date(2023, 12, 31))
    sheet = load_sheet("pingyang-teacher")
    scored = sheet.score({...})
"""

from .errors import InputError, PolicyFileError, UnknownPolicyError, XuefenError
from .loader import (
    bundled_ids,
    list_policies,
    load_policy,
    load_policy_file,
    load_policy_text,
)
from .records import KIND_LABELS, RECORD_MODELS, record_parser
from .sheets import Sheet, list_sheets, load_sheet, load_sheet_file, load_sheet_text

__all__ = [
    "KIND_LABELS",
    "RECORD_MODELS",
    "InputError",
    "PolicyFileError",
    "Sheet",
    "UnknownPolicyError",
    "XuefenError",
    "bundled_ids",
    "list_policies",
    "list_sheets",
    "load_policy",
    "load_policy_file",
    "load_policy_text",
    "load_sheet",
    "load_sheet_file",
    "load_sheet_text",
    "record_parser",
]
