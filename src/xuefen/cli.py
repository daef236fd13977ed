"""The ``xuefen`` command: policies and sheets on UTF-8 JSON, as ``records.md`` specifies.

Errors go to stderr as one line naming the record and field, with exit code 2; no
traceback is ever shown for bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any, NoReturn

from .policy import XuefenError, list_policies, load_policy, load_policy_file
from .policy.errors import InputError
from .policy.loader import bundled_text
from .policy.records import MAX_DATE, MIN_DATE, record_label, shown

EXIT_USAGE = 2
MAX_INPUT_BYTES = 500_000_000
"""The JSON input is at most 500 MB: about 2.5 million records written compactly, or
1 million (the engine's benchmark) indented; what is larger is refused unread."""

# A \uD800–\uDFFF escape: JSON's only way to a lone surrogate, which is not text.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class CommandError(Exception):
    """A usage or input problem reported as one line."""


class _Parser(argparse.ArgumentParser):
    """Argument errors as one line on stderr (no usage block), exit code 2."""

    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split())
        where = self.prog.removeprefix("xuefen").strip()
        self.exit(EXIT_USAGE, f"xuefen: error: {where + ': ' if where else ''}{text}\n")


def _refuse_constant(name: str) -> Any:
    raise CommandError(f"{name} is not a JSON number")


def _read_json(path: str) -> Any:
    try:
        if path == "-":
            raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with Path(path).open("rb") as handle:
                raw = handle.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise CommandError(f"input file not found: {path}") from None
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
    if len(raw) > MAX_INPUT_BYTES:
        raise CommandError(f"{path}: input too large (more than {MAX_INPUT_BYTES:,} bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    del raw
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except CommandError as exc:
        raise CommandError(f"{path}: {exc}") from None
    except RecursionError:
        raise CommandError(f"{path}: arrays and objects nested too deeply") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise CommandError(f"{path}: a number with too many digits") from None
    if _SURROGATE_ESCAPE.search(text):
        where = _lone_surrogate(data)
        if where is not None:
            raise CommandError(f"{where}: not valid Unicode text (a lone \\uD800–\\uDFFF escape)")
    return data


def _text_ok(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _lone_surrogate(data: Any) -> str | None:
    """Where the first string (or key) holding a lone surrogate is, as an error names it."""
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if not _text_ok(value):
                return _describe(data, path)
        elif isinstance(value, dict):
            items = list(value.items())
            for key, _ in items:
                if not _text_ok(key):
                    return _describe(data, (*path, None))
            stack.extend((v, (*path, k)) for k, v in reversed(items))
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in reversed(list(enumerate(value))))
    return None


def _describe(data: Any, path: tuple) -> str:
    """A path into the input as an error names it: ``record T1/r9: field id``, or the
    path itself outside records. A key that is not text shows as ``?``."""
    names = [str(p) if p is not None and _text_ok(str(p)) else "?" for p in path]
    for k in range(len(path) - 1, 0, -1):
        if path[k - 1] == "records" and isinstance(path[k], int):
            owner = _owner(data, path[: k - 1])
            record = _at(data, path[: k + 1])
            label = record_label(record.get("id") if isinstance(record, dict) else None, path[k])
            field = ".".join(names[k + 1 :]) or "(the record)"
            return f"record {owner}/{label}: field {field}"
    return "field " + ".".join(names) if names else "the input"


def _at(data: Any, path: tuple) -> Any:
    for p in path:
        data = data[p]
    return data


def _owner(data: Any, path: tuple) -> str:
    owner = _at(data, path)
    if path and path[-1] == "school":
        return "school"
    position = path[-1] if path and isinstance(path[-1], int) else None
    return record_label(owner.get("id") if isinstance(owner, dict) else None, position)


def _date(text: str) -> dt.date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {shown(text)}") from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise argparse.ArgumentTypeError(f"a date from {MIN_DATE} to {MAX_DATE}, got {text}")
    return day


def _period(text: str) -> tuple[dt.date, dt.date]:
    start, sep, end = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"a period is START:END, got {shown(text)}")
    a, b = _date(start), _date(end)
    if b < a:
        raise argparse.ArgumentTypeError(f"the period ends before it starts: {text}")
    return a, b


def _load_policy(ident: str):
    if ident.endswith((".yaml", ".yml")) or "/" in ident:
        return load_policy_file(ident)
    return load_policy(ident)


