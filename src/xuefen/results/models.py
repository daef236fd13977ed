"""The per-teacher cache of engine results."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xuefen.org.scoping import ScopedModel, ScopedQuerySet


class TeacherResult(ScopedModel):
    """The engine's result for one teacher under one policy binding.

    ``fingerprint`` hashes everything the result depends on (the engine input, the policy
    content, the binding's dates, ``as_of`` and the engine's version): a row whose
    fingerprint does not match the current input is stale and is recomputed, so a missed
    invalidation can never show a wrong number. Rows are also deleted when a record changes.
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
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    result = models.JSONField(_("result"), default=dict)
    error = models.TextField(_("error"), blank=True)
    compliant = models.BooleanField(_("cycle compliant"), null=True)
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
