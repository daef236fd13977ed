"""The xuefen policy engine: records + policy files → hours, credits, checks, sheet scores.

This package is pure Python. It imports nothing from Django (``tests/policy/test_purity.py``
proves it), so the command line, the web app and batch jobs share one engine.

Public API::

    policy = load_policy("puer-2023")
    result = policy.evaluate([{"id": "T1", "records": [...]}], as_of=date(2023, 12, 31))
    sheet = load_sheet("pingyang-teacher")
    scored = sheet.score({...})

    # 文成: a school's assessment, given once for all its teachers, and its words for pages
    policy.evaluate(teachers, schools=[{"id": "S1", "assessment": {"score": 118,
                                                                  "rectification_score": 125}}])
    policy.assessment_gate                # None, or .period .period_title .pass_above .label
    assessment_outcome(118, 125, 120)     # {"passed": True, "text": "本校本学期考核 118 分，…"}
"""

from .assessment import AssessmentGate, assessment_outcome
from .errors import InputError, PolicyFileError, UnknownPolicyError, XuefenError
from .loader import (
    bundled_ids,
    list_policies,
    load_policy,
    load_policy_file,
    load_policy_text,
)
from .records import KIND_LABELS, RECORD_MODELS, record_parser
from .sheets import (
    Sheet,
    list_sheets,
    load_sheet,
    load_sheet_file,
    load_sheet_text,
    span_years,
)

__all__ = [
    "KIND_LABELS",
    "RECORD_MODELS",
    "AssessmentGate",
    "InputError",
    "PolicyFileError",
    "Sheet",
    "UnknownPolicyError",
    "XuefenError",
    "assessment_outcome",
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
    "span_years",
]
