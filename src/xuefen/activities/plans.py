"""A school's semester plan (校本研修计划) and its approval by the county.

The school's administrator writes the plan — goals, themes, the people responsible and the
planned activities laid out by one of three templates — and the school submits it within
the plan window of the region's policy (普洱: 每学期开学后一周内, ``procedure.plan``); the
county approves it or returns it with reasons (普洱 第九条, 附件3 六(四)(五)). Each step
is one service here: lock the row, judge its state with
:data:`~xuefen.activities.workflow.PLAN_MACHINE`, the actor's right and the window, write
one audit entry, notify on commit. An approved plan may be returned later; the results
follow ``plan.approve`` / ``plan.return`` (:mod:`xuefen.results.events`), so its
activities' records stop earning (nothing here imports :mod:`xuefen.results`).

The planned activities (``Plan.items``) are checked by pydantic models, one layout per
template:

``monthly``          rows of month (YYYY-MM, within the semester), theme, type
                     (:class:`~xuefen.activities.choices.ActivityType`), subject groups
                     (names) and the person responsible;
``dali_five_steps``  the five steps of 大荔's model — 问卷调查, 主题研修, 研课磨课, 示范展示,
                     总结提升 — in this order, each with its dated phase (within the
                     semester, in order, not overlapping), what is done and the tasks of
                     each tier (:class:`~xuefen.activities.choices.Tier`; 主题研修 names
                     all three: 教学设计 / 问题解决方案 / 精品课程设计);
``lanzhou``          兰州's centralized sessions with the six fixes (time, content, goal,
                     materials, presenter, topic: ``kind: session``) and self-study with
                     the four fixes (content, goal, materials, assignment length in
                     characters: ``kind: self_study``).

A refused row is a :class:`ValidationError` on ``items`` whose messages name the row and
the field in the reader's language (第2项活动，月份：…).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticError

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_log, audited_update, snapshot
from xuefen.credits.procedure import PLAN_PERIOD, WorkPeriod, check_window, procedure_at
from xuefen.credits.submissions import may_act_for_school, may_certify
from xuefen.inbox.recipients import users_with_roles
from xuefen.inbox.services import notify_on_commit
from xuefen.org.choices import NodeKind, Role
from xuefen.org.models import OrgNode
from xuefen.org.scoping import require

from .choices import ActivityType, PlanStatus, PlanTemplate, Tier
from .models import Plan
from .workflow import PLAN_MACHINE

# Plans the school may still change (a submitted or approved plan is the county's to judge).
EDITABLE = frozenset({PlanStatus.DRAFT, PlanStatus.RETURNED})
# The columns a plan's audit entries show.
PLAN_FIELDS = (
    "title",
    "label",
    "start",
    "end",
    "template",
    "goals",
    "themes",
    "responsible",
    "items",
    "status",
)
SCHOOL_STAFF = (Role.SCHOOL_ADMIN, Role.PRINCIPAL)
REGION_STAFF = (Role.COUNTY_ADMIN, Role.CITY_ADMIN)
MAX_ROWS = 100
MAX_WORDS = 100_000
# 大荔's five steps, in their order (002: 五步研修模式).
DALI_STEPS = ("问卷调查", "主题研修", "研课磨课", "示范展示", "总结提升")
# The step whose tasks the seed gives per tier (一层级 教学设计, 二层级 问题解决方案, 三层级
# 精品课程设计): every tier's task is required there.
DALI_TIERED_STEP = "主题研修"


# -- the layouts ---------------------------------------------------------------------------


def _text(max_length: int) -> Any:
    return Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)
    ]


Text100 = _text(100)
Text200 = _text(200)
Text500 = _text(500)
Text2000 = _text(2000)
Step = _text(20)
Task = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MonthlyRow(_Row):
    """One planned activity of a month."""

    month: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    theme: Text200
    type: ActivityType
    groups: Annotated[list[Text100], Field(max_length=20)] = []
    responsible: Text100


class TierTasks(_Row):
    """What each tier of teachers does in a step (an empty task: none of its own)."""

    novice: Task = ""
    growing: Task = ""
    key: Task = ""


class DaliStep(_Row):
    """One of 大荔's five steps with its dated phase."""

    step: Step
    start: dt.date
    end: dt.date
    content: Text2000
    tasks: TierTasks = TierTasks()


