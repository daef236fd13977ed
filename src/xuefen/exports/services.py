"""Who may export which form, and making the file.

:func:`make_request` turns what a page or the command asks for (a form, a school, region
or teacher, a period) into an :class:`~xuefen.exports.registry.ExportRequest`, checking
scope on the way: school and region forms are for the staff over the node (school
administrators, principals, the region's administrators), a teacher's form also for the
teacher; anything else is "not found" (404), as everywhere. :func:`render` writes the file.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_log
from xuefen.jobs.models import Job
from xuefen.org.models import OrgNode, Teacher
from xuefen.org.scoping import STAFF_ROLES, restrict, user_grants
from xuefen.org.services import binding_in_force, bindings_over
from xuefen.policy import XuefenError
from xuefen.portal.periods import PeriodChoice, period_picker
from xuefen.results.models import TeacherState

from .layout import Document
from .models import ExportFile
from .registry import (
    FORMATS,
    PDF,
    REGION,
    SCHOOL,
    TEACHER,
    XLSX,
    ExportRequest,
    FormSpec,
    Period,
    get_form,
)

Progress = Callable[[int, int], None]


def is_staff_over(user: Any, node: OrgNode) -> bool:
    """Whether ``user`` holds a staff role (school or region) at ``node`` or above it: who
    may export its forms and see its teachers' full ID numbers."""
    if user is None:
        return True  # the command line without --actor: the operator of the server
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(g.role in STAFF_ROLES and node.path.startswith(g.path) for g in user_grants(user))


def exportable_nodes(user: Any) -> Any:
    """The schools and regions whose forms ``user`` may export (the staff's reach)."""
    paths = [g.path for g in user_grants(user) if g.role in STAFF_ROLES]
    if user is not None and user.is_superuser:
        return OrgNode.objects.all()
    if not paths:
        return OrgNode.objects.none()
    q = Q()
    for path in paths:
        q |= Q(path__startswith=path)
    return OrgNode.objects.filter(q)


def policy_id_at(node: OrgNode, day: dt.date) -> str:
    """The id of the policy in force at ``node`` on ``day`` ('' where none)."""
    binding = binding_in_force(bindings_over(node), day)
    if binding is None:
        return ""
    if binding.policy_id:
        return binding.policy_id
    try:
        return str(binding.load().id)
    except (XuefenError, ValueError, OSError):
        return ""


def _period(node: OrgNode, value: str | None, form: FormSpec, today: dt.date) -> Period | None:
    picker = period_picker(node, value=None, today=today)
    choices = [c for c in picker.choices if not form.period_types or c.type in form.period_types]
    if not choices:
        return None
    chosen: PeriodChoice | None = None
    if value:
        text = value.strip()
        chosen = next(
            (c for c in choices if text in (c.key, c.label, c.name)),
            None,
        )
        if chosen is None:
            raise ValidationError(
                {
                    "period": _("Unknown period %(value)s; one of: %(choices)s")
                    % {"value": value[:40], "choices": "、".join(c.label for c in choices[:12])}
                }
            )
    else:
        current = [c for c in choices if c.contains(today)]
        preferred = (
            [c for c in current if c.type == form.period_types[0]] if form.period_types else []
        )
        chosen = next(iter(preferred or current or choices))
    return Period(chosen.type, chosen.start, chosen.end, chosen.label, chosen.name)


