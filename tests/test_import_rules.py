"""The apps keep one direction (docs/decisions/0029): import-linter's contracts in pyproject.toml
hold the layers; this also keeps function-local imports honest — each says on its line (or the
line above) why it is not at the top of its module, so none is a quiet way around a cycle — and
checks that texts leave through one sender."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("kalliky", "accounts", "stores", "billing", "ai", "telephony", "notifications", "dashboard")


def _modules() -> list[tuple[Path, ast.Module]]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                found.append((path, ast.parse(path.read_text(), filename=str(path))))
    return found


def _local_imports(tree: ast.Module) -> list[int]:
    """Line numbers of imports inside functions, except in AppConfig.ready(): importing models
    or signal handlers there is Django's way (the app registry is not ready at module level)."""
    lines = []
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) and fn.name != "ready":
            for statement in fn.body:
                lines += [n.lineno for n in ast.walk(statement) if isinstance(n, ast.Import | ast.ImportFrom)]
    return sorted(set(lines))


def _explained(text: list[str], lineno: int) -> bool:
    """A comment on the import's line, or on the line above it or above the block of imports it
    belongs to (one reason for a group)."""
    if "#" in text[lineno - 1]:
        return True
    line = lineno - 2
    while line >= 0 and text[line].strip().startswith(("from ", "import ")):
        line -= 1
    return line >= 0 and text[line].strip().startswith("#")


def test_function_local_imports_say_why() -> None:
    unexplained = []
    for path, tree in _modules():
        text = path.read_text().splitlines()
        for lineno in _local_imports(tree):
            if not _explained(text, lineno):
                unexplained.append(f"{path.relative_to(ROOT)}:{lineno}: {text[lineno - 1].strip()}")
    assert not unexplained, "function-local imports without a reason:\n" + "\n".join(unexplained)


def test_texts_leave_through_one_sender() -> None:
    """Only the notifications SMS channel asks Telnyx to send a text: call-back tickets, payment
    links and every owner or caller message are notification actions with one retry policy."""
    senders = {
        str(path.relative_to(ROOT))
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "send_sms"
    }
    assert senders == {"notifications/channels/sms.py"}


def test_import_contracts_are_kept() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    if not linter.exists():
        pytest.skip("import-linter is not installed: `make setup` installs it")
    run = subprocess.run(  # noqa: S603 - our own environment's tool on our own tree
        [str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout[-4000:]
    assert "0 broken" in run.stdout