class LanzhouSession(_Row):
    """A centralized session with 兰州's six fixes (六定)."""

    kind: Literal["session"]
    time: dt.datetime
    content: Text500
    goal: Text500
    materials: Text500
    presenter: Text100
    topic: Text200


class LanzhouSelfStudy(_Row):
    """Self-study with 兰州's four fixes (四定)."""

    kind: Literal["self_study"]
    content: Text500
    goal: Text500
    materials: Text500
    words: Annotated[int, Field(ge=1, le=MAX_WORDS)]


LANZHOU_KINDS: dict[str, type[_Row]] = {"session": LanzhouSession, "self_study": LanzhouSelfStudy}

# How errors name a field (the form's labels).
FIELD_LABELS: dict[str, Any] = {
    "month": pgettext_lazy("plan", "Month"),
    "theme": pgettext_lazy("plan", "Theme"),
    "type": pgettext_lazy("plan", "Type"),
    "groups": pgettext_lazy("plan", "Subject groups"),
    "responsible": pgettext_lazy("plan", "Person responsible"),
    "step": pgettext_lazy("plan", "Step"),
    "start": pgettext_lazy("plan", "From"),
    "end": pgettext_lazy("plan", "To"),
    "content": pgettext_lazy("plan", "Content"),
    "tasks": pgettext_lazy("plan", "Tasks"),
    "time": pgettext_lazy("plan", "Time"),
    "goal": pgettext_lazy("plan", "Goal"),
    "materials": pgettext_lazy("plan", "Materials"),
    "presenter": pgettext_lazy("plan", "Presenter"),
    "topic": pgettext_lazy("plan", "Topic for discussion"),
    "words": pgettext_lazy("plan", "Assignment length (characters)"),
    "kind": pgettext_lazy("plan", "Kind"),
}
FIELD_LABELS.update({tier.value: tier.label for tier in Tier})


def _row_name(template: str, row: int, item: Any) -> str:
    """How an error names a row: 第2项活动, 第3步（研课磨课）, 第1次集中培训, 第2项自学."""
    if template == PlanTemplate.DALI_FIVE_STEPS:
        step = DALI_STEPS[row - 1] if 0 < row <= len(DALI_STEPS) else "?"
        return _("Step %(row)d (%(step)s)") % {"row": row, "step": step}
    if template == PlanTemplate.LANZHOU:
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind == "session":
            return _("Centralized session %(row)d") % {"row": row}
        if kind == "self_study":
            return _("Self-study %(row)d") % {"row": row}
        return _("Row %(row)d") % {"row": row}
    return _("Activity %(row)d") % {"row": row}


