"""Loading policy files: the bundled ones (``xuefen/policies/*.yaml``) and uploaded text."""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import PolicyFileError, UnknownPolicyError
from .schema import PolicyFile

POLICY_PACKAGE = "xuefen.policies"


# Limits of policy and sheet files (docs/policies.md, "Limits"). The bundled files are
# 5–13 KB, with about 1,000 values and nesting 8 deep: these leave ample room for any real
# policy and refuse what is certainly not one before it costs time or memory.
MAX_FILE_BYTES = 1_000_000
"""A policy or sheet file is at most 1 MB of UTF-8 text."""
MAX_DEPTH = 50
"""Mappings and lists nest at most 50 deep (after aliases are expanded)."""
MAX_VALUES = 100_000
"""At most 100,000 values (keys, scalars, lists, mappings) once aliases are expanded."""
MAX_ITEMS = 1_000
"""At most 1,000 entries in one list or mapping (credit rules, requirements, items…)."""
MAX_NUMBER_CHARS = 30
"""A number in a file is written with at most 30 characters."""


_TOO_LARGE = f"file too large (more than {MAX_FILE_BYTES:,} bytes)"


class _Refused(Exception):
    """A YAML document refused by a limit or a value check, with its position."""

    def __init__(self, message: str, mark: Any = None):
        super().__init__(message)
        self.message = message
        self.mark = mark


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with the nesting depth bounded while composing (the composer
    recurses once per level) and strict scalars: integers and floats of sane length and
    finite, dates that exist (2023-02-30 is an error, not a crash)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self._depth >= MAX_DEPTH:
            raise _Refused(
                f"nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: Any) -> Any:
        if len(node.value) > MAX_NUMBER_CHARS:
            raise _Refused(
                f"number too long ({len(node.value)} characters, at most {MAX_NUMBER_CHARS})",
                node.start_mark,
            )
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: Any) -> Any:
        if len(node.value) > MAX_NUMBER_CHARS:
            raise _Refused(
                f"number too long ({len(node.value)} characters, at most {MAX_NUMBER_CHARS})",
                node.start_mark,
            )
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise _Refused(f"not a finite number: {node.value}", node.start_mark)
        return value

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise _Refused(f"not a valid date: {node.value} ({exc})", node.start_mark) from None


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)
_BoundedLoader.add_constructor("tag:yaml.org,2002:float", _BoundedLoader.construct_yaml_float)
_BoundedLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _BoundedLoader.construct_yaml_timestamp
)


def _check_nodes(root: Any) -> None:
    """Walk the composed node graph once (aliases are shared nodes, each measured once) and
    refuse what would expand too much, nest too deep, repeat a key, or is not text."""
    done: dict[int, tuple[int, int]] = {}  # id(node) -> (values when expanded, depth)
    active: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if isinstance(node, yaml.ScalarNode):
            if key not in done:
                if _has_surrogate(node.value):
                    raise _Refused("not valid Unicode text (a lone surrogate)", node.start_mark)
                done[key] = (1, 0)
            continue
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = node.value
        if finished:
            active.discard(key)
            size = 1 + sum(done[id(c)][0] for c in children)
            depth = 1 + max((done[id(c)][1] for c in children), default=0)
            if size > MAX_VALUES:
                raise _Refused(
                    f"too many values: more than {MAX_VALUES:,} once aliases are expanded",
                    node.start_mark,
                )
            if depth > MAX_DEPTH:
                raise _Refused(
                    f"nested more than {MAX_DEPTH} levels deep once aliases are expanded",
                    node.start_mark,
                )
            done[key] = (size, depth)
            continue
        if key in done:
            continue
        if key in active:
            raise _Refused("an alias refers to the node that contains it", node.start_mark)
        entries = len(node.value)
        if entries > MAX_ITEMS:
            raise _Refused(f"{entries:,} entries in one list or mapping (at most {MAX_ITEMS:,})",
                           node.start_mark)  # fmt: skip
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for k, _v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    if k.value in seen:
                        raise _Refused(f"duplicate key {k.value[:80]!r}", k.start_mark)
                    seen.add(k.value)
        active.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(children) if id(c) not in done)


def _compose_and_construct(text: str) -> Any:
    loader = _BoundedLoader(text)  # reads the first characters: may raise a ReaderError
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _line(mark: Any) -> str | None:
    return f"line {mark.line + 1}" if mark is not None else None


def _read_yaml(text: str, source: str) -> Any:
    """A policy or sheet file's YAML as Python data, within the limits above."""
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise PolicyFileError(_TOO_LARGE, source=source)
    try:
        data = _compose_and_construct(text)
    except _Refused as exc:
        raise PolicyFileError(exc.message, source=source, location=_line(exc.mark)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PolicyFileError(
            f"not valid YAML: {problem}", source=source, location=_line(mark)
        ) from None
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
    except PolicyFileError as exc:
        raise PolicyFileError(_own_message(exc), source=source, location=exc.location) from None
    except (ValueError, KeyError) as exc:
        raise PolicyFileError(str(exc), source=source) from None


def _own_message(exc: PolicyFileError) -> str:
    """The message of a PolicyFileError without the location prefix it renders with."""
    msg = str(exc)
    prefix = ": ".join(p for p in (exc.source, exc.location) if p)
    return msg[len(prefix) + 2 :] if prefix and msg.startswith(prefix + ": ") else msg


def read_text_file(path: str | Path) -> str:
    """A policy or sheet file's text; unreadable or non-UTF-8 files are a PolicyFileError."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # never more than the limit, however large
    except OSError as exc:
        raise PolicyFileError(f"cannot read: {exc.strerror}", source=str(path)) from None
    if len(data) > MAX_FILE_BYTES:
        raise PolicyFileError(_TOO_LARGE, source=str(path))
    try:
        return data.decode("utf-8")
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
