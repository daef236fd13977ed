"""The forms xuefen exports, each declared once: id, title, for what, built by what.

A form is for a **school** (申报表, 附件5 …: one file for the school's teachers), a
**teacher** (登记册) or a **region** (the county table). ``policies`` names the bundled
policies whose documents define it (a 普洱 form is offered only where 普洱's policy is in
force); an empty tuple means every region. ``period_types`` are the periods it is made
for (the 申报表 is yearly, 文成's forms are per semester); the first is the default.

``build(request)`` returns the :class:`~xuefen.exports.layout.Document`; ``size(request)``
estimates its body rows before building (to decide between answering at once and a
background job). Adding a form: a module in :mod:`xuefen.exports.forms` that calls
:func:`register`, imported in :func:`forms`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xuefen.org.models import OrgNode, PolicyBinding, Teacher

    from .layout import Document

SCHOOL = "school"
TEACHER = "teacher"
REGION = "region"
LEVELS = (SCHOOL, TEACHER, REGION)
XLSX = "xlsx"
PDF = "pdf"
FORMATS = (XLSX, PDF)


@dataclass(frozen=True)
class Period:
    """The period a form covers: the policy's type and start (the stored rows' key), its
    end and its labels (``2025`` and ``2025年度``)."""

    type: str
    start: dt.date
    end: dt.date
    label: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.type}:{self.start.isoformat()}"


@dataclass
class ExportRequest:
    """Everything a builder needs: who exports (for ID masking and the stamp), the school,
    teacher or region, the period, the basis (``draft``: pending records counted) and the
    policy binding in force there."""

    form: FormSpec
    user: Any
    node: OrgNode
    period: Period
    draft: bool = False
    teacher: Teacher | None = None
    binding: PolicyBinding | None = None
    # Whether the user may see full ID numbers of the node's teachers (decided once).
    full_ids: bool = False
    format: str = XLSX
    made: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FormSpec:
    id: str
    title: str
    level: str
    build: Callable[[ExportRequest], Document]
    size: Callable[[ExportRequest], int]
    policies: tuple[str, ...] = ()
    period_types: tuple[str, ...] = ("year",)
    formats: tuple[str, ...] = FORMATS
    # One line for the export page: what the form is and where it comes from.
    description: str = ""
    # The source document's name of the form (附件2—2).
    source: str = ""
    # Whether a draft over pending records makes sense (the roster has no figures).
    has_figures: bool = True
    # Where the page offers it: the region's credit forms first (0), then xuefen's own
    # tables (50), then the assessment forms (80).
    order: int = 0

    def applies_to(self, policy_id: str) -> bool:
        """Whether the form belongs to the region whose policy is ``policy_id``."""
        return not self.policies or any(policy_id.startswith(p) for p in self.policies)


_FORMS: dict[str, FormSpec] = {}


def register(spec: FormSpec) -> FormSpec:
    if spec.id in _FORMS:
        raise ValueError(f"form {spec.id} registered twice")
    if spec.level not in LEVELS:
        raise ValueError(f"form {spec.id}: unknown level {spec.level}")
    _FORMS[spec.id] = spec
    return spec


def forms() -> dict[str, FormSpec]:
    """Every form, by id, in the order they are offered."""
    from .forms import assessments, common, dali, puer, wencheng  # noqa: F401 - they register

    return dict(sorted(_FORMS.items(), key=lambda item: item[1].order))


def get_form(form_id: str) -> FormSpec | None:
    return forms().get(form_id)