def _message(where: str, field: str | None, error: str) -> str:
    if field:
        return _("%(row)s, %(field)s: %(error)s") % {"row": where, "field": field, "error": error}
    return _("%(row)s: %(error)s") % {"row": where, "error": error}


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _reason(error: dict[str, Any]) -> str:
    """A pydantic error in the reader's words (pydantic's own are English)."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind in ("missing", "string_too_short"):
        return _("fill this in.")
    if kind == "string_too_long":
        return _("at most %(max)d characters.") % {"max": ctx.get("max_length", 0)}
    if kind == "too_long":
        return _("at most %(max)d entries.") % {"max": ctx.get("max_length", 0)}
    if kind in ("enum", "literal_error"):
        return _("%(value)s is not one of the choices.") % {"value": _shown(value)}
    if kind == "string_pattern_mismatch":
        return _("write it as YYYY-MM (got %(value)s).") % {"value": _shown(value)}
    if kind.startswith("datetime"):
        return _("%(value)s is not a date and time (YYYY-MM-DD HH:MM).") % {"value": _shown(value)}
    if kind.startswith("date"):
        return _("%(value)s is not a date (YYYY-MM-DD).") % {"value": _shown(value)}
    if kind.startswith("int"):
        return _("%(value)s is not a whole number.") % {"value": _shown(value)}
    if kind == "greater_than_equal":
        return _("at least %(min)s (got %(value)s).") % {"min": ctx.get("ge"), "value": value}
    if kind == "less_than_equal":
        return _("at most %(max)s (got %(value)s).") % {"max": ctx.get("le"), "value": value}
    if kind == "extra_forbidden":
        return _("this field is unknown.")
    return _("%(value)s is not valid here.") % {"value": _shown(value)}


def _field_label(loc: tuple[Any, ...]) -> str | None:
    names = [part for part in loc if isinstance(part, str)]
    if not names:
        return None
    return str(FIELD_LABELS.get(names[-1], names[-1]))


def _month_days(month: str) -> tuple[dt.date, dt.date]:
    year, number = (int(x) for x in month.split("-"))
    return dt.date(year, number, 1), dt.date(year, number, calendar.monthrange(year, number)[1])


def validate_items(template: str, items: Any, *, start: dt.date, end: dt.date) -> list[dict]:
    """The plan's planned activities, checked against ``template``'s layout and the
    semester ``start``–``end``, as stored (JSON); else a :class:`ValidationError` on
    ``items`` with one message per problem, naming the row and the field."""
    if items is None:
        return []
    if not isinstance(items, list | tuple):
        raise ValidationError({"items": _("The planned activities are not a list of rows.")})
    if len(items) > MAX_ROWS:
        raise ValidationError(
            {
                "items": _("At most %(max)d planned rows (got %(n)d).")
                % {"max": MAX_ROWS, "n": len(items)}
            }
        )
    errors: list[str] = []
    rows: list[tuple[str, _Row]] = []
    counters: dict[str, int] = {}
    for index, item in enumerate(items):
        if template == PlanTemplate.LANZHOU:
            kind = item.get("kind") if isinstance(item, dict) else None
            counters[str(kind)] = counters.get(str(kind), 0) + 1
            number = counters[str(kind)]
            model = LANZHOU_KINDS.get(kind) if isinstance(kind, str) else None
        else:
            number = index + 1
            model = DaliStep if template == PlanTemplate.DALI_FIVE_STEPS else MonthlyRow
        where = _row_name(template, number, item)
        if model is None:
            errors.append(
                _message(
                    where,
                    str(FIELD_LABELS["kind"]),
                    _("say whether it is a centralized session or self-study."),
                )
            )
            continue
        if not isinstance(item, dict):
            errors.append(_message(where, None, _("the row is not in the expected form.")))
            continue
        try:
            rows.append((where, model.model_validate(item)))
        except PydanticError as exc:
            errors.extend(
                _message(where, _field_label(e["loc"]), _reason(e))  # type: ignore[arg-type]
                for e in exc.errors(include_url=False)
            )
    if not errors:
        errors.extend(_check_rows(template, rows, start=start, end=end))
    if errors:
        raise ValidationError({"items": errors})
    return [row.model_dump(mode="json") for _where, row in rows]


def _semester(start: dt.date, end: dt.date) -> str:
    return _("the semester runs from %(start)s to %(end)s.") % {
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


def _check_rows(
    template: str, rows: list[tuple[str, Any]], *, start: dt.date, end: dt.date
) -> Iterable[str]:
    """What a single row cannot say: dates within the semester, the five steps in order."""
    label = FIELD_LABELS
    if template == PlanTemplate.MONTHLY:
        for where, row in rows:
            first, last = _month_days(row.month)
            if last < start or first > end:
                yield _message(
                    where,
                    str(label["month"]),
                    _("%(month)s is outside the semester: %(semester)s")
                    % {"month": row.month, "semester": _semester(start, end)},
                )
        return
    if template == PlanTemplate.LANZHOU:
        for where, row in rows:
            if isinstance(row, LanzhouSession) and not start <= row.time.date() <= end:
                yield _message(
                    where,
                    str(label["time"]),
                    _("%(day)s is outside the semester: %(semester)s")
                    % {"day": row.time.date().isoformat(), "semester": _semester(start, end)},
                )
        return
    if rows and len(rows) != len(DALI_STEPS):
        yield _("The five steps (%(steps)s) each have a row (got %(n)d).") % {
            "steps": "、".join(DALI_STEPS),
            "n": len(rows),
        }
        return
    previous: Any = None
    for (where, row), step in zip(rows, DALI_STEPS, strict=False):
        if row.step != step:
            yield _message(
                where,
                str(label["step"]),
                _("this row is %(step)s (got %(value)s).")
                % {"step": step, "value": _shown(row.step)},
            )
        if row.end < row.start:
            yield _message(
                where,
                str(label["end"]),
                _("%(end)s is before the phase begins (%(start)s).")
                % {"end": row.end.isoformat(), "start": row.start.isoformat()},
            )
        for field in ("start", "end"):
            day = getattr(row, field)
            if not start <= day <= end:
                yield _message(
                    where,
                    str(label[field]),
                    _("%(day)s is outside the semester: %(semester)s")
                    % {"day": day.isoformat(), "semester": _semester(start, end)},
                )
        if previous is not None and row.start <= previous.end:
            yield _message(
                where,
                str(label["start"]),
                _(
                    "%(day)s is not after the previous step's end (%(previous)s): the phases "
                    "follow one another."
                )
                % {"day": row.start.isoformat(), "previous": previous.end.isoformat()},
            )
        if step == DALI_TIERED_STEP:
            for tier in Tier:
                if not getattr(row.tasks, tier.value):
                    yield _message(where, str(tier.label), _("give this tier's task."))
        previous = row


def check_ready(template: str, items: list[dict]) -> None:
    """What a plan needs before it is submitted: planned rows (for 兰州, at least one
    centralized session)."""
    if not items:
        raise ValidationError({"items": _("List the planned activities before submitting.")})
    if template == PlanTemplate.LANZHOU and not any(i.get("kind") == "session" for i in items):
        raise ValidationError(
            {"items": _("Plan at least one centralized session (six fixes) before submitting.")}
        )


# -- the plan's semester -------------------------------------------------------------------


def plan_semester(
    school: OrgNode, *, semester_day: dt.date | None = None, period: WorkPeriod | None = None
) -> WorkPeriod:
    """The plan semester containing ``semester_day`` (or ``period``, which must be one)
    under the policy in force at ``school``; its ``name`` is how plans call it."""
    day = period.start if period is not None else semester_day
    if not isinstance(day, dt.date):
        raise ValidationError({"semester": _("Choose the semester.")})
    procedure = procedure_at(school, day)
    if procedure is None:
        raise ValidationError(
            {
                "semester": _(
                    "No policy is in force at %(school)s on %(day)s: its semesters are unknown."
                )
                % {"school": school.name, "day": day.isoformat()}
            }
        )
    found = procedure.plan_period_of(day)
    if period is not None and (period.type, period.start, period.end) != (
        found.type,
        found.start,
        found.end,
    ):
        raise ValidationError(
            {
                "semester": _("%(period)s is not a semester of the policy in force at %(school)s.")
                % {"period": period.name or period.key, "school": school.name}
            }
        )
    return WorkPeriod(PLAN_PERIOD, found.start, found.end, found.name[:40])


def plan_period(plan: Plan) -> WorkPeriod:
    """The semester a plan covers, as the window check names it."""
    return WorkPeriod(PLAN_PERIOD, plan.start, plan.end, plan.label)


# -- permissions ---------------------------------------------------------------------------


def _require_school(actor: Any, action: str, obj: Any, school: OrgNode) -> None:
    """The school's own staff: administrators write and submit; the principal (who holds
    ``review`` but not ``change``) may submit. The county reviews, it does not write."""
    require(actor, action, obj)
    if not may_act_for_school(actor, school):
        raise PermissionDenied("only the school's own staff write or submit its plan")


def _require_certifier(actor: Any, plan: Plan) -> None:
    require(actor, "certify", plan)
    if not may_certify(actor, plan.school):
        raise PermissionDenied("only the school's county (or city) approves its plan")


# -- the header fields ---------------------------------------------------------------------

_LIMITS = {"title": 200, "goals": 5000, "themes": 2000, "responsible": 300}


def _clean_header(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name == "template":
            if value not in PlanTemplate.values:
                errors[name] = _("%(value)s is not a plan layout.") % {"value": _shown(value)}
            cleaned[name] = value
            continue
        text = (value or "").strip() if isinstance(value, str) or value is None else None
        if text is None:
            errors[name] = _("Not text.")
        elif not text:
            errors[name] = _("Fill this in.")
        elif len(text) > _LIMITS[name]:
            errors[name] = _("At most %(max)d characters (got %(n)d).") % {
                "max": _LIMITS[name],
                "n": len(text),
            }
        cleaned[name] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


# -- the services --------------------------------------------------------------------------


def _url(plan: Plan) -> str:
    return reverse("activities:plan", args=[plan.pk])


def _exists_message(school: OrgNode, existing: Plan | None, period: WorkPeriod) -> str:
    status = existing.get_status_display() if existing is not None else ""
    return _(
        "%(school)s already has a plan for %(semester)s (%(status)s): open it and change it "
        "instead."
    ) % {"school": school.name, "semester": period.name, "status": status}


def plan_create(
    *,
    actor: Any,
    school: OrgNode,
    semester_day: dt.date | None = None,
    period: WorkPeriod | None = None,
    title: str,
    template: str = PlanTemplate.MONTHLY,
    goals: str,
    themes: str,
    responsible: str,
    items: list[dict] | None = None,
) -> Plan:
    """Write the school's plan for the semester containing ``semester_day`` (or
    ``period``), as a draft: one plan per school and semester."""
    _require_school(actor, "change", school, school)
    if school.kind != NodeKind.SCHOOL:
        raise ValidationError({"school": _("%(name)s is not a school.") % {"name": school.name}})
    semester = plan_semester(school, semester_day=semester_day, period=period)
    header = _clean_header(
        {
            "title": title,
            "template": template,
            "goals": goals,
            "themes": themes,
            "responsible": responsible,
        }
    )
    rows = validate_items(header["template"], items, start=semester.start, end=semester.end)
    with transaction.atomic():
        existing = Plan.objects.filter(school=school, start=semester.start).first()
        if existing is not None:
            raise ValidationError({"semester": _exists_message(school, existing, semester)})
        try:
            with transaction.atomic():
                plan = Plan.objects.create(
                    school=school,
                    start=semester.start,
                    end=semester.end,
                    label=semester.name,
                    items=rows,
                    status=PlanStatus.DRAFT,
                    created_by=actor,
                    **header,
                )
        except IntegrityError:  # written at the same moment by somebody else
            existing = Plan.objects.filter(school=school, start=semester.start).first()
            raise ValidationError(
                {"semester": _exists_message(school, existing, semester)}
            ) from None
        audit_log(
            actor=actor,
            event=Event.PLAN_CREATE,
            target=plan,
            node=school,
            new=snapshot(plan, PLAN_FIELDS),
        )
    return plan


UPDATABLE = frozenset({"title", "template", "goals", "themes", "responsible", "items"})


def _editable(actor: Any, plan: Plan) -> None:
    _require_school(actor, "change", plan, plan.school)
    if plan.status not in EDITABLE:
        raise ValidationError(
            {
                "status": _("This plan is %(state)s: it can no longer be changed.")
                % {"state": PLAN_MACHINE.label(plan.status)}
            }
        )


def plan_update(*, actor: Any, plan: Plan, **changes: Any) -> Plan:
    """Change a draft or returned plan (title, template, goals, themes, responsible,
    items); the audit entry holds what changed."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise TypeError(f"plan_update: cannot change {sorted(unknown)}")
    header = _clean_header({k: v for k, v in changes.items() if k != "items"})
    if "items" in changes:
        header["items"] = changes["items"]

    def clean(current: Plan) -> None:
        current.items = validate_items(
            current.template, current.items, start=current.start, end=current.end
        )

    return audited_update(
        plan,
        actor=actor,
        event=Event.PLAN_UPDATE,
        fields=PLAN_FIELDS,
        changes=header,
        node=lambda p: p.school,
        check=lambda p: _editable(actor, p),
        clean=clean,
    )


