"""Assessment rounds, peer assignments, filled sheets and the schools' results.

- :class:`Round` — a county's assessment of a period with one sheet file and its windows.
- :class:`PeerAssignment` — 互比互学: the staff of ``assessor`` evaluate ``school`` inside the
  round's peer window, and see nothing else of it (:mod:`xuefen.assessments.access`).
- :class:`Sheet` — one school's (or one teacher's) sheet in a round; :class:`SheetColumn` —
  one evaluator's column of it: the values entered (judgements, counts) and, once
  submitted, the engine's scoring of them with every item's explanation.
- :class:`SchoolAssessment` — the school's result in the period, stored once: the final
  score, the rectification score and whether it passed. The engine's gate reads it for every
  teacher of the school (``results.compute``), never a copy per teacher.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xuefen.org.scoping import Grant, ScopedModel, ScopedQuerySet, under

from .choices import ColumnStatus, Combine, HonorTitle, RoundStatus, Subject


class Round(ScopedModel):
    """One assessment of the schools under ``node`` for one period.

    ``sheet_id`` names a bundled sheet, or ``sheet_text`` holds an uploaded one (validated
    by the engine when saved). The windows are inclusive dates: self-evaluation, peer
    evaluation (互比互学, 文成 2019-01-09..01-14), on-site evaluation, rectification (文成
    01-15..01-20). ``pass_above`` is the pass mark (strictly above), from the policy's gate
    or the sheet. ``combine`` and ``weights`` say how the columns make the final score.
    """

    node = models.ForeignKey(
        "org.OrgNode", on_delete=models.CASCADE, related_name="+", verbose_name=_("region")
    )
    title = models.CharField(_("title"), max_length=200)
    subject = models.CharField(
        _("assesses"), max_length=10, choices=Subject.choices, default=Subject.SCHOOL
    )
    sheet_id = models.CharField(_("bundled sheet"), max_length=60, blank=True)
    sheet_text = models.TextField(_("uploaded sheet file"), blank=True)
    sheet_name = models.CharField(_("sheet"), max_length=200, blank=True)
    period_type = models.CharField(_("period type"), max_length=20)
    start = models.DateField(_("period start"))
    end = models.DateField(_("period end"))
    label = models.CharField(_("period"), max_length=40)
    self_from = models.DateField(_("self-evaluation from"))
    self_to = models.DateField(_("self-evaluation until"))
    peer_from = models.DateField(_("peer evaluation from"), null=True, blank=True)
    peer_to = models.DateField(_("peer evaluation until"), null=True, blank=True)
    onsite_from = models.DateField(_("on-site evaluation from"))
    onsite_to = models.DateField(_("on-site evaluation until"))
    rectify_from = models.DateField(_("rectification from"), null=True, blank=True)
    rectify_to = models.DateField(_("rectification until"), null=True, blank=True)
    pass_above = models.FloatField(_("passes above"), null=True, blank=True)
    combine = models.CharField(
        _("final score"), max_length=10, choices=Combine.choices, default=Combine.ONSITE
    )
    weights = models.JSONField(_("weights"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_path = "node__path"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment round")
        verbose_name_plural = _("assessment rounds")
        ordering = ["-start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["node", "subject", "period_type", "start"],
                name="assessments_one_round_per_period",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_q(cls, grant: Grant, action: str, user: Any) -> Q | None:
        """Everyone under the region sees its rounds (schools fill their sheets in them);
        only the region's administrators change them."""
        if action == "view":
            return Q(node__path__in=_ancestors(grant.path)) | under(cls.scope_path, grant.path)
        return super().scope_q(grant, action, user)


def _ancestors(path: str) -> list[str]:
    from xuefen.org.scoping import ancestor_paths

    return ancestor_paths(path)


class PeerAssignment(ScopedModel):
    """互比互学: ``assessor``'s staff evaluate ``school`` in the round's peer window."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("round")
    )
    assessor = models.ForeignKey(
        "org.OrgNode",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("assessing school"),
    )
    school = models.ForeignKey(
        "org.OrgNode",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("assessed school"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_path = "round__node__path"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("peer assignment")
        verbose_name_plural = _("peer assignments")
        constraints = [
            models.UniqueConstraint(fields=["round", "school"], name="assessments_one_peer"),
            models.CheckConstraint(
                condition=~Q(assessor=models.F("school")), name="assessments_peer_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessor} → {self.school}"


class Sheet(ScopedModel):
    """One school's (or teacher's) sheet in a round."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="sheets", verbose_name=_("round")
    )
    school = models.ForeignKey(
        "org.OrgNode", on_delete=models.CASCADE, related_name="+", verbose_name=_("school")
    )
    teacher = models.ForeignKey(
        "org.Teacher",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assessment_sheets",
        verbose_name=_("teacher"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_path = "school__path"
    scope_owner = "teacher__user"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment sheet")
        verbose_name_plural = _("assessment sheets")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "school"],
                condition=Q(teacher__isnull=True),
                name="assessments_one_school_sheet",
            ),
            models.UniqueConstraint(
                fields=["round", "teacher"],
                condition=Q(teacher__isnull=False),
                name="assessments_one_teacher_sheet",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.teacher or self.school}"


