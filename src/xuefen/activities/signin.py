"""Sign-in to an activity that cannot be forwarded (签到).

Three ways, one row each in :class:`~xuefen.activities.models.Participation`:

``qr``        the activity's screen (a projector or the presenter's phone) shows a QR code
              whose code rotates every ``XUEFEN_SIGNIN_ROTATION`` seconds (20; 15–30); a
              teacher scans it, logs in as themselves and is signed in (:func:`sign_in`);
``personal``  each teacher's phone shows a personal rotating code, the presenter's phone
              scans it (:func:`sign_in_personal`) — for large rooms;
``manual``    the school's administrator signs a person in by hand, with a reason
              (``activities.services.attendance_set`` with ``present``; the page is
              ``activities:sign_manual``).

Codes. A code is the first 10 bytes of HMAC-SHA256 over (purpose, activity, teacher,
slot), base32 (16 characters of ``a–z2–7``), keyed by the activity's ``sign_secret`` and
the site's ``SECRET_KEY``; slot = ⌊unix time / rotation⌋. A code is good in its own slot
and the next one (a scan at the turn still works), so a code lives 20–40 s; a link
forwarded later fails. Codes are good only while the activity is planned and inside its
window: from ``starts_at`` − ``XUEFEN_SIGNIN_EARLY_MINUTES`` (30) to ``ends_at``.

The login in between. A teacher who scans before logging in may need more than 40 s to
type a password. The page that checked a fresh code notes the scan in the browser's
session (server side: forwarding a link forwards no session), and the sign-in accepts a
code that was good when that browser scanned it, for ``XUEFEN_SIGNIN_LOGIN_GRACE``
seconds (300): the ``scanned_at`` argument below, which only the views pass, from the
session.

Devices. The sign-in page keeps a random id in a signed, HttpOnly cookie; the
participation stores a keyed hash of it (per activity, so devices cannot be followed
from one activity to the next; never the cookie itself). A device that signs in a
second teacher of the same activity is *flagged* on both rows and the school's
administrators are told; the sign-in itself succeeds (a teacher whose phone is flat may
borrow a colleague's), and the administrator decides (attendance can be set by hand).

Time is read through :func:`_now` (tests patch it).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_log
from xuefen.inbox.recipients import users_with_roles
from xuefen.inbox.services import notify_on_commit
from xuefen.org.choices import Role
from xuefen.org.scoping import can

from .choices import ActivityStatus, Attendance, SignInMethod
from .models import Activity, Participation

# Purposes of a code: the room's screen, or one teacher's personal code.
ROOM = "room"
PERSONAL = "personal"

CODE_RE = re.compile(r"^[a-z2-7]{16}$")
DEFAULT_ROTATION = 20
DEFAULT_EARLY_MINUTES = 30
DEFAULT_LOGIN_GRACE = 300


def _now() -> dt.datetime:
    """The time every check here uses (tests patch it)."""
    return timezone.now()


def rotation() -> int:
    """Seconds a code is shown (``XUEFEN_SIGNIN_ROTATION``, kept within 15–30)."""
    value = int(getattr(settings, "XUEFEN_SIGNIN_ROTATION", DEFAULT_ROTATION))
    return min(max(value, 15), 30)


def login_grace() -> dt.timedelta:
    """How long a scan noted in the session stays good through the login."""
    return dt.timedelta(
        seconds=int(getattr(settings, "XUEFEN_SIGNIN_LOGIN_GRACE", DEFAULT_LOGIN_GRACE))
    )


# -- codes ---------------------------------------------------------------------------------


def _key(activity: Activity) -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(),
        f"xuefen.activities.signin:{activity.sign_secret}".encode(),
        hashlib.sha256,
    ).digest()


def slot_of(moment: dt.datetime) -> int:
    """The rotation slot ``moment`` falls in."""
    return int(moment.timestamp()) // rotation()


def seconds_left(moment: dt.datetime) -> int:
    """Seconds until the next code is shown."""
    step = rotation()
    return step - int(moment.timestamp()) % step


def _code(activity: Activity, purpose: str, subject: int | str, slot: int) -> str:
    message = f"{purpose}:{activity.pk}:{subject}:{slot}".encode()
    mac = hmac.new(_key(activity), message, hashlib.sha256).digest()[:10]
    return base64.b32encode(mac).decode().lower()


def room_code(activity: Activity, *, now: dt.datetime | None = None) -> str:
    """The code the activity's screen shows now."""
    return _code(activity, ROOM, "", slot_of(now or _now()))


def personal_code(activity: Activity, teacher: Any, *, now: dt.datetime | None = None) -> str:
    """The code ``teacher``'s phone shows now for this activity."""
    return _code(activity, PERSONAL, teacher.pk, slot_of(now or _now()))