def _emit(data: Any) -> None:
    try:
        text = json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)
        text.encode("utf-8")
    except (ValueError, UnicodeEncodeError) as exc:  # bounded upstream: never expected
        raise CommandError(
            f"the result is not valid JSON text ({exc.__class__.__name__})"
        ) from None
    sys.stdout.write(text + "\n")


def cmd_policy_list(args: argparse.Namespace) -> None:
    for p in list_policies():
        mark = "  (示例 example)" if p["example"] else ""
        print(f"{p['id']}\t{p['region']}\t{p['source']}{mark}")


def cmd_policy_show(args: argparse.Namespace) -> None:
    sys.stdout.write(bundled_text(args.id))


def cmd_policy_validate(args: argparse.Namespace) -> None:
    policy = load_policy_file(args.file)
    print(f"ok: {policy.id} ({policy.name}, {policy.region})")


def cmd_policy_evaluate(args: argparse.Namespace) -> None:
    policy = _load_policy(args.policy)
    data = _read_json(args.input)
    if not isinstance(data, dict) or "teachers" not in data:
        raise CommandError(f"{args.input}: expected an object with a 'teachers' list")
    _emit(policy.evaluate(data["teachers"], as_of=args.as_of, schools=data.get("schools")))


def cmd_sheet_list(args: argparse.Namespace) -> None:
    from .policy.sheets import list_sheets

    for s in list_sheets():
        mark = "  (示例 example)" if s.get("example") else ""
        print(f"{s['id']}\t{s['name']}\t{s['source']}{mark}")


def cmd_sheet_validate(args: argparse.Namespace) -> None:
    from .policy.sheets import load_sheet_file

    sheet = load_sheet_file(args.file)
    print(f"ok: {sheet.id} ({sheet.name})")


def cmd_sheet_score(args: argparse.Namespace) -> None:
    from .policy.sheets import load_sheet, load_sheet_file

    ident = args.sheet
    if ident.endswith((".yaml", ".yml")) or "/" in ident:
        sheet = load_sheet_file(ident)
    else:
        sheet = load_sheet(ident)
    data = _read_json(args.input)
    if not isinstance(data, dict):
        raise CommandError(f"{args.input}: expected a JSON object")
    _emit(sheet.score(data, period=args.period))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="xuefen",
        description="教师培训学时学分：按政策文件计算学时、学分、要求与考核表得分。",
    )
    sub = parser.add_subparsers(dest="group", required=True)

    pol = sub.add_parser("policy", help="bundled and custom policies")
    psub = pol.add_subparsers(dest="command", required=True)
    p = psub.add_parser("list", help="one line per bundled policy: id, region, source file")
    p.set_defaults(func=cmd_policy_list)
    p = psub.add_parser("show", help="print a bundled policy file (a start for your own)")
    p.add_argument("id")
    p.set_defaults(func=cmd_policy_show)
    p = psub.add_parser("validate", help="check a policy file")
    p.add_argument("file")
    p.set_defaults(func=cmd_policy_validate)
    p = psub.add_parser("evaluate", help="hours, credits and requirement checks as JSON")
    p.add_argument("--policy", required=True, help="a bundled id or a path to a .yaml file")
    p.add_argument("--input", required=True, help="JSON file with {'teachers': [...]}, or -")
    p.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD: picks the cycle")
    p.set_defaults(func=cmd_policy_evaluate)

    sh = sub.add_parser("sheet", help="assessment sheets")
    ssub = sh.add_subparsers(dest="command", required=True)
    p = ssub.add_parser("list", help="one line per bundled sheet")
    p.set_defaults(func=cmd_sheet_list)
    p = ssub.add_parser("validate", help="check a sheet file")
    p.add_argument("file")
    p.set_defaults(func=cmd_sheet_validate)
    p = ssub.add_parser("score", help="score a sheet as JSON")
    p.add_argument("--sheet", required=True, help="a bundled id or a path to a .yaml file")
    p.add_argument("--input", required=True, help="JSON file, or -")
    p.add_argument("--period", type=_period, default=None, help="START:END (YYYY-MM-DD)")
    p.set_defaults(func=cmd_sheet_score)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``xuefen`` command."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or an argument error already printed (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        args.func(args)
    except (CommandError, XuefenError, InputError) as exc:
        message = " ".join(str(exc).split())  # one line, whatever a value holds
        print(f"xuefen: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
