"""The vocabularies of assessments, with their labels (one place)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundStatus(models.TextChoices):
    """Where a round is: being set up by the county, running, or closed."""

    DRAFT = "draft", _("Being set up")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ColumnStatus(models.TextChoices):
    """Where one evaluator's column of a sheet is."""

    DRAFT = "draft", _("Being filled in")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    FINAL = "final", _("Final")


class Combine(models.TextChoices):
    """How a school's final score is made from the columns (the region's setting).

    文成's documents name the three evaluations (自评、互比互学考核组考评、现场考评三结合) but not
    how they combine. xuefen's default reading: the county's on-site evaluation is the score
    (it is the county's own judgement, made last, with the other two before it); a region may
    choose the mean of the three, or weights."""

    ONSITE = "onsite", _("The on-site (county) score")
    MEAN = "mean", _("The mean of the columns")
    WEIGHTED = "weighted", _("Weighted columns")


class Subject(models.TextChoices):
    """Whom a round's sheet scores: each school, or each teacher of the schools."""

    SCHOOL = "school", _("Schools")
    TEACHER = "teacher", _("Teachers")


# Who fills a column is its role: ``self`` the assessed (the school's staff; the teacher on a
# teacher sheet), ``peer`` the assigned peer school's staff (互比互学), any other column the
# reviewer (the county on a school sheet — 文成 县现场考评, 平阳 区评 —, the school on a
# teacher sheet — 平阳 校评); the reviewer's column is the sheet file's ``default_column``.
SELF_COLUMN = "self"
PEER_COLUMN = "peer"


class HonorTitle(models.TextChoices):
    """A school's honours that sheets score (平阳 附加分: 县/市校本研训示范校)."""

    DEMONSTRATION_SCHOOL = (
        "demonstration_school",
        _("Demonstration school of school-based training"),
    )
