"""The layering of DESIGN.md §3, read from the source with ``ast``.

Proves: the crypto package, the section and key-store modules, the reporting and project
services, the matching services and the alerts package (but its command line) import nothing
from Flask (so they run in the CLI, workers and tests without a request); the reporter, API and
matching views import nothing from ``ugly_mugs.crypto`` or ``cryptography`` (views hold no
crypto). The checker itself is tested on small samples so that a checker which finds nothing
cannot pass unnoticed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "ugly_mugs"

# alerts/ is used by the dispatch worker without a request; only its command-line module needs Flask.
ALERTS = sorted(
    p for p in (ROOT / "alerts").rglob("*.py") if p.name != "cli.py" and p != ROOT / "alerts" / "__init__.py"
)
NO_FLASK = (
    sorted((PACKAGE / "crypto").glob("*.py"))
    + [
        PACKAGE / "sections.py",
        PACKAGE / "keystore.py",
        PACKAGE / "reporting" / "service.py",
        PACKAGE / "projects" / "service.py",
        PACKAGE / "casework.py",
    ]
    + [
        PACKAGE / "matching" / f"{name}.py"
        for name in ("normalise", "index", "links", "check", "rotate", "reveal", "graph")
    ]
    + ALERTS
)
VIEWS = [PACKAGE / "reporting" / "views.py", PACKAGE / "api" / "views.py"] + [
    PACKAGE / "matching" / f"{name}.py" for name in ("views", "api", "public")
]


def _resolve_relative(node: ast.ImportFrom, path: Path) -> str:
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    if path.name == "__init__.py":
        package = path.relative_to(ROOT).parts[:-1]
    base = list(package[: len(package) - (node.level - 1)] if node.level > 1 else package)
    return ".".join(base + ([node.module] if node.module else []))


def imported_modules(source: str, path: Path) -> set[str]:
    """Every module named by an import in ``source``, at any depth (functions, TYPE_CHECKING blocks…)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _resolve_relative(node, path) if node.level else node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return names


def _is_under(module: str, top: str) -> bool:
    return module == top or module.startswith(top + ".")


def test_files_exist():
    assert len(NO_FLASK) >= 8, NO_FLASK
    for path in NO_FLASK + VIEWS:
        assert path.is_file(), path


@pytest.mark.parametrize("path", NO_FLASK, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_flask_import(path):
    modules = imported_modules(path.read_text(encoding="utf-8"), path)
    assert modules, f"{path} imports nothing? the parser is broken"
    flask = sorted(m for m in modules if _is_under(m, "flask") or _is_under(m, "flask_wtf") or _is_under(m, "werkzeug"))
    assert not flask, f"{path.relative_to(ROOT)} imports {flask}"


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_views_hold_no_crypto(path):
    modules = imported_modules(path.read_text(encoding="utf-8"), path)
    assert any(_is_under(m, "flask") for m in modules), "a view module that does not import flask? the parser is broken"
    crypto = sorted(
        m
        for m in modules
        if _is_under(m, "ugly_mugs.crypto") or _is_under(m, "cryptography") or m == "ugly_mugs.crypto"
    )
    assert not crypto, f"{path.relative_to(ROOT)} imports {crypto}"


SAMPLES = {
    "import flask": "flask",
    "from flask import current_app": "flask",
    "import flask.json as fj": "flask",
    "def f():\n    from flask import g\n": "flask",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from flask import Flask\n": "flask",
    "import importlib\nimportlib.import_module('flask')": "flask",
    "from ugly_mugs import crypto": "ugly_mugs.crypto",
    "from ugly_mugs.crypto import aead": "ugly_mugs.crypto",
    "from ugly_mugs.crypto.sealing import seal": "ugly_mugs.crypto",
    "from cryptography.hazmat.primitives import hashes": "cryptography",
    "from ..crypto import aead": "ugly_mugs.crypto",
}


@pytest.mark.parametrize(("source", "top"), SAMPLES.items())
def test_checker_finds_every_form_of_import(source, top):
    path = PACKAGE / "reporting" / "views.py"
    assert any(_is_under(m, top) for m in imported_modules(source, path))


def test_checker_does_not_flag_lookalike_names():
    path = PACKAGE / "reporting" / "views.py"
    modules = imported_modules("import flasky\nfrom ugly_mugs import cryptic\n", path)
    assert not any(_is_under(m, "flask") for m in modules)
    assert not any(_is_under(m, "ugly_mugs.crypto") for m in modules)
