"""Loading policy files: the bundled ones (``xuefen/policies/*.yaml``) and uploaded text."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import PolicyFileError, UnknownPolicyError
from .schema import PolicyFile

POLICY_PACKAGE = "xuefen.policies"


def _read_yaml(text: str, source: str) -> Any:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PolicyFileError(f"not valid YAML: {problem}", source=source, location=where) from None
    if not isinstance(data, dict):
        raise PolicyFileError("the file must be a YAML mapping", source=source)
    return data


def validation_message(exc: ValidationError) -> tuple[str, str]:
    """The first pydantic error as (location, message)."""
    err = exc.errors(include_url=False)[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    return loc, msg


def load_policy_text(text: str, source: str = "<text>"):
    """Validate and compile a policy from YAML text (an uploaded or edited file)."""
    from .engine import Policy

    data = _read_yaml(text, source)
    try:
        spec = PolicyFile.model_validate(data)
    except ValidationError as exc:
        loc, msg = validation_message(exc)
        raise PolicyFileError(msg, source=source, location=loc) from None
    try:
        return Policy(spec)
    except (ValueError, KeyError) as exc:
        raise PolicyFileError(str(exc), source=source) from None


def read_text_file(path: str | Path) -> str:
    """A policy or sheet file's text; unreadable or non-UTF-8 files are a PolicyFileError."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyFileError(f"cannot read: {exc.strerror}", source=str(path)) from None
    except UnicodeDecodeError:
        raise PolicyFileError("not UTF-8 text", source=str(path)) from None


def load_policy_file(path: str | Path):
    """Validate and compile a policy file from disk."""
    return load_policy_text(read_text_file(path), source=str(path))


def _bundled_dir(sub: str | None = None):
    base = resources.files(POLICY_PACKAGE)
    return base / sub if sub else base


def bundled_ids(sub: str | None = None) -> list[str]:
    """Ids of the bundled files (policies, or sheets with ``sub='sheets'``)."""
    folder = _bundled_dir(sub)
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def bundled_text(ident: str, sub: str | None = None) -> str:
    """The text of a bundled file."""
    if ident not in bundled_ids(sub):
        what = "sheet" if sub == "sheets" else "policy"
        raise UnknownPolicyError(
            f"unknown {what} {ident!r} (bundled: {', '.join(bundled_ids(sub))})"
        )
    return (_bundled_dir(sub) / f"{ident}.yaml").read_text(encoding="utf-8")


@lru_cache(maxsize=32)
def load_policy(ident: str):
    """A bundled policy by id (cached: policies are immutable once compiled)."""
    return load_policy_text(bundled_text(ident), source=f"{ident}.yaml")


def list_policies() -> list[dict[str, Any]]:
    """Id, name, region and source file of every bundled policy."""
    return [load_policy(i).summary() for i in bundled_ids()]
