"""Every change of an assessment: one service each (lock, state and right, transaction,
audit entry, notification on commit).

The county (the round's region) creates and opens a round, assigns peers, and on its
column finalizes each school's sheet — which stores the school's result
(:class:`~.models.SchoolAssessment`) — and, inside the rectification window, records the
score after rectification. The school fills and submits its self-evaluation inside the
self window; the assigned peer school fills and submits the peer column inside the peer
window. Nothing here imports :mod:`xuefen.results`: the results follow the
``assessment.finalize`` and ``assessment.rectify`` events (every teacher of the school).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_log
from xuefen.inbox.recipients import users_with_roles
from xuefen.inbox.services import notify_on_commit
from xuefen.org.choices import NodeKind, Role
from xuefen.org.models import OrgNode, Teacher
from xuefen.org.scoping import require
from xuefen.policy import XuefenError

from . import scoring
from .access import (
    RECTIFICATION,
    column_window,
    in_window,
    may_fill,
    may_review,
    reviewer_column,
)
from .choices import PEER_COLUMN, SELF_COLUMN, ColumnStatus, Combine, RoundStatus, Subject
from .models import PeerAssignment, Round, SchoolAssessment, SchoolHonor, Sheet, SheetColumn
from .workflow import COLUMN_MACHINE, EDITABLE

SCHOOL_STAFF = (Role.SCHOOL_ADMIN, Role.PRINCIPAL)
REGION_STAFF = (Role.COUNTY_ADMIN, Role.CITY_ADMIN)
MAX_VALUE_CHARS = 2000


def _today() -> dt.date:
    return timezone.localdate()


def _window_text(start: dt.date | None, end: dt.date | None) -> str:
    if start is None or end is None:
        return _("not set")
    return f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"


# -- rounds ------------------------------------------------------------------------------


def _check_round(data: Mapping[str, Any]) -> dict[str, Any]:
    """The round's fields checked: the sheet loads, the windows are in order."""
    errors: dict[str, list[str]] = {}
    sheet_id = (data.get("sheet_id") or "").strip()
    sheet_text = data.get("sheet_text") or ""
    if bool(sheet_id) == bool(sheet_text.strip()):
        errors.setdefault("sheet_id", []).append(_("Choose a bundled sheet or upload one."))
    sheet_file = None
    if not errors:
        probe = Round(
            sheet_id=sheet_id, sheet_text=sheet_text, sheet_name=data.get("sheet_name", "")
        )
        try:
            sheet_file = scoring.load_round_sheet(probe)
        except (XuefenError, OSError, ValueError) as exc:
            errors.setdefault("sheet_id", []).append(
                _("The sheet cannot be used: %(reason)s") % {"reason": str(exc)[:300]}
            )
    pairs = (
        ("self_from", "self_to", True),
        ("peer_from", "peer_to", False),
        ("onsite_from", "onsite_to", True),
        ("rectify_from", "rectify_to", False),
    )
    for a, b, required in pairs:
        start, end = data.get(a), data.get(b)
        if required and (start is None or end is None):
            errors.setdefault(a, []).append(_("Give the first and the last day."))
        elif (start is None) != (end is None):
            errors.setdefault(a, []).append(_("Give both days or neither."))
        elif start is not None and start > end:
            errors.setdefault(a, []).append(_("The first day is after the last."))
    period_start, period_end = data.get("start"), data.get("end")
    if period_start is None or period_end is None or period_start > period_end:
        errors.setdefault("start", []).append(_("The period is not valid."))
    if data.get("combine") == Combine.WEIGHTED:
        weights = data.get("weights") or {}
        if not weights or any(not isinstance(w, int | float) or w < 0 for w in weights.values()):
            errors.setdefault("weights", []).append(_("Give a weight of zero or more per column."))
        elif sheet_file is not None and set(weights) - set(sheet_file.columns):
            errors.setdefault("weights", []).append(
                _("Unknown columns: %(names)s")
                % {"names": "、".join(sorted(set(weights) - set(sheet_file.columns)))}
            )
    if errors:
        raise ValidationError(errors)
    return {"sheet": sheet_file}


