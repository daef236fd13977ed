"""``python manage.py import_records FILE [--dry-run] [--actor USERNAME]``: records from a
spreadsheet, all rows or none.

The command acts for the system: as ``--actor`` when given, else as the first active
superuser (audit rows name them, with the reason "导入：<file name>"). Any problem: each is
printed on its own line, nothing is written, and the exit status is 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from ...records import commit_problems, records_commit, records_plan


class Command(BaseCommand):
    help = _("Import records from .xlsx, .xls, .ods or .csv (all rows or none).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=_("the spreadsheet"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("check the file only; write nothing")
        )
        parser.add_argument(
            "--actor",
            "--user",
            dest="actor",
            metavar="USERNAME",
            help=_("act as this account (default: the first active superuser)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            self._handle(**options)

    def _handle(self, **options: Any) -> None:
        users = get_user_model()._default_manager.filter(is_active=True)
        if options["actor"]:
            actor = users.filter(username=options["actor"]).first()
        else:
            actor = users.filter(is_superuser=True).order_by("pk").first()
        if actor is None:
            raise CommandError(_("No account to act as: create a superuser or pass --user."))
        path = Path(options["file"])
        try:
            with path.open("rb") as stream:
                plan = records_plan(actor, path.name, stream)
        except OSError:
            raise CommandError(_("Cannot open %(file)s.") % {"file": options["file"]}) from None
        if plan.problems:
            for problem in plan.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("%(n)d problems; nothing was imported.") % {"n": len(plan.problems)}
            )
        created, same = plan.create_count, plan.unchanged_count
        if options["dry_run"]:
            self.stdout.write(
                _("Checked: %(create)d to add, %(same)d unchanged.")
                % {"create": created, "same": same}
            )
            return
        try:
            with path.open("rb") as stream:
                written = records_commit(actor, plan, file_name=path.name, stream=stream)
        except OSError:
            raise CommandError(_("Cannot open %(file)s.") % {"file": options["file"]}) from None
        except ValidationError as exc:
            for problem in commit_problems(exc):
                self.stderr.write(str(problem))
            raise CommandError(_("%(n)d problems; nothing was imported.") % {"n": 1}) from None
        self.stdout.write(
            _("%(create)d added, %(same)d unchanged.") % {"create": written, "same": same}
        )