def make_request(
    *,
    user: Any,
    form_id: str,
    node: OrgNode,
    period: str | None = None,
    teacher: Teacher | None = None,
    draft: bool = False,
    fmt: str = XLSX,
    today: dt.date | None = None,
) -> ExportRequest:
    """The export ``user`` asks for, checked: the form exists and suits the node (level,
    region's policy, format), the user may export the node's (or teacher's) forms — else
    :class:`~django.http.Http404` —, the period is one the node's policy defines (else a
    :class:`ValidationError` listing the choices)."""
    today = today or timezone.localdate()
    form = get_form(form_id)
    if form is None:
        raise ValidationError({"form": _("Unknown form: %(form)s") % {"form": form_id[:60]}})
    if fmt not in FORMATS or fmt not in form.formats:
        raise ValidationError(
            {
                "format": _("%(form)s cannot be written as %(fmt)s.")
                % {"form": form.title, "fmt": fmt[:10]}
            }
        )
    if form.level == TEACHER:
        if teacher is None:
            raise ValidationError({"teacher": _("This form is one teacher's: choose the teacher.")})
        own = user is not None and teacher.user_id is not None and teacher.user_id == user.pk
        if not own and not is_staff_over(user, teacher.school):
            raise Http404
        node = teacher.school
    else:
        if not is_staff_over(user, node):
            raise Http404
        if form.level == SCHOOL and node.kind != "school":
            raise ValidationError(
                {
                    "org": _("%(form)s is made for a school, not for %(org)s.")
                    % {"form": form.title, "org": node.name}
                }
            )
        if form.level == REGION and node.kind == "school":
            raise ValidationError(
                {
                    "org": _("%(form)s is made for a region, not for a school.")
                    % {"form": form.title}
                }
            )
    if user is not None and not restrict(OrgNode.objects.filter(pk=node.pk), user, "view").exists():
        raise Http404
    policy = policy_id_at(node, today)
    if not form.applies_to(policy):
        raise ValidationError(
            {
                "form": _("%(form)s is not a form of the policy in force here.")
                % {"form": form.title}
            }
        )
    chosen = _period(node, period, form, today) if form.period_types else None
    if form.period_types and chosen is None:
        raise ValidationError(
            {"period": _("No policy is in force here: there is no period to export.")}
        )
    binding = binding_in_force(bindings_over(node), chosen.start if chosen else today)
    who = (user.get_full_name() or user.get_username()) if user is not None else "manage.py"
    return ExportRequest(
        form=form,
        user=user,
        node=node,
        period=chosen or Period("", today, today, "", ""),
        draft=bool(draft and form.has_figures),
        teacher=teacher,
        binding=binding,
        full_ids=is_staff_over(user, node)
        or (teacher is not None and user is not None and teacher.user_id == user.pk),
        format=fmt,
        made=f"xuefen {timezone.localtime():%Y-%m-%d %H:%M} {who} 导出",
    )


def build(request: ExportRequest) -> Document:
    """The form's document (its rows still to be read)."""
    return request.form.build(request)


def write(document: Document, fmt: str, out: IO[bytes] | str) -> tuple[int, str]:
    """Write ``document`` to ``out``: returns the rows (xlsx) or pages (pdf) written and the
    file's suffix (``zip`` where a long PDF came out in parts: :func:`.pdf.write_pdf`)."""
    if fmt == PDF:
        from .pdf import write_pdf

        written = write_pdf(document, out)
        return written.pages, written.suffix
    from .xlsx import write_xlsx

    return write_xlsx(document, out), XLSX


def render(request: ExportRequest, out: IO[bytes] | str) -> tuple[int, str]:
    """Build the form and write it to ``out`` in the request's format (see :func:`write`)."""
    return write(build(request), request.format, out)


def file_name(request: ExportRequest, *, suffix: str = "") -> str:
    """The download's file name: the document's name and the extension."""
    document_name = f"{request.node.name}_{request.period.label}_{request.form.title}"
    if request.teacher is not None:
        document_name = f"{request.teacher.name}_{request.period.label}_{request.form.title}"
    if request.draft:
        document_name += "_草稿"
    return f"{document_name.replace('/', '_').strip('_')}.{suffix or request.format}"


# -- files, jobs ---------------------------------------------------------------------------


