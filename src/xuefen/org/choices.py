"""Choices of the org app: node kinds, school kinds, roles, sex, school stages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NodeKind(models.TextChoices):
    """Levels of the organisation tree, top to bottom."""

    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County / district")
    GROUP = "group", _("School group / area")
    SCHOOL = "school", _("School")
    SUBJECT_GROUP = "subject_group", _("Subject group")
    LESSON_GROUP = "lesson_group", _("Lesson-preparation group")


# Which kinds may sit directly under which. The group level (集团/片区) is optional, and a
# city may run schools itself (市直学校), so schools may hang under a city, county or group.
ALLOWED_PARENTS: dict[str, tuple[str | None, ...]] = {
    NodeKind.PROVINCE: (None,),
    NodeKind.CITY: (NodeKind.PROVINCE, None),
    NodeKind.COUNTY: (NodeKind.CITY,),
    NodeKind.GROUP: (NodeKind.COUNTY, NodeKind.CITY),
    NodeKind.SCHOOL: (NodeKind.GROUP, NodeKind.COUNTY, NodeKind.CITY),
    NodeKind.SUBJECT_GROUP: (NodeKind.SCHOOL,),
    NodeKind.LESSON_GROUP: (NodeKind.SUBJECT_GROUP, NodeKind.SCHOOL),
}

# Kinds that are regions: they can carry a policy binding and regional administrators.
REGION_KINDS = (NodeKind.PROVINCE, NodeKind.CITY, NodeKind.COUNTY)


class SchoolKind(models.TextChoices):
    """Kinds of school named in the documents."""

    PRIMARY = "primary", _("Primary school")
    SECONDARY = "secondary", _("Secondary school")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    SPECIAL = "special", _("Special education school")
    VOCATIONAL = "vocational", _("Vocational school")


class Stage(models.TextChoices):
    """School stage (学段) a teacher teaches."""

    PRESCHOOL = "preschool", _("Pre-school")
    PRIMARY = "primary", _("Primary")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    VOCATIONAL = "vocational", _("Vocational")
    SPECIAL = "special", _("Special education")


class Sex(models.TextChoices):
    """Sex as on the ID card and the official forms."""

    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Role(models.TextChoices):
    """Roles a user can hold at an organisation node."""

    TEACHER = "teacher", _("Teacher")
    SCHOOL_ADMIN = "school_admin", _("School administrator")
    PRINCIPAL = "principal", _("Principal")
    COUNTY_ADMIN = "county_admin", _("County administrator")
    CITY_ADMIN = "city_admin", _("City administrator")
    PROVINCE_ADMIN = "province_admin", _("Province administrator")
    PEER_ASSESSOR = "peer_assessor", _("Peer assessor")
    INSTITUTION = "institution", _("Training institution")


# Where each role may be granted. A regional administrator's role names its level.
ROLE_NODE_KINDS: dict[str, tuple[str, ...]] = {
    Role.TEACHER: (NodeKind.SCHOOL,),
    Role.SCHOOL_ADMIN: (NodeKind.SCHOOL,),
    Role.PRINCIPAL: (NodeKind.SCHOOL,),
    Role.COUNTY_ADMIN: (NodeKind.COUNTY, NodeKind.GROUP),
    Role.CITY_ADMIN: (NodeKind.CITY,),
    Role.PROVINCE_ADMIN: (NodeKind.PROVINCE,),
    Role.PEER_ASSESSOR: (NodeKind.SCHOOL,),
    Role.INSTITUTION: (NodeKind.PROVINCE, NodeKind.CITY, NodeKind.COUNTY),
}
