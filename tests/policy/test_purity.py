"""The engine is pure Python: importing it must not import Django (style.md habit 6)."""

import ast
import pathlib
import subprocess
import sys

ENGINE = pathlib.Path(__file__).resolve().parents[2] / "src" / "xuefen" / "policy"


def test_no_django_import_in_engine_sources():
    offenders = []
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "django"]
    assert offenders == []


def test_importing_engine_and_cli_loads_no_django():
    code = (
        "import sys, xuefen.policy, xuefen.cli;"
        "from xuefen.policy import load_policy; load_policy('puer-2023');"
        "print([m for m in sys.modules if m == 'django' or m.startswith('django.')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