def export_dir() -> Path:
    folder = Path(getattr(settings, "XUEFEN_EXPORT_DIR", Path(settings.VAR_DIR) / "exports"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_for() -> dt.timedelta:
    return dt.timedelta(hours=max(1, int(getattr(settings, "XUEFEN_EXPORT_KEEP_HOURS", 24))))


def inline_max(fmt: str) -> int:
    """Above this many rows an export runs as a background job: PDF layout is slow
    (WeasyPrint lays out about 80 table rows a second), Excel is not."""
    if fmt == PDF:
        return int(getattr(settings, "XUEFEN_EXPORT_PDF_INLINE_MAX", 200))
    return int(getattr(settings, "XUEFEN_EXPORT_XLSX_INLINE_MAX", 20000))


def _stale(request: ExportRequest) -> Any:
    """The states of the teachers the export reads that wait for the worker."""
    if request.teacher is not None:
        return TeacherState.objects.filter(teacher=request.teacher, stale=True)
    return TeacherState.objects.filter(
        stale=True, teacher__school__path__startswith=request.node.path
    )


def prepare(request: ExportRequest) -> None:
    """Bring the teachers the export reads up to date (the worker's business: only a job
    or the command calls this, never a request), so the rows read are the engine's word."""
    stale = list(_stale(request).values_list("teacher_id", flat=True))
    if stale:
        from xuefen.results.compute import recompute

        recompute(stale)


def sweep(now: dt.datetime | None = None) -> int:
    """Delete the expired files and their rows; returns how many."""
    now = now or timezone.now()
    expired = list(ExportFile.objects.filter(expires_at__lt=now).values_list("pk", "path")[:500])
    folder = export_dir()
    for _pk, stored in expired:
        (folder / stored).unlink(missing_ok=True)
    ExportFile.objects.filter(pk__in=[pk for pk, _path in expired]).delete()
    return len(expired)


def _counting(rows: Any, progress: Progress, total: int, start: list[int]) -> Any:
    for row in rows:
        start[0] += 1
        if start[0] % 500 == 0:
            progress(start[0], max(total, start[0]))
        yield row


def export_make(
    *, request: ExportRequest, job: Job | None = None, progress: Progress | None = None
) -> ExportFile:
    """Make the file of ``request`` and keep it for its user: bring stale teachers up to
    date first (the worker's business: only a job or the command does this), build the
    document, write it under a random name, record it and audit the export."""
    sweep()
    prepare(request)
    document = build(request)
    if progress is not None:
        total = max(1, request.form.size(request))
        done = [0]
        for table in document.tables:
            table.rows = _counting(table.rows, progress, total, done)
    stem = uuid.uuid4().hex
    partial = export_dir() / f"{stem}.part"
    try:
        count, suffix = write(document, request.format, str(partial))
        stored = f"{stem}.{suffix}"
        target = export_dir() / stored
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    now = timezone.now()
    owner = request.user
    try:
        with transaction.atomic():
            made = ExportFile.objects.create(
                owner=owner,
                node=request.node,
                teacher=request.teacher,
                form=request.form.id,
                title=request.form.title,
                period=request.period.key if request.period.type else "",
                period_label=request.period.name,
                format=suffix,
                draft=request.draft,
                name=file_name(request, suffix=suffix),
                path=stored,
                size=target.stat().st_size,
                rows=count,
                job=job,
                expires_at=now + keep_for(),
            )
            audit_log(
                actor=owner,
                event=Event.EXPORT_MAKE,
                target=made,
                node=request.node,
                new={
                    "form": request.form.id,
                    "period": made.period,
                    "format": request.format,
                    "draft": request.draft,
                    "rows": count,
                    **({"teacher": request.teacher.pk} if request.teacher else {}),
                },
            )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return made


def export_start(*, request: ExportRequest) -> ExportFile | Job:
    """Export now, or as a background job where the file is large or teachers' results are
    waiting for the worker (nothing is computed in a request): returns the file made, or
    the job to watch."""
    size = request.form.size(request)
    if size <= inline_max(request.format) and not _stale(request).exists():
        return export_make(request=request)
    from xuefen.jobs.choices import JobKind
    from xuefen.jobs.services import job_start

    return job_start(
        actor=request.user,
        kind=JobKind.EXPORT,
        node=request.node,
        form=request.form.id,
        period=request.period.key if request.period.type else "",
        teacher=request.teacher.pk if request.teacher else None,
        draft=request.draft,
        format=request.format,
    )


def run_export(job: Job, progress: Progress) -> str:
    """The job runner: the export its starter asked for, checked again as them."""
    from xuefen.jobs.kinds import JobError

    params = job.params
    teacher = None
    if params.get("teacher"):
        teacher = Teacher.objects.filter(pk=params["teacher"]).select_related("school").first()
        if teacher is None:
            raise JobError(_("The teacher no longer exists."))
    if job.started_by is None:
        raise JobError(_("The person who started the export no longer exists."))
    try:
        request = make_request(
            user=job.started_by,
            form_id=str(params.get("form", "")),
            node=job.node,
            period=params.get("period") or None,
            teacher=teacher,
            draft=bool(params.get("draft")),
            fmt=str(params.get("format", XLSX)),
        )
    except ValidationError as exc:
        raise JobError("；".join(exc.messages)) from None
    except Http404:
        raise JobError(_("You may no longer export this form.")) from None
    progress(0, max(1, request.form.size(request)))
    made = export_make(request=request, job=job, progress=progress)
    return _("%(name)s is ready (%(size)s), kept until %(until)s.") % {
        "name": made.name,
        "size": filesizeformat(made.size),
        "until": f"{timezone.localtime(made.expires_at):%Y-%m-%d %H:%M}",
    }


def job_link(job: Job) -> tuple[str, str] | None:
    """The finished export job's file, for its page (its owner's only)."""
    made = ExportFile.objects.filter(job=job, expires_at__gte=timezone.now()).first()
    if made is None:
        return None
    return reverse("exports:download", args=[made.pk]), _("Download %(name)s") % {"name": made.name}
