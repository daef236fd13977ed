"""``python manage.py import_teachers FILE --school CODE [--dry-run]``: a school's roster
from a spreadsheet, all rows or none.

The command acts for the system: as ``--user`` when given, else as the first active
superuser (audit rows name them, with the reason "导入：<file name>"). Any problem: each is
printed on its own line, nothing is written, and the exit status is 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from xuefen.org.choices import NodeKind
from xuefen.org.models import OrgNode

from ...teachers import ImportFailed, import_teachers


class Command(BaseCommand):
    help = _("Import a school's teacher roster from .xlsx, .xls, .ods or .csv (all rows or none).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=_("the spreadsheet"))
        parser.add_argument("--school", required=True, metavar="CODE", help=_("the school's code"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("check the file only; write nothing")
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help=_("act as this account (default: the first active superuser)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        schools = list(
            OrgNode.objects.filter(kind=NodeKind.SCHOOL, code=options["school"].strip())[:2]
        )
        if len(schools) != 1:
            raise CommandError(
                _("No single school has the code %(code)s.") % {"code": options["school"]}
            )
        school = schools[0]
        users = get_user_model()._default_manager.filter(is_active=True)
        if options["user"]:
            actor = users.filter(username=options["user"]).first()
        else:
            actor = users.filter(is_superuser=True).order_by("pk").first()
        if actor is None:
            raise CommandError(_("No account to act as: create a superuser or pass --user."))
        path = Path(options["file"])
        try:
            with path.open("rb") as stream:
                plan = import_teachers(
                    actor=actor,
                    school=school,
                    name=path.name,
                    stream=stream,
                    dry_run=options["dry_run"],
                )
        except OSError:
            raise CommandError(_("Cannot open %(file)s.") % {"file": options["file"]}) from None
        except ImportFailed as failed:
            for problem in failed.plan.problems:
                self.stderr.write(problem.line())
            raise CommandError(
                _("%(n)d problems; nothing was imported.") % {"n": len(failed.plan.problems)}
            ) from None
        if options["dry_run"]:
            summary = _("Checked: %(create)d to add, %(update)d to update, %(same)d unchanged.")
        else:
            summary = _("%(create)d added, %(update)d updated, %(same)d unchanged.")
        summary = summary % {
            "create": len(plan.create),
            "update": len(plan.update),
            "same": len(plan.unchanged),
        }
        self.stdout.write(summary)
