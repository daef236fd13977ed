"""The ``xuefen`` command: policies and sheets on UTF-8 JSON, as ``records.md`` specifies.

Errors go to stderr as one line naming the record and field, with exit code 2; no
traceback is ever shown for bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from .policy import XuefenError, list_policies, load_policy, load_policy_file
from .policy.errors import InputError
from .policy.loader import bundled_text

EXIT_USAGE = 2


class CommandError(Exception):
    """A usage or input problem reported as one line."""


def _read_json(path: str) -> Any:
    try:
        if path == "-":
            text = sys.stdin.buffer.read().decode("utf-8")
        else:
            text = Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise CommandError(f"input file not found: {path}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _period(text: str) -> tuple[dt.date, dt.date]:
    start, sep, end = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"a period is START:END, got {text!r}")
    a, b = _date(start), _date(end)
    if b < a:
        raise argparse.ArgumentTypeError(f"the period ends before it starts: {text!r}")
    return a, b


def _load_policy(ident: str):
    if ident.endswith((".yaml", ".yml")) or "/" in ident:
        return load_policy_file(ident)
    return load_policy(ident)


def _emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


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
    _emit(policy.evaluate(data["teachers"], as_of=args.as_of))


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
    parser = argparse.ArgumentParser(
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
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (CommandError, XuefenError, InputError) as exc:
        print(f"xuefen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
