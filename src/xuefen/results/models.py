"""What the engine says about teachers, stored: derived rows that pages read and nobody edits.

Data flows one way: records and the other facts change through the services, each change is
a business event, :mod:`xuefen.results.events` marks the teachers it touches stale (in the
same transaction), and the worker (:mod:`xuefen.results.tasks`) recomputes them in bulk:

- :class:`TeacherState` — one row per teacher: is what is stored up to date?
- :class:`TeacherResult` — the engine's full output per teacher and policy binding (every
  record's verdict and explanation): the teacher and record pages read it.
- :class:`TeacherPeriod` — one row per teacher and period (year, semester, school year,
  cycle): the figures a roster shows, certified and with pending records.
- :class:`SchoolPeriod` — one row per school and period: the counts and sums the region
  pages and the 20% rule read, one row per school, never one per teacher.

Dropping every row loses nothing: ``manage.py results_recompute`` rebuilds them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xuefen.org.scoping import ScopedModel, ScopedQuerySet


class Basis(models.TextChoices):
    """Which records a figure counts."""

    CERTIFIED = "certified", _("Certified")
    PENDING = "pending", _("If everything pending is approved")


class TeacherState(ScopedModel):
    """Whether a teacher's stored results are up to date.

    Every change a teacher's figures depend on bumps ``version`` and sets ``stale`` in the
    changing transaction; the worker recomputes stale teachers and clears ``stale`` only if
    ``version`` did not move meanwhile (a change during the computation leaves it stale).
    ``engine`` is the engine's fingerprint when last computed: a new engine or new bundled
    policies make every row stale (``results_recompute --outdated``).
    """

    teacher = models.OneToOneField(
        "org.Teacher",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="result_state",
        verbose_name=_("teacher"),
    )
    version = models.PositiveBigIntegerField(_("input version"), default=1)
    stale = models.BooleanField(_("stale"), default=True)
    computed_version = models.PositiveBigIntegerField(_("computed version"), default=0)
    engine = models.CharField(_("engine"), max_length=64, blank=True)
    as_of = models.DateField(_("as of"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    scope_path = "teacher__school__path"
    scope_owner = "teacher__user"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("result state")
        verbose_name_plural = _("result states")
        indexes = [
            models.Index(fields=["teacher"], condition=Q(stale=True), name="results_stale"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} v{self.version}{' stale' if self.stale else ''}"


class TeacherResult(ScopedModel):
    """The engine's output for one teacher under one policy binding, on both bases.

    ``result`` counts certified records (what counts); ``pending`` counts submitted and
    approved records as if they were certified (what will count). Each is the engine's
    teacher object: ``records`` with every verdict and explanation, ``periods``, ``cycle``.
    """

    teacher = models.ForeignKey(
        "org.Teacher", on_delete=models.CASCADE, related_name="results", verbose_name=_("teacher")
    )
    binding = models.ForeignKey(
        "org.PolicyBinding",
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name=_("policy binding"),
    )
    as_of = models.DateField(_("as of"))
    result = models.JSONField(_("result"), default=dict)
    pending = models.JSONField(_("result with pending records"), default=dict)
    error = models.TextField(_("error"), blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    scope_path = "teacher__school__path"
    scope_owner = "teacher__user"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("teacher result")
        verbose_name_plural = _("teacher results")
        constraints = [
            models.UniqueConstraint(fields=["teacher", "binding"], name="results_teacher_binding")
        ]

    def __str__(self) -> str:
        return f"{self.teacher} · {self.binding.policy_label}"


class TeacherPeriod(ScopedModel):
    """One teacher's figures for one period, as a roster row shows them.

    ``school`` is the teacher's school when computed (a roster is one indexed range of this
    table). ``short`` lists the unmet requirements ``[{"id", "label", "measure",
    "shortfall"}]``; ``hours`` and ``credits`` map a mode (and ``total``) to a figure;
    ``modules`` a module to credits. The ``pending_*`` columns are the same figures with
    every submitted and approved record counted.
    """

    teacher = models.ForeignKey(
        "org.Teacher",
        on_delete=models.CASCADE,
        related_name="period_results",
        verbose_name=_("teacher"),
    )
    school = models.ForeignKey(
        "org.OrgNode", on_delete=models.CASCADE, related_name="+", verbose_name=_("school")
    )
    binding = models.ForeignKey(
        "org.PolicyBinding",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("policy binding"),
    )
    period_type = models.CharField(_("period type"), max_length=20)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    label = models.CharField(_("period"), max_length=40)
    compliant = models.BooleanField(_("compliant"), null=True)
    total_hours = models.FloatField(_("hours"), default=0)
    total_credits = models.FloatField(_("credits"), default=0)
    hours = models.JSONField(_("hours by mode"), default=dict)
    credits = models.JSONField(_("credits by mode"), default=dict)
    modules = models.JSONField(_("credits by module"), default=dict)
    short = models.JSONField(_("unmet requirements"), default=list)
    pending_compliant = models.BooleanField(_("compliant with pending records"), null=True)
    pending_hours = models.FloatField(_("hours with pending records"), default=0)
    pending_credits = models.FloatField(_("credits with pending records"), default=0)
    pending_short = models.JSONField(_("unmet with pending records"), default=list)

    scope_path = "school__path"
    scope_owner = "teacher__user"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("teacher period result")
        verbose_name_plural = _("teacher period results")
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "period_type", "start"], name="results_teacher_period"
            )
        ]
        indexes = [
            models.Index(fields=["school", "period_type", "start"], name="results_school_period"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} · {self.label}"


class SchoolPeriod(ScopedModel):
    """One school's standing in one period: the row a region table shows.

    ``teachers`` counts the school's active teachers; ``compliant`` those the engine found
    meeting the period's requirements (a teacher without figures counts as short: they
    have earned nothing); ``short_by`` maps a requirement id to ``{"label", "count"}``;
    ``hours``, ``credits``, ``modules`` are sums over the teachers.
    """

    school = models.ForeignKey(
        "org.OrgNode", on_delete=models.CASCADE, related_name="+", verbose_name=_("school")
    )
    period_type = models.CharField(_("period type"), max_length=20)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    label = models.CharField(_("period"), max_length=40)
    teachers = models.PositiveIntegerField(_("teachers"), default=0)
    compliant = models.PositiveIntegerField(_("compliant"), default=0)
    pending_compliant = models.PositiveIntegerField(_("compliant with pending records"), default=0)
    judged = models.PositiveIntegerField(_("teachers with figures"), default=0)
    short_by = models.JSONField(_("short per requirement"), default=dict)
    hours = models.JSONField(_("hours by mode"), default=dict)
    credits = models.JSONField(_("credits by mode"), default=dict)
    modules = models.JSONField(_("credits by module"), default=dict)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_path = "school__path"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("school period summary")
        verbose_name_plural = _("school period summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "period_type", "start"], name="results_school_period_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id} · {self.label}"
