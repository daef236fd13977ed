"""Data flows one way (issue 7): the write services know nothing of results.

Records, teachers, projects and bindings change through their services; results follow the
business events (xuefen.results.events). A write service importing xuefen.results would
bring back the import cycles org ↔ results and records ↔ results.
"""

import ast
from pathlib import Path

import xuefen

WRITERS = ("org", "catalog", "records", "audit", "logins")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_write_apps_do_not_import_results():
    root = Path(xuefen.__file__).parent
    offenders = [
        f"{path.relative_to(root)} imports {name}"
        for app in WRITERS
        for path in sorted((root / app).rglob("*.py"))
        for name in imported_modules(path)
        if name == "xuefen.results" or name.startswith("xuefen.results.")
    ]
    assert offenders == []