def _locked(plan: Plan) -> Plan:
    return Plan.objects.select_for_update().select_related("school").get(pk=plan.pk)


def _transition(
    *,
    actor: Any,
    plan: Plan,
    name: str,
    reason: str,
    changes: dict[str, Any],
    before: Callable[[Plan], None] | None = None,
) -> Plan:
    """Move ``plan`` by ``name`` inside the caller's transaction: lock, check the state
    (and ``before``, judged on the locked row), write the changed columns and the audit
    entry. Permission is the caller's business (judged before the lock)."""
    transition = PLAN_MACHINE[name]
    current = _locked(plan)
    PLAN_MACHINE.check(name, current.status, reason=reason)
    if before is not None:
        before(current)
    old_status = current.status
    current.status = transition.target
    for field, value in changes.items():
        setattr(current, field, value)
    current.save(update_fields=["status", *changes, "updated_at"])
    audit_log(
        actor=actor,
        event=transition.event,
        target=current,
        node=current.school,
        old={"status": old_status},
        new={"status": current.status, "semester": current.label},
        reason=reason,
    )
    plan.status = current.status
    for field, value in changes.items():
        setattr(plan, field, value)
    return current


def plan_submit(*, actor: Any, plan: Plan, reason: str = "") -> Plan:
    """The school submits its plan to the county within the plan window of its semester
    (refused outside it, with the window's dates, unless the county opened an exception).
    The county's (and city's) administrators over the school are told."""
    _require_school(actor, PLAN_MACHINE["submit"].action, plan, plan.school)
    reason = (reason or "").strip()

    def ready(current: Plan) -> None:
        check_ready(current.template, current.items)
        validate_items(current.template, current.items, start=current.start, end=current.end)
        check_window(
            school=current.school,
            window=PLAN_MACHINE["submit"].window,
            period=plan_period(current),
            today=timezone.localdate(),
        )

    with transaction.atomic():
        current = _transition(
            actor=actor,
            plan=plan,
            name="submit",
            reason=reason,
            changes={"submitted_at": timezone.now()},
            before=ready,
        )
        text = _("%(school)s submitted its school-based training plan for %(semester)s.") % {
            "school": current.school.name,
            "semester": current.label,
        }
        notify_on_commit(
            users_with_roles(current.school, REGION_STAFF, above=True),
            event=Event.PLAN_SUBMIT,
            title=text[:200],
            body=text,
            url=_url(current),
        )
    return current