def code_matches(
    activity: Activity, code: str, *, moment: dt.datetime, teacher: Any = None
) -> bool:
    """Whether ``code`` was shown at ``moment`` or in the slot before (a room code, or
    ``teacher``'s personal code)."""
    code = (code or "").strip().lower()
    if not CODE_RE.match(code):
        return False
    purpose, subject = (ROOM, "") if teacher is None else (PERSONAL, teacher.pk)
    slot = slot_of(moment)
    return any(
        hmac.compare_digest(code, _code(activity, purpose, subject, s)) for s in (slot, slot - 1)
    )


def device_hash(activity: Activity, device_id: str) -> str:
    """The keyed hash of a device's cookie stored with a sign-in (per activity)."""
    if not device_id:
        return ""
    return hmac.new(_key(activity), f"device:{device_id}".encode(), hashlib.sha256).hexdigest()


# -- the window ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """When codes of an activity are good."""

    opens: dt.datetime
    closes: dt.datetime

    def state(self, moment: dt.datetime) -> str:
        """``before``, ``open`` or ``after``."""
        if moment < self.opens:
            return "before"
        if moment > self.closes:
            return "after"
        return "open"


def sign_window(activity: Activity) -> Window:
    """From ``starts_at`` − ``XUEFEN_SIGNIN_EARLY_MINUTES`` (30) to ``ends_at``."""
    early = int(getattr(settings, "XUEFEN_SIGNIN_EARLY_MINUTES", DEFAULT_EARLY_MINUTES))
    return Window(activity.starts_at - dt.timedelta(minutes=early), activity.ends_at)


