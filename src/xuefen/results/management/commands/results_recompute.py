"""``python manage.py results_recompute``: bring stored results up to date, with progress.

The worker does this by itself after every change; the command is for an administrator:
after a deployment with a new engine (``--outdated``), to rebuild a region on demand
(``--node``), or to drain the queue without a worker (the default). ``--queue`` leaves the
work to the worker: ``scripts/run.sh`` runs ``results_recompute --outdated --queue`` at
start, so teachers left stale by a worker stopped mid-task, or computed by an older engine,
are brought up to date in the background.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xuefen.org.models import OrgNode, Teacher
from xuefen.results.compute import mark_outdated, recompute, recompute_stale
from xuefen.results.models import TeacherState
from xuefen.results.tasks import enqueue_recompute


class Command(BaseCommand):
    help = _(
        "Recompute stored results: every stale teacher (default), every teacher under a node "
        "(--node), or every teacher computed by an older engine (--outdated)."
    )

    def add_arguments(self, parser: Any) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--node",
            metavar="CODE_OR_ID",
            help=_("an organisation's code or id: recompute every teacher under it"),
        )
        which.add_argument(
            "--all", action="store_true", help=_("recompute every teacher of every school")
        )
        which.add_argument(
            "--outdated",
            action="store_true",
            help=_(
                "mark teachers computed by another engine version, or in an earlier year, "
                "stale, then recompute"
            ),
        )
        parser.add_argument("--batch", type=int, default=500, help=_("teachers per batch"))
        parser.add_argument(
            "--queue",
            action="store_true",
            help=_(
                "with the default or --outdated: only queue the work for the background "
                "worker (when a teacher is stale) and return at once"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch = options["batch"]
        if batch < 1 or batch > 10_000:
            raise CommandError(_("--batch must be between 1 and 10000."))
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            elapsed = time.monotonic() - started
            self.stdout.write(
                _("%(done)d / %(total)d teachers (%(rate).0f per second)")
                % {"done": done, "total": total, "rate": done / elapsed if elapsed else 0}
            )

        if options["queue"] and (options["node"] or options["all"]):
            raise CommandError(_("--queue goes with the default or --outdated only."))
        if options["node"] or options["all"]:
            teachers = Teacher.objects.all()
            if options["node"]:
                node = _node(options["node"])
                teachers = teachers.filter(school__path__startswith=node.path)
            ids = list(teachers.order_by("school_id", "pk").values_list("pk", flat=True))
            done = recompute(ids, progress=progress, batch=batch)
        else:
            if options["outdated"]:
                marked = mark_outdated()
                self.stdout.write(
                    _(
                        "%(n)d teachers were computed by another engine version or in an "
                        "earlier year."
                    )
                    % {"n": marked}
                )
            if options["queue"]:
                waiting = TeacherState.objects.filter(stale=True).count()
                if waiting:
                    enqueue_recompute()
                self.stdout.write(
                    _("%(n)d stale teachers left to the background worker.") % {"n": waiting}
                )
                return
            done = recompute_stale(progress=progress, batch=batch)
        self.stdout.write(
            self.style.SUCCESS(
                _("%(n)d teachers recomputed in %(s).1f s.")
                % {"n": done, "s": time.monotonic() - started}
            )
        )


def _node(value: str) -> OrgNode:
    node = OrgNode.objects.filter(code=value).first()
    if node is None and value.isdigit() and len(value) < 19:
        node = OrgNode.objects.filter(pk=int(value)).first()
    if node is None:
        raise CommandError(_("No organisation has the code or id %(v)s.") % {"v": value})
    return node
