"""``manage.py export_form FORM --org CODE --period PERIOD --format xlsx|pdf --output FILE``.

Writes one official form to a file, as the export page does: figures from the stored
results (teachers waiting for the worker are recomputed first), a draft over pending
records with ``--draft``. ``--list`` names the forms. A teacher's form (the register)
takes ``--teacher ID_NUMBER`` (the whole number, never a prefix). Run as ``--actor USER``
the export is checked and audited as that user (ID numbers masked where they may not see
them); without it, as the server's operator. Problems are printed in Chinese with a
non-zero exit; nothing is written then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import translation

from xuefen.exports import services
from xuefen.exports.pdf import PdfUnavailable
from xuefen.exports.registry import FORMATS, forms
from xuefen.org.models import OrgNode, Teacher
from xuefen.org.validators import normalize_id_number


class Command(BaseCommand):
    help = "Export an official form (申报表, 登记册, 附件4/5/7, 汇总表, county table): xlsx or pdf."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("form", nargs="?", help="form id (see --list)")
        parser.add_argument("--list", action="store_true", help="name the forms and stop")
        parser.add_argument("--org", help="code of the school or region")
        parser.add_argument("--teacher", help="a teacher's full ID number (teacher forms)")
        parser.add_argument("--period", help="e.g. 2025, 2025-2026-1, year:2025-01-01")
        parser.add_argument("--format", choices=FORMATS, default="xlsx")
        parser.add_argument("--draft", action="store_true", help="count pending records")
        parser.add_argument("--output", help="the file to write")
        parser.add_argument("--actor", help="username to export as")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate("zh-hans")
        if options["list"]:
            for form in forms().values():
                regions = "、".join(form.policies) or "所有地区"
                periods = "、".join(form.period_types) or "—"
                self.stdout.write(
                    f"{form.id}\t{form.title}\t{form.level}\t{regions}\t{periods}\t"
                    f"{'/'.join(form.formats)}"
                )
            return
        if not options["form"] or not options["output"]:
            raise CommandError("需要表单编号和 --output（表单编号见 --list）。")
        user = None
        if options["actor"]:
            user = get_user_model().objects.filter(username=options["actor"]).first()
            if user is None:
                raise CommandError(f"没有用户 {options['actor']}。")
        teacher = None
        node = None
        if options["teacher"]:
            number = normalize_id_number(options["teacher"])
            teacher = Teacher.objects.filter(id_number=number).select_related("school").first()
            if teacher is None:
                raise CommandError("没有这个身份证号的教师。")
            node = teacher.school
        elif options["org"]:
            node = OrgNode.objects.filter(code=options["org"]).first()
            if node is None:
                raise CommandError(f"没有代码为 {options['org']} 的学校或地区。")
        else:
            raise CommandError("需要 --org（学校或地区代码）或 --teacher（教师表）。")
        try:
            request = services.make_request(
                user=user,
                form_id=options["form"],
                node=node,
                period=options["period"],
                teacher=teacher,
                draft=options["draft"],
                fmt=options["format"],
            )
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from None
        except Http404:
            raise CommandError("不在此用户的范围内（或不存在）。") from None
        output = Path(options["output"])
        partial = output.with_name(output.name + ".part")
        suffix = options["format"]
        try:
            made = services.export_make(request=request) if user is not None else None
            if made is not None:
                partial.write_bytes((services.export_dir() / made.path).read_bytes())
                count, suffix = made.rows, made.format
            else:
                services.prepare(request)
                count, suffix = services.render(request, str(partial))
            if suffix != output.suffix.lstrip(".") and suffix == "zip":
                # A long PDF comes out in parts: a zip of PDFs (docs/exports.md).
                output = output.with_suffix(".zip")
            partial.replace(output)
        except PdfUnavailable as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(str(exc)) from None
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"无法写入 {output}：{exc.strerror}") from None
        unit = "页" if options["format"] == "pdf" else "行"
        what = "，".join(p for p in (request.form.title, request.period.name) if p)
        self.stdout.write(f"{output}：{what}，{count} {unit}")