def _hm(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _day_hm(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def closed_reason(activity: Activity, moment: dt.datetime) -> str | None:
    """Why nobody can sign in to ``activity`` at ``moment`` by code, or None when one can."""
    if activity.status == ActivityStatus.CANCELLED:
        return _("This activity was cancelled: there is no sign-in.")
    if activity.status != ActivityStatus.PLANNED:
        return _("This activity is closed: sign-in has ended.")
    window = sign_window(activity)
    state = window.state(moment)
    if state == "before":
        return _("Sign-in opens at %(time)s, %(minutes)s minutes before the activity starts.") % {
            "time": _day_hm(window.opens),
            "minutes": int((activity.starts_at - window.opens).total_seconds() // 60),
        }
    if state == "after":
        return _("Sign-in ended at %(time)s, when the activity ended.") % {
            "time": _day_hm(window.closes)
        }
    return None


def expired_message() -> str:
    """What a teacher reads for a code that is no longer (or never was) good."""
    return _(
        "This code has expired or is not valid (the code on the screen changes every "
        "%(seconds)s seconds). Scan the code on the screen again."
    ) % {"seconds": rotation()}


def not_participant_message() -> str:
    """What a teacher not on the list of participants reads."""
    return _("You are not on the list of participants of this activity.")


def check_code(
    activity: Activity,
    code: str,
    *,
    now: dt.datetime,
    scanned_at: dt.datetime | None,
    teacher: Any = None,
) -> dt.datetime:
    """The moment the code was proven good (now, or the scan noted in the session);
    a :class:`ValidationError` when the activity is not open then, or the code is bad."""
    moment = now
    if scanned_at is not None and scanned_at <= now and now - scanned_at <= login_grace():
        moment = scanned_at
    reason = closed_reason(activity, moment)
    if reason is not None:
        raise ValidationError({"code": reason})
    if not code_matches(activity, code, moment=moment, teacher=teacher):
        raise ValidationError({"code": expired_message()})
    return moment


# -- sign-in -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInResult:
    """What a sign-in did: the participation, whether it was already signed in (nothing
    changed), and whether the device was flagged as signing in several people."""

    participation: Participation
    already: bool = False
    flagged: bool = False


def _locked(activity: Activity) -> Activity:
    return (
        Activity.objects.select_related("school", "presenter")
        # Only the activity's row: PostgreSQL locks no nullable side of an outer join.
        .select_for_update(of=("self",))
        .get(pk=activity.pk)
    )


def _participation(activity: Activity, teacher: Any) -> Participation:
    row = (
        Participation.objects.select_for_update()
        .filter(activity_id=activity.pk, teacher_id=teacher.pk)
        .first()
    )
    if row is None:
        raise ValidationError({"teacher": not_participant_message()})
    return row


def _actor_teacher(actor: Any) -> Any:
    from xuefen.org.models import Teacher

    teacher = (
        Teacher.objects.filter(user_id=actor.pk, active=True).first()
        if actor is not None and actor.is_authenticated
        else None
    )
    if teacher is None:
        raise PermissionDenied("only a teacher signs themselves in")
    return teacher


def _already(row: Participation) -> SignInResult | None:
    if row.state == Attendance.PRESENT:
        return SignInResult(participation=row, already=True, flagged=row.flagged)
    return None


def _mark_present(
    row: Participation, *, actor: Any, method: str, moment: dt.datetime, device: str = ""
) -> dict[str, Any]:
    old = {"state": row.state, "method": row.method}
    row.state = Attendance.PRESENT
    row.method = method
    row.signed_at = moment
    row.signed_by = actor
    row.device = device
    row.save(update_fields=["state", "method", "signed_at", "signed_by", "device", "flagged"])
    return old


def sign_in(
    *,
    actor: Any,
    activity: Activity,
    code: str,
    device: str,
    scanned_at: dt.datetime | None = None,
) -> SignInResult:
    """The logged-in teacher ``actor`` signs themselves in with the screen's ``code``.

    ``device`` is the raw id from the device cookie (hashed here, never stored);
    ``scanned_at`` the moment this browser's session saw the code good (the views' note,
    for a login in between). Refused: not a teacher of the activity's school (404 in the
    views), not a participant, the activity not open, the code expired or another one's;
    signing in twice changes nothing (``already``).
    """
    teacher = _actor_teacher(actor)
    if not can(actor, "view", activity):
        raise PermissionDenied("not a teacher of this activity's school")
    now = _now()
    with transaction.atomic():
        activity = _locked(activity)
        row = _participation(activity, teacher)
        done = _already(row)
        if done is not None:
            return done
        moment = check_code(activity, code, now=now, scanned_at=scanned_at)
        if not device:
            raise ValidationError(
                {
                    "device": _(
                        "Your browser did not keep this site's cookie. Allow cookies for this "
                        "site and scan the code again."
                    )
                }
            )
        hashed = device_hash(activity, device)
        others = list(
            Participation.objects.select_for_update()
            .filter(activity_id=activity.pk, device=hashed)
            .exclude(pk=row.pk)
            .values_list("pk", flat=True)
        )
        if others:
            Participation.objects.filter(pk__in=others).update(flagged=True)
            row.flagged = True
        old = _mark_present(row, actor=actor, method=SignInMethod.QR, moment=moment, device=hashed)
        new = {"state": row.state, "method": row.method, "signed_at": moment}
        if others:
            new["flagged_with"] = others
        audit_log(
            actor=actor,
            event=Event.SIGN_IN,
            target=row,
            node=activity.school,
            old=old,
            new=new,
        )
        if others:
            _tell_flag(activity, teacher)
    return SignInResult(participation=row, flagged=bool(others))


def _tell_flag(activity: Activity, teacher: Any) -> None:
    text = _(
        "One device signed in several people to %(activity)s (the latest: %(teacher)s). "
        "Check the flagged sign-ins."
    ) % {"activity": activity.theme, "teacher": teacher.name}
    notify_on_commit(
        users_with_roles(activity.school, [Role.SCHOOL_ADMIN]),
        event=Event.SIGN_IN,
        title=text[:200],
        body=text,
        url=reverse("activities:screen", args=[activity.pk]),
    )


def may_present(user: Any, activity: Activity) -> bool:
    """Whether ``user`` runs the activity's sign-in: its presenter, or its school's
    administrators (who may change the activity)."""
    if user is None or not user.is_authenticated:
        return False
    presenter = activity.presenter
    if presenter is not None and presenter.user_id == user.pk and presenter.active:
        return can(user, "view", activity)
    return can(user, "change", activity)


def sign_in_personal(
    *,
    actor: Any,
    activity: Activity,
    teacher: Any,
    code: str,
    scanned_at: dt.datetime | None = None,
) -> SignInResult:
    """The presenter (or a school administrator) ``actor`` scanned ``teacher``'s personal
    code: the teacher is signed in, by ``actor``. Refused as :func:`sign_in`, and for
    anyone but the presenter and the school's administrators."""
    if not may_present(actor, activity):
        raise PermissionDenied("only the presenter or the school's administrators scan codes")
    now = _now()
    with transaction.atomic():
        activity = _locked(activity)
        row = _participation(activity, teacher)
        done = _already(row)
        if done is not None:
            return done
        moment = check_code(activity, code, now=now, scanned_at=scanned_at, teacher=teacher)
        old = _mark_present(row, actor=actor, method=SignInMethod.PERSONAL, moment=moment)
        audit_log(
            actor=actor,
            event=Event.SIGN_IN,
            target=row,
            node=activity.school,
            old=old,
            new={"state": row.state, "method": row.method, "signed_at": moment},
        )
    return SignInResult(participation=row)