def _pass_mark(node: OrgNode, day: dt.date | None, sheet_file: Any) -> float | None:
    """The pass mark of a school round: the policy's gate in force at the region (文成: above
    120), else the sheet's own passing score."""
    from xuefen.org.services import policy_for

    binding = policy_for(node=node, day=day or _today())
    if binding is not None:
        try:
            gate = binding.load().assessment_gate
        except (XuefenError, OSError, ValueError):
            gate = None
        if gate is not None:
            return float(gate.pass_above)
    if sheet_file.spec.passing is not None:
        return float(sheet_file.spec.passing.score)
    return None


def round_create(*, actor: Any, node: OrgNode, **fields: Any) -> Round:
    """A new round for the schools under ``node`` (a region), set up but not yet open.

    ``fields``: title, subject, sheet_id or sheet_text (+ sheet_name), period_type, start,
    end, label, the windows, pass_above (default: the sheet's pass mark), combine, weights.
    """
    require(actor, "manage", node)
    if node.kind == NodeKind.SCHOOL and fields.get("subject", Subject.SCHOOL) == Subject.SCHOOL:
        raise ValidationError({"node": _("A school assessment round belongs to a region.")})
    checked = _check_round(fields)
    sheet_file = checked["sheet"]
    if fields.get("pass_above") is None:
        # Neither the policy nor the sheet may set one (平阳 scores without a pass mark):
        # the result is then a score, neither passed nor failed.
        fields["pass_above"] = _pass_mark(node, fields.get("start"), sheet_file)
    if not fields.get("sheet_name"):
        fields["sheet_name"] = sheet_file.name
    with transaction.atomic():
        try:
            with transaction.atomic():
                rnd = Round.objects.create(node=node, created_by=actor, **fields)
        except IntegrityError:
            raise ValidationError(
                {"start": _("This region already has a round for this period.")}
            ) from None
        audit_log(
            actor=actor,
            event=Event.ROUND_CREATE,
            target=rnd,
            node=node,
            new={"title": rnd.title, "sheet": rnd.sheet_id or rnd.sheet_name, "period": rnd.label},
        )
    return rnd


def _schools(rnd: Round) -> list[OrgNode]:
    if rnd.node.kind == NodeKind.SCHOOL:
        return [rnd.node]
    return list(
        OrgNode.objects.filter(kind=NodeKind.SCHOOL, path__startswith=rnd.node.path).order_by(
            "path"
        )
    )


def round_open(*, actor: Any, rnd: Round) -> Round:
    """Open the round: a sheet for every school under the region (or every active teacher of
    them, for a teacher round); the schools are told."""
    with transaction.atomic():
        rnd = Round.objects.select_for_update().select_related("node").get(pk=rnd.pk)
        require(actor, "manage", rnd.node)
        if rnd.status != RoundStatus.DRAFT:
            raise ValidationError({"status": _("This round is already open or closed.")})
        schools = _schools(rnd)
        if rnd.subject == Subject.TEACHER:
            Sheet.objects.bulk_create(
                [
                    Sheet(round=rnd, school_id=school_id, teacher_id=pk)
                    for pk, school_id in Teacher.objects.filter(
                        school__in=schools, active=True
                    ).values_list("pk", "school_id")
                ],
                batch_size=1000,
                ignore_conflicts=True,
            )
        else:
            Sheet.objects.bulk_create(
                [Sheet(round=rnd, school=s) for s in schools], ignore_conflicts=True
            )
        rnd.status = RoundStatus.OPEN
        rnd.save(update_fields=["status", "updated_at"])
        audit_log(
            actor=actor,
            event=Event.ROUND_OPEN,
            target=rnd,
            node=rnd.node,
            new={"status": rnd.status, "sheets": Sheet.objects.filter(round=rnd).count()},
        )
        staff = set()
        for school in schools:
            staff.update(users_with_roles(school, SCHOOL_STAFF))
        notify_on_commit(
            staff,
            event=Event.ROUND_OPEN,
            title=_("Assessment %(title)s is open: self-evaluation %(window)s")
            % {"title": rnd.title, "window": _window_text(rnd.self_from, rnd.self_to)},
            url=reverse("assessments:school_home"),
        )
    return rnd


