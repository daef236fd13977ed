"""Chinese first: the zh_Hans catalogue is complete, compiled, and used."""

import ast
import gettext
from pathlib import Path

from django.utils import translation

from xuefen.catalog.choices import Mode
from xuefen.records.choices import RecordStatus
from xuefen.records.models import Record

LOCALE = Path(__file__).resolve().parents[2] / "src" / "xuefen" / "locale" / "zh_Hans"


def _po_entries(path):
    entries, msgid, target, current = {}, None, None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("msgid "):
            msgid, current = [ast.literal_eval(line[6:])], "id"
        elif line.startswith("msgstr "):
            target, current = [ast.literal_eval(line[7:])], "str"
        elif line.startswith('"'):
            (msgid if current == "id" else target).append(ast.literal_eval(line))
        elif not line.strip() and msgid is not None and target is not None:
            entries["".join(msgid)] = "".join(target)
            msgid = target = current = None
    entries.pop("", None)
    return entries


def test_catalogue_is_complete_and_compiled():
    entries = _po_entries(LOCALE / "LC_MESSAGES" / "django.po")
    assert len(entries) > 200
    assert [k for k, v in entries.items() if not v] == []
    with (LOCALE / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [k for k, v in entries.items() if compiled.gettext(k) != v]
    assert stale == [], "run msgfmt: the .mo is older than the .po"


def test_labels_are_chinese_by_default_and_english_on_request():
    with translation.override("zh-hans"):
        assert str(Record._meta.verbose_name) == "记录"
        assert str(RecordStatus.CERTIFIED.label) == "已认定"
        assert str(Mode.SCHOOL_BASED.label) == "校本研修"
    with translation.override("en"):
        assert str(RecordStatus.CERTIFIED.label) == "Certified"
