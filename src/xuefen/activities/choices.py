"""The vocabulary of school-based training, with Chinese labels (one place for engine,
models, pages and exports)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PlanStatus(models.TextChoices):
    """A semester plan on its way to the county's approval."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the county")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class PlanTemplate(models.TextChoices):
    """How a plan's activities are laid out (the documents' own forms)."""

    MONTHLY = "monthly", _("Activities by month")
    DALI_FIVE_STEPS = "dali_five_steps", _("Five steps with dated phases (大荔)")
    LANZHOU = "lanzhou", _("Centralized sessions (six fixes) and self-study (four fixes) (兰州)")


class ActivityType(models.TextChoices):
    """Types of school-based activity (普洱 附件3 五)."""

    LESSON_PREPARATION = "lesson_preparation", _("Collective lesson preparation")
    OBSERVATION = "observation", _("Lesson observation and review")
    COMPETITION = "competition", _("Teaching competition")
    RESEARCH = "research", _("Research project")
    LECTURE = "lecture", _("Lecture")
    MENTORING = "mentoring", _("Mentoring pairs")
    SEMINAR = "seminar", _("Seminar")
    READING = "reading", _("Reading exchange")
    INTER_SCHOOL = "inter_school", _("Inter-school exchange")
    ONLINE = "online", _("Online collaboration")


class Tier(models.TextChoices):
    """The three tiers of teachers in 大荔's model (where a school uses them)."""

    NOVICE = "novice", _("Novice teachers")
    GROWING = "growing", _("Growing teachers")
    KEY = "key", _("Key teachers")


class ActivityStatus(models.TextChoices):
    """An activity from planning to its closing (which generates the records)."""

    PLANNED = "planned", _("Planned")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class RoleKind(models.TextChoices):
    """Roles a teacher takes in an activity (平阳's 主要角色 and 普洱's special ones). Each
    generates the record kind in :data:`ROLE_RECORDS`."""

    TEACHER = "teacher", _("Teaching the lesson (执教者)")
    REVIEW = "review", _("Reviewing the lesson (评课议课)")
    POLISH = "polish", _("Polishing the lesson (磨课者)")
    MENTOR = "mentor", _("Mentor (指导师)")
    KEYNOTE = "keynote", _("Keynote speech (主题发言)")
    LECTURE = "lecture", _("Lecture (讲座)")


# The record each role generates: (kind, fields). 执教 is an open class; 指导师 mentoring;
# the others an activity_role with the engine's role value.
ROLE_RECORDS: dict[str, tuple[str, dict[str, str]]] = {
    RoleKind.TEACHER: ("open_class", {}),
    RoleKind.REVIEW: ("activity_role", {"role": "review"}),
    RoleKind.POLISH: ("activity_role", {"role": "polish"}),
    RoleKind.MENTOR: ("mentoring", {}),
    RoleKind.KEYNOTE: ("activity_role", {"role": "keynote"}),
    RoleKind.LECTURE: ("activity_role", {"role": "lecture"}),
}


class Attendance(models.TextChoices):
    """A participant's attendance (the engine's activity_attendance status, plus the state
    before anything is known)."""

    EXPECTED = "expected", _("Expected")
    PRESENT = "present", _("Present")
    LEAVE = "leave", _("On leave")
    ABSENT = "absent", _("Absent")
    MAKEUP = "makeup", _("Made up")


ATTENDANCE_COLORS = {
    Attendance.EXPECTED: "gray",
    Attendance.PRESENT: "green",
    Attendance.LEAVE: "blue",
    Attendance.ABSENT: "red",
    Attendance.MAKEUP: "teal",
}


class SignInMethod(models.TextChoices):
    """How a sign-in was made."""

    QR = "qr", _("Scanned the activity's code")
    PERSONAL = "personal", _("Personal code scanned by the presenter")
    MANUAL = "manual", _("Signed in by the administrator")


class LeaveStatus(models.TextChoices):
    """A leave request (请假)."""

    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class MaterialKind(models.TextChoices):
    """An activity's materials (活动方案、过程记录、总结、照片)."""

    # With a context: Django's own catalogue translates a bare "Summary" as 概览.
    PLAN = "plan", pgettext_lazy("activity material", "Activity plan")
    PROCESS = "process", pgettext_lazy("activity material", "Process record")
    SUMMARY = "summary", pgettext_lazy("activity material", "Summary")
    PHOTO = "photo", pgettext_lazy("activity material", "Photos")


# What a complete activity file holds (平阳: 方案、总结、过程记录; photos are welcome).
REQUIRED_MATERIALS = (MaterialKind.PLAN, MaterialKind.PROCESS, MaterialKind.SUMMARY)