def round_close(*, actor: Any, rnd: Round) -> Round:
    """Close the round: nothing more is entered (the results stay)."""
    with transaction.atomic():
        rnd = Round.objects.select_for_update().select_related("node").get(pk=rnd.pk)
        require(actor, "manage", rnd.node)
        if rnd.status != RoundStatus.OPEN:
            raise ValidationError({"status": _("Only an open round can be closed.")})
        rnd.status = RoundStatus.CLOSED
        rnd.save(update_fields=["status", "updated_at"])
        audit_log(
            actor=actor,
            event=Event.ROUND_CLOSE,
            target=rnd,
            node=rnd.node,
            new={"status": rnd.status},
        )
    return rnd


def peer_assign(*, actor: Any, rnd: Round, assessor: OrgNode, school: OrgNode) -> PeerAssignment:
    """互比互学: ``assessor``'s staff will evaluate ``school`` in the peer window (replacing
    an earlier assignment of the school). Both are schools of the round's region."""
    require(actor, "manage", rnd.node)
    for node in (assessor, school):
        if node.kind != NodeKind.SCHOOL or not node.path.startswith(rnd.node.path):
            raise ValidationError(
                {"school": _("%(name)s is not a school of this round.") % {"name": node.name}}
            )
    if assessor.pk == school.pk:
        raise ValidationError({"assessor": _("A school does not evaluate itself.")})
    if rnd.subject != Subject.SCHOOL:
        raise ValidationError({"assessor": _("Peer evaluation is for school rounds.")})
    with transaction.atomic():
        Round.objects.select_for_update().filter(pk=rnd.pk).first()
        old = (
            PeerAssignment.objects.filter(round=rnd, school=school)
            .select_related("assessor")
            .first()
        )
        if old is not None and old.assessor_id == assessor.pk:
            return old
        if old is not None:
            old.delete()
        assignment = PeerAssignment.objects.create(round=rnd, assessor=assessor, school=school)
        audit_log(
            actor=actor,
            event=Event.PEER_ASSIGN,
            target=assignment,
            node=rnd.node,
            old={"assessor": old.assessor.name} if old else None,
            new={"assessor": assessor.name, "school": school.name},
        )
        notify_on_commit(
            users_with_roles(assessor, SCHOOL_STAFF),
            event=Event.PEER_ASSIGN,
            title=_("Your school evaluates %(school)s (%(title)s), %(window)s")
            % {
                "school": school.name,
                "title": rnd.title,
                "window": _window_text(rnd.peer_from, rnd.peer_to),
            },
            url=reverse("assessments:school_home"),
        )
    return assignment


# -- columns -----------------------------------------------------------------------------