class SheetColumn(ScopedModel):
    """One evaluator's column of a sheet.

    ``values`` are what the evaluator entered: the sheet's judgement items and manual
    inputs, by input name. ``scored`` is the engine's scoring of the column when it was last
    saved (sections, items with points and explanations, total, passed). ``remarks`` is
    the evaluator's note (the peer's 互比互学 remarks, the county's reasons).
    """

    sheet = models.ForeignKey(
        Sheet, on_delete=models.CASCADE, related_name="columns", verbose_name=_("sheet")
    )
    column = models.CharField(_("column"), max_length=30)
    status = models.CharField(
        _("status"), max_length=10, choices=ColumnStatus.choices, default=ColumnStatus.DRAFT
    )
    values = models.JSONField(_("values entered"), default=dict, blank=True)
    scored = models.JSONField(_("scoring"), default=dict, blank=True)
    total = models.FloatField(_("total"), null=True, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_path = "sheet__school__path"
    scope_owner = "sheet__teacher__user"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sheet column")
        verbose_name_plural = _("sheet columns")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "column"], name="assessments_one_column")
        ]

    def __str__(self) -> str:
        return f"{self.sheet} · {self.column}"


class SchoolAssessment(ScopedModel):
    """A school's assessment result in one period: the fact the engine's gate reads.

    ``score`` is the final score (the round's combination of its columns); a school that did
    not pass may be rectified inside the round's rectification window: ``rectification_score``
    is then the score after it. ``passed`` is the engine's verdict on both (strictly above
    the pass mark). One row per school and period, whatever the round.
    """

    school = models.ForeignKey(
        "org.OrgNode", on_delete=models.CASCADE, related_name="+", verbose_name=_("school")
    )
    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="results", verbose_name=_("round")
    )
    period_type = models.CharField(_("period type"), max_length=20)
    start = models.DateField(_("period start"))
    end = models.DateField(_("period end"))
    label = models.CharField(_("period"), max_length=40)
    score = models.FloatField(_("score"))
    rectification_score = models.FloatField(_("score after rectification"), null=True, blank=True)
    # None where the round has no pass mark (平阳: a score, neither passed nor failed).
    passed = models.BooleanField(_("passed"), null=True)
    explanation = models.CharField(_("explanation"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now=True)

    scope_path = "school__path"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("school assessment result")
        verbose_name_plural = _("school assessment results")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "period_type", "start"], name="assessments_one_result"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} · {self.label} · {self.score:g}"

    def engine_input(self) -> dict[str, Any]:
        """The result as the engine's gate reads it (``school.assessments[label]``)."""
        out: dict[str, Any] = {"score": self.score}
        if self.rectification_score is not None:
            out["rectification_score"] = self.rectification_score
        return out


class SchoolHonor(ScopedModel):
    """An honour the school holds, awarded on ``date`` at ``level`` (平阳: 县/市校本研训示范校).

    A fact of the school the county records; the sheets that score honours read it as the
    school's records (``{"kind": "honor", "title", "level", "date"}``), so every column
    scores the same honour.
    """

    school = models.ForeignKey(
        "org.OrgNode", on_delete=models.CASCADE, related_name="+", verbose_name=_("school")
    )
    title = models.CharField(_("honour"), max_length=40, choices=HonorTitle.choices)
    level = models.CharField(_("level"), max_length=20)
    date = models.DateField(_("awarded on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_path = "school__path"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("school honour")
        verbose_name_plural = _("school honours")
        ordering = ["-date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "title", "level", "date"], name="assessments_one_honor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} · {self.get_title_display()} · {self.date:%Y-%m-%d}"

    def engine_record(self) -> dict[str, Any]:
        return {
            "id": f"honor-{self.pk}",
            "kind": "honor",
            "title": self.title,
            "level": self.level,
            "date": self.date.isoformat(),
        }
