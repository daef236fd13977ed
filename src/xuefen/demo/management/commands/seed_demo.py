"""``python manage.py seed_demo``: build the demo county once and print its logins."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xuefen.demo.world import (
    DEFAULT_SCHOOLS,
    DEFAULT_SEED,
    DEFAULT_TEACHERS,
    DEMO_PASSWORD,
    demo_logins,
    is_seeded,
    iter_logins,
    seed,
)
from xuefen.org.models import Teacher
from xuefen.results.compute import recompute_stale

# From this many teachers on, recomputing their results prints its progress.
PROGRESS_FROM = 2000


class Command(BaseCommand):
    help = _(
        "Build a demo county (24 schools, 800 teachers, a year and a half of records under "
        "puer-2023) unless it is already there, and print the demo logins."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--schools", type=int, default=DEFAULT_SCHOOLS)
        parser.add_argument("--teachers", type=int, default=DEFAULT_TEACHERS)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        large = options["teachers"] > PROGRESS_FROM
        if (large or options["verbosity"] > 1) and not is_seeded():
            self.stdout.write(
                _("Building the demo county: %(schools)d schools, %(teachers)d teachers…")
                % {"schools": options["schools"], "teachers": options["teachers"]}
            )
        try:
            built = seed(
                schools=options["schools"], teachers=options["teachers"], seed=options["seed"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if built is None:
            self.stdout.write(_("The demo data is already there; nothing was added."))
        else:
            # Every teacher's results, so the pages are fresh when it ends (the worker would
            # do the same in the background). A large county takes a while: its progress is
            # shown batch by batch, as it is for any size with -v2.
            def progress(done: int, total: int) -> None:
                self.stdout.write(
                    _("Results: %(done)d of %(total)d teachers") % {"done": done, "total": total}
                )

            verbose = options["verbosity"] > 1 or built.teachers > PROGRESS_FROM
            recompute_stale(progress=progress if verbose else None)
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Demo data built in %(s).1f s: %(schools)d schools, %(teachers)d "
                        "teachers, %(records)d records."
                    )
                    % {
                        "s": time.monotonic() - started,
                        "schools": built.schools,
                        "teachers": built.teachers,
                        "records": built.records,
                    }
                )
            )
        logins = demo_logins()
        if logins:
            self.stdout.write(
                _("Demo logins (every password is %(password)s):") % {"password": DEMO_PASSWORD}
            )
            for line in iter_logins(logins):
                self.stdout.write(line)
            self.stdout.write(
                _(
                    "Every teacher logs in as t0001…t%(last)04d, every school's staff as "
                    "schoolNN_admin / schoolNN_principal."
                )
                % {"last": Teacher.objects.count()}
            )