def _tell_school(plan: Plan, event: str, text: str, body: str = "") -> None:
    notify_on_commit(
        users_with_roles(plan.school, SCHOOL_STAFF),
        event=event,
        title=text[:200],
        body=body or text,
        url=_url(plan),
    )


def plan_approve(*, actor: Any, plan: Plan, reason: str = "") -> Plan:
    """The county approves a submitted plan (an optional note): the activities under it
    earn school-based hours. The school's administrators and principal are told."""
    _require_certifier(actor, plan)
    reason = (reason or "").strip()
    with transaction.atomic():
        current = _transition(
            actor=actor,
            plan=plan,
            name="approve",
            reason=reason,
            changes={"decided_by": actor, "decided_at": timezone.now(), "reason": reason},
        )
        text = _("The county approved the school-based training plan for %(semester)s.") % {
            "semester": current.label
        }
        _tell_school(current, Event.PLAN_APPROVE, text, f"{text}\n{reason}".strip())
    return current


def plan_return(*, actor: Any, plan: Plan, reason: str) -> Plan:
    """The county returns a submitted plan, or an approved one later, with its reasons:
    the school changes and submits it again; meanwhile its activities' records earn
    nothing. The school's administrators and principal are told."""
    _require_certifier(actor, plan)
    reason = (reason or "").strip()
    with transaction.atomic():
        current = _transition(
            actor=actor,
            plan=plan,
            name="return",
            reason=reason,
            changes={"decided_by": actor, "decided_at": timezone.now(), "reason": reason},
        )
        text = _("The county returned the school-based training plan for %(semester)s.") % {
            "semester": current.label
        }
        _tell_school(current, Event.PLAN_RETURN, text, f"{text}\n{reason}")
    return current
