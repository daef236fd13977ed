"""Event types of the audit log, one per business action of the services."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    """What happened. Named ``<object>.<action>`` like the service that writes it."""

    NODE_CREATE = "node.create", _("Organisation created")
    NODE_UPDATE = "node.update", _("Organisation changed")
    TEACHER_CREATE = "teacher.create", _("Teacher created")
    TEACHER_UPDATE = "teacher.update", _("Teacher changed")
    ROLE_GRANT = "role.grant", _("Role granted")
    ROLE_REVOKE = "role.revoke", _("Role revoked")
    POLICY_BIND = "policy.bind", _("Policy bound to region")
    INSTITUTION_CREATE = "institution.create", _("Institution created")
    INSTITUTION_UPDATE = "institution.update", _("Institution changed")
    INSTITUTION_APPROVE = "institution.approve", _("Institution approved")
    INSTITUTION_REVOKE = "institution.revoke", _("Institution approval withdrawn")
    PROJECT_CREATE = "project.create", _("Project created")
    PROJECT_UPDATE = "project.update", _("Project changed")
    PROJECT_APPROVE = "project.approve", _("Project approved")
    PROJECT_REJECT = "project.reject", _("Project rejected")
    RECORD_CREATE = "record.create", _("Record created")
    RECORD_UPDATE = "record.update", _("Record changed")
    RECORD_DELETE = "record.delete", _("Record deleted")
    RECORD_SUBMIT = "record.submit", _("Record submitted")
    RECORD_APPROVE = "record.approve", _("Record approved by the school")
    RECORD_REJECT = "record.reject", _("Record returned")
    RECORD_CERTIFY = "record.certify", _("Record certified")
    RECORD_REVOKE = "record.revoke", _("Record certification revoked")
    EVIDENCE_ADD = "evidence.add", _("Evidence added")
    EVIDENCE_DELETE = "evidence.delete", _("Evidence deleted")
    USER_CREATE = "user.create", _("Account created")
    USER_UPDATE = "user.update", _("Account changed")
    USER_DELETE = "user.delete", _("Account deleted")
    LOGIN = "auth.login", _("Logged in")
    LOGIN_FAILED = "auth.login_failed", _("Login failed")
    LOGOUT = "auth.logout", _("Logged out")
    LOCKOUT = "auth.lockout", _("Login locked after repeated failures")
    UNLOCK = "auth.unlock", _("Login lock lifted")
    PASSWORD_CHANGE = "auth.password_change", _("Password changed")
    PASSWORD_RESET = "auth.password_reset", _("Password reset by an administrator")
    PASSWORD_RESET_MAIL = "auth.password_reset_mail", _("Password reset by e-mail")
    JOB_START = "job.start", _("Background job started")