def _check_values(sheet_file: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """The entered values checked against the sheet's bounds, in Chinese, by item."""
    fields = scoring.entry_inputs(sheet_file)
    unknown = sorted(set(values) - set(fields))
    errors: list[str] = []
    if unknown:
        errors.append(_("Unknown items: %(names)s") % {"names": "、".join(unknown)})
    clean: dict[str, Any] = {}
    for name, spec in fields.items():
        raw = values.get(name)
        if raw in (None, ""):
            continue
        label = spec["label"]
        if spec["type"] == "boolean":
            if isinstance(raw, bool):
                clean[name] = raw
            elif str(raw).strip() in ("1", "true", "是", "on"):
                clean[name] = True
            elif str(raw).strip() in ("0", "false", "否", "off"):
                clean[name] = False
            else:
                errors.append(_("%(item)s: answer yes or no.") % {"item": label})
            continue
        if spec["type"] == "list":
            if not isinstance(raw, list) or len(str(raw)) > MAX_VALUE_CHARS:
                errors.append(_("%(item)s: not a valid list.") % {"item": label})
            else:
                clean[name] = raw
            continue
        try:
            number = float(str(raw).strip())
        except ValueError:
            errors.append(
                _("%(item)s: “%(value)s” is not a number.")
                % {"item": label, "value": str(raw)[:20]}
            )
            continue
        if number != number or abs(number) > 1e9:
            errors.append(
                _("%(item)s: “%(value)s” is not a number.")
                % {"item": label, "value": str(raw)[:20]}
            )
            continue
        if spec["type"] == "integer":
            if number != int(number):
                errors.append(_("%(item)s: give a whole number.") % {"item": label})
                continue
            number = int(number)
        lo, hi = spec["min"], spec["max"]
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            errors.append(
                _("%(item)s: %(value)s is outside %(min)s–%(max)s.")
                % {
                    "item": label,
                    "value": f"{number:g}",
                    "min": "" if lo is None else f"{lo:g}",
                    "max": "" if hi is None else f"{hi:g}",
                }
            )
            continue
        clean[name] = number
    if errors:
        raise ValidationError({"values": errors})
    return clean


def _missing(sheet_file: Any, values: Mapping[str, Any]) -> list[str]:
    return [
        spec["label"]
        for name, spec in scoring.entry_inputs(sheet_file).items()
        if spec["required"] and values.get(name) in (None, "")
    ]


def _locked_sheet(pk: int) -> Sheet:
    """The sheet, locked (its row only: the teacher of a school sheet is an outer join,
    which PostgreSQL does not lock)."""
    return (
        Sheet.objects.select_for_update(of=("self",))
        .select_related("round", "round__node", "school", "teacher")
        .get(pk=pk)
    )


def _column(sheet: Sheet, column: str) -> SheetColumn:
    found, _created = SheetColumn.objects.get_or_create(sheet=sheet, column=column)
    return SheetColumn.objects.select_for_update().get(pk=found.pk)


def _columns_of(sheet_file: Any) -> list[str]:
    return [*sheet_file.columns, RECTIFICATION]


def _open_round(sheet: Sheet) -> Round:
    rnd = sheet.round
    if rnd.status != RoundStatus.OPEN:
        raise ValidationError({"status": _("This round is not open.")})
    return rnd


def _may_enter(actor: Any, sheet: Sheet, column: str, day: dt.date) -> tuple[Any, str]:
    rnd = _open_round(sheet)
    sheet_file = scoring.load_round_sheet(rnd)
    reviewer = reviewer_column(sheet_file)
    if column not in _columns_of(sheet_file):
        raise ValidationError({"column": _("This sheet has no such column.")})
    if not may_fill(actor, sheet, column, reviewer, day):
        raise PermissionDenied("not this actor's column")
    start, end = column_window(rnd, column, reviewer)
    if not in_window(start, end, day):
        raise ValidationError(
            {
                "column": _("This column is entered from %(window)s.")
                % {"window": _window_text(start, end)}
            }
        )
    return sheet_file, reviewer


def column_save(
    *, actor: Any, sheet: Sheet, column: str, values: Mapping[str, Any], remarks: str = ""
) -> SheetColumn:
    """Save what the evaluator entered in ``column`` (not yet submitted): checked against
    the sheet's bounds and scored by the engine, so the page shows the points as entered."""
    day = _today()
    with transaction.atomic():
        sheet = _locked_sheet(sheet.pk)
        sheet_file, reviewer = _may_enter(actor, sheet, column, day)
        clean = _check_values(sheet_file, values)
        col = _column(sheet, column)
        if col.status not in EDITABLE:
            raise ValidationError(
                {
                    "status": _("This column is %(state)s: it can no longer be changed.")
                    % {"state": col.get_status_display()}
                }
            )
        scored: dict[str, Any] = {}
        if not _missing(sheet_file, clean):
            # The rectification is the reviewer's scoring again: the engine knows the
            # sheet's own columns only.
            as_column = reviewer if column == RECTIFICATION else column
            scored = scoring.score(sheet, as_column, clean, sheet_file=sheet_file)
        old = {"values": col.values, "remarks": col.remarks}
        col.values = clean
        col.remarks = (remarks or "").strip()[:MAX_VALUE_CHARS]
        col.scored = scored
        col.total = scored.get("total") if scored else None
        col.save()
        audit_log(
            actor=actor,
            event=Event.SHEET_SAVE,
            target=col,
            node=sheet.school,
            old=old,
            new={"values": col.values, "remarks": col.remarks, "total": col.total},
        )
    return col


def column_submit(*, actor: Any, sheet: Sheet, column: str) -> SheetColumn:
    """Submit a self or peer column: every required item entered; the reviewer is told."""
    day = _today()
    if column not in (SELF_COLUMN, PEER_COLUMN):
        raise ValidationError({"column": _("Only the self and peer columns are submitted.")})
    with transaction.atomic():
        sheet = _locked_sheet(sheet.pk)
        sheet_file, _reviewer = _may_enter(actor, sheet, column, day)
        col = _column(sheet, column)
        COLUMN_MACHINE.check("submit", col.status)
        missing = _missing(sheet_file, col.values)
        if missing:
            raise ValidationError(
                {"values": _("Not yet entered: %(items)s") % {"items": "、".join(missing)}}
            )
        col.scored = scoring.score(sheet, column, col.values, sheet_file=sheet_file)
        col.total = col.scored.get("total")
        col.status = ColumnStatus.SUBMITTED
        col.submitted_by = actor
        col.submitted_at = timezone.now()
        col.return_reason = ""
        col.save()
        audit_log(
            actor=actor,
            event=Event.SHEET_SUBMIT,
            target=col,
            node=sheet.school,
            new={"status": col.status, "total": col.total},
        )
        reviewers = (
            users_with_roles(sheet.school, SCHOOL_STAFF)
            if sheet.teacher_id
            else users_with_roles(sheet.round.node, REGION_STAFF)
        )
        notify_on_commit(
            reviewers,
            event=Event.SHEET_SUBMIT,
            title=_("%(who)s submitted the %(column)s of %(title)s: %(total)s")
            % {
                "who": sheet.teacher.name if sheet.teacher_id else sheet.school.name,
                "column": sheet_file.columns.get(column, column),
                "title": sheet.round.title,
                "total": f"{col.total:g}",
            },
            url=reverse("assessments:sheet", args=[sheet.pk]),
        )
    return col


def column_return(*, actor: Any, sheet: Sheet, column: str, reason: str) -> SheetColumn:
    """The reviewer returns a submitted self or peer column with a reason; its authors are
    told and may correct and submit it again inside its window."""
    with transaction.atomic():
        sheet = _locked_sheet(sheet.pk)
        _open_round(sheet)
        if not may_review(actor, sheet):
            raise PermissionDenied("not the reviewer")
        col = SheetColumn.objects.select_for_update().filter(sheet=sheet, column=column).first()
        if col is None:
            raise ValidationError({"column": _("This column has not been entered.")})
        COLUMN_MACHINE.check("return", col.status, reason=reason)
        col.status = ColumnStatus.RETURNED
        col.return_reason = reason.strip()[:MAX_VALUE_CHARS]
        col.save()
        audit_log(
            actor=actor,
            event=Event.SHEET_RETURN,
            target=col,
            node=sheet.school,
            new={"status": col.status},
            reason=col.return_reason,
        )
        if column == PEER_COLUMN:
            assignment = (
                PeerAssignment.objects.filter(round=sheet.round, school=sheet.school)
                .select_related("assessor")
                .first()
            )
            authors = users_with_roles(assignment.assessor, SCHOOL_STAFF) if assignment else []
        elif sheet.teacher_id:
            authors = [sheet.teacher.user_id]
        else:
            authors = users_with_roles(sheet.school, SCHOOL_STAFF)
        notify_on_commit(
            authors,
            event=Event.SHEET_RETURN,
            title=_("%(title)s returned: %(reason)s")
            % {"title": sheet.round.title, "reason": col.return_reason[:100]},
            url=reverse("assessments:sheet", args=[sheet.pk]),
        )
    return col


def _gate_text(
    score: float, fixed: float | None, pass_above: float | None
) -> tuple[bool | None, str]:
    """Passed or not, in the engine's words; None without a pass mark (a score only)."""
    from xuefen.policy import assessment_outcome

    if pass_above is None:
        return None, f"本校考核 {score:g} 分"
    outcome = assessment_outcome(score, fixed, pass_above)
    return bool(outcome["passed"]), str(outcome["text"])


def sheet_finalize(*, actor: Any, sheet: Sheet) -> SchoolAssessment | SheetColumn:
    """The reviewer finalizes the sheet on their column: the final score is made by the
    round's rule and, on a school sheet, stored as the school's result of the period (the
    results follow: every teacher of the school). The self column must be in (submitted);
    a peer column is waited for while its window lasts."""
    day = _today()
    with transaction.atomic():
        sheet = _locked_sheet(sheet.pk)
        rnd = _open_round(sheet)
        sheet_file = scoring.load_round_sheet(rnd)
        reviewer = reviewer_column(sheet_file)
        if not may_review(actor, sheet):
            raise PermissionDenied("not the reviewer")
        start, end = column_window(rnd, reviewer, reviewer)
        if not in_window(start, end, day):
            raise ValidationError(
                {
                    "column": _("This column is entered from %(window)s.")
                    % {"window": _window_text(start, end)}
                }
            )
        columns = {c.column: c for c in SheetColumn.objects.select_for_update().filter(sheet=sheet)}
        col = columns.get(reviewer) or _column(sheet, reviewer)
        COLUMN_MACHINE.check("finalize", col.status)
        missing = _missing(sheet_file, col.values)
        if missing:
            raise ValidationError(
                {"values": _("Not yet entered: %(items)s") % {"items": "、".join(missing)}}
            )
        own = columns.get(SELF_COLUMN)
        if SELF_COLUMN in sheet_file.columns and (
            own is None or own.status != ColumnStatus.SUBMITTED
        ):
            raise ValidationError({"column": _("The self-evaluation has not been submitted yet.")})
        peer = columns.get(PEER_COLUMN)
        has_peer = (
            PEER_COLUMN in sheet_file.columns
            and PeerAssignment.objects.filter(round=rnd, school=sheet.school).exists()
        )
        if (
            has_peer
            and (peer is None or peer.status != ColumnStatus.SUBMITTED)
            and rnd.peer_to is not None
            and day <= rnd.peer_to
        ):
            raise ValidationError(
                {
                    "column": _("The peer evaluation may still be submitted until %(day)s.")
                    % {"day": f"{rnd.peer_to:%Y-%m-%d}"}
                }
            )
        col.scored = scoring.score(sheet, reviewer, col.values, sheet_file=sheet_file)
        col.total = col.scored.get("total")
        col.status = ColumnStatus.FINAL
        col.submitted_by = actor
        col.submitted_at = timezone.now()
        col.save()
        for other in (own, peer):
            if other is not None and other.status == ColumnStatus.SUBMITTED:
                other.status = ColumnStatus.FINAL
                other.save(update_fields=["status", "updated_at"])
        totals = {reviewer: col.total}
        for other in (own, peer):
            if other is not None and other.total is not None and other.status == ColumnStatus.FINAL:
                totals[other.column] = other.total
        score, how = scoring.combined(rnd, totals, reviewer)
        if sheet.teacher_id is not None:
            audit_log(
                actor=actor,
                event=Event.SHEET_FINALIZE,
                target=col,
                node=sheet.school,
                new={"total": col.total, "score": score},
            )
            return col
        passed, text = _gate_text(score, None, rnd.pass_above)
        result, _created = SchoolAssessment.objects.select_for_update().update_or_create(
            school=sheet.school,
            period_type=rnd.period_type,
            start=rnd.start,
            defaults={
                "round": rnd,
                "end": rnd.end,
                "label": rnd.label,
                "score": score,
                "rectification_score": None,
                "passed": passed,
                "explanation": f"{text}（{how}）"[:300],
                "decided_by": actor,
            },
        )
        audit_log(
            actor=actor,
            event=Event.ASSESSMENT_FINALIZE,
            target=result,
            node=sheet.school,
            new={"score": score, "passed": passed, "how": how, "period": rnd.label},
        )
        notify_on_commit(
            users_with_roles(sheet.school, SCHOOL_STAFF),
            event=Event.ASSESSMENT_FINALIZE,
            title=_("%(title)s: %(text)s") % {"title": rnd.title, "text": text}
            + (
                ""
                if passed or rnd.rectify_from is None
                else _("; rectification %(window)s")
                % {"window": _window_text(rnd.rectify_from, rnd.rectify_to)}
            ),
            url=reverse("assessments:sheet", args=[sheet.pk]),
        )
    return result


def sheet_rectify(
    *, actor: Any, sheet: Sheet, values: Mapping[str, Any], remarks: str = ""
) -> SchoolAssessment:
    """After rectification (inside the round's rectification window), the reviewer scores
    the school again on the rectification column; the school's result keeps its first score
    and gains the score after rectification, which the gate judges."""
    day = _today()
    with transaction.atomic():
        sheet = _locked_sheet(sheet.pk)
        rnd = _open_round(sheet)
        if sheet.teacher_id is not None:
            raise ValidationError({"column": _("Rectification is for school sheets.")})
        sheet_file, reviewer = _may_enter(actor, sheet, RECTIFICATION, day)
        result = (
            SchoolAssessment.objects.select_for_update()
            .filter(school=sheet.school, period_type=rnd.period_type, start=rnd.start, round=rnd)
            .first()
        )
        if result is None:
            raise ValidationError({"column": _("The sheet has not been finalized yet.")})
        if result.passed is None:
            raise ValidationError({"column": _("This round has no pass mark: nothing to rectify.")})
        if result.passed and result.rectification_score is None:
            raise ValidationError({"column": _("The school passed: there is nothing to rectify.")})
        clean = _check_values(sheet_file, values)
        missing = _missing(sheet_file, clean)
        if missing:
            raise ValidationError(
                {"values": _("Not yet entered: %(items)s") % {"items": "、".join(missing)}}
            )
        col = _column(sheet, RECTIFICATION)
        COLUMN_MACHINE.check("rectify", col.status)
        col.values = clean
        col.remarks = (remarks or "").strip()[:MAX_VALUE_CHARS]
        col.scored = scoring.score(sheet, reviewer, clean, sheet_file=sheet_file)
        col.total = col.scored.get("total")
        col.status = ColumnStatus.FINAL
        col.submitted_by = actor
        col.submitted_at = timezone.now()
        col.save()
        passed, text = _gate_text(result.score, col.total, rnd.pass_above)
        old = {"rectification_score": result.rectification_score, "passed": result.passed}
        result.rectification_score = col.total
        result.passed = passed
        result.explanation = text[:300]
        result.decided_by = actor
        result.save()
        audit_log(
            actor=actor,
            event=Event.ASSESSMENT_RECTIFY,
            target=result,
            node=sheet.school,
            old=old,
            new={"rectification_score": col.total, "passed": passed},
        )
        notify_on_commit(
            users_with_roles(sheet.school, SCHOOL_STAFF),
            event=Event.ASSESSMENT_RECTIFY,
            title=_("%(title)s: %(text)s") % {"title": rnd.title, "text": text},
            url=reverse("assessments:sheet", args=[sheet.pk]),
        )
    return result


# -- school honours ----------------------------------------------------------------------


def honor_add(
    *, actor: Any, school: OrgNode, title: str, level: str, date: dt.date, note: str = ""
) -> SchoolHonor:
    """Record a school's honour (平阳 附加分: 县/市校本研训示范校): the region's administrators."""
    from xuefen.catalog.choices import Level

    from .choices import HonorTitle

    require(actor, "manage", school)
    errors: dict[str, list[str]] = {}
    if school.kind != NodeKind.SCHOOL:
        errors.setdefault("school", []).append(_("Choose a school."))
    if title not in HonorTitle.values:
        errors.setdefault("title", []).append(_("Unknown honour."))
    if level not in Level.values or level == Level.SCHOOL:
        errors.setdefault("level", []).append(_("Choose county level or higher."))
    if date is None or date > _today():
        errors.setdefault("date", []).append(_("Give the day it was awarded (not in the future)."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                honor = SchoolHonor.objects.create(
                    school=school,
                    title=title,
                    level=level,
                    date=date,
                    note=(note or "").strip()[:200],
                    created_by=actor,
                )
        except IntegrityError:
            raise ValidationError({"date": _("This honour is already recorded.")}) from None
        audit_log(
            actor=actor,
            event=Event.HONOR_ADD,
            target=honor,
            node=school,
            new={"title": title, "level": level, "date": date.isoformat(), "note": honor.note},
        )
    return honor


def honor_remove(*, actor: Any, honor: SchoolHonor, reason: str) -> None:
    """Remove a school's honour recorded by mistake, with a reason."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason.")})
    with transaction.atomic():
        honor = SchoolHonor.objects.select_for_update().select_related("school").get(pk=honor.pk)
        require(actor, "manage", honor.school)
        audit_log(
            actor=actor,
            event=Event.HONOR_REMOVE,
            target=honor,
            node=honor.school,
            old={"title": honor.title, "level": honor.level, "date": honor.date.isoformat()},
            reason=reason.strip()[:500],
        )
        honor.delete()
