"""The layering of docs/architecture.md, read from the source with ``ast``.

Proves, for every module (new modules are covered without editing this file):

- the domain — everything but the web package, the blueprint and form modules, the command
  line and the app factory — imports nothing from Flask, Flask-WTF, Werkzeug, WTForms or
  flask-babel, and nothing from ``ugly_mugs.web`` (it runs in the CLI, workers and tests);
- no views module (a module that makes a ``Blueprint``) imports ``sqlalchemy``,
  ``ugly_mugs.crypto`` or ``cryptography``: views hold no SQL and no crypto;
- ``ugly_mugs.crypto`` imports nothing else of the project, ``ugly_mugs.models`` nothing but
  itself and the catalog marker;
- alert delivery never imports alert authoring, a form module or anything that opens a report;
- only ``ugly_mugs.consent`` seals a section key to a police unit;
- no two modules import each other, directly or around a circle (module-level imports).

The checker itself is tested on small samples so that a checker which finds nothing cannot
pass unnoticed.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOPS = ("ugly_mugs", "alerts")

FLASK = ("flask", "flask_wtf", "flask_babel", "werkzeug", "wtforms", "markupsafe")

# Modules that are web plumbing or face the command line by design, besides web/ itself,
# blueprint modules and forms modules.
WEB_BY_DESIGN = {
    "ugly_mugs/__init__.py",  # the app factory
    "ugly_mugs/cli.py",
    "ugly_mugs/ops/entry.py",  # the installed package's console command
    "ugly_mugs/matching/cli.py",
    "alerts/cli.py",
    "ugly_mugs/auth/sessions.py",  # the server-side session interface
    "ugly_mugs/reporting/lookup.py",  # the receipt throttle of a request
    "ugly_mugs/api/openapi.py",  # the API's document, built per request from the configuration
}

# Views not yet thin: they still hold queries. Each is being emptied; the list only shrinks.
KNOWN_FAT_VIEWS: set[str] = {
    "ugly_mugs/admin/views.py",
    "ugly_mugs/coordinator/alert_pages.py",
    "ugly_mugs/coordinator/views.py",
    "ugly_mugs/police/views.py",
    "ugly_mugs/projects/views.py",
    "ugly_mugs/reporting/views.py",
    "ugly_mugs/staff/views.py",
    "ugly_mugs/api/views.py",
}
# Import circles still being untangled.
KNOWN_CIRCLES: list[set[str]] = [{"ugly_mugs.coordinator.views", "ugly_mugs.coordinator.alert_pages"}]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


ALL_FILES = sorted(p for top in TOPS for p in (ROOT / top).rglob("*.py"))
MODULES = {_module_name(p): p for p in ALL_FILES}


def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def is_views_module(path: Path) -> bool:
    source = _source(path)
    return "Blueprint(" in source or "@bp." in source


def is_web_module(path: Path) -> bool:
    rel = _rel(path)
    return (
        rel.startswith("ugly_mugs/web/")
        or rel in WEB_BY_DESIGN
        or path.name in ("forms.py", "views.py")
        or is_views_module(path)
    )


DOMAIN = [p for p in ALL_FILES if not is_web_module(p)]
VIEWS = [p for p in ALL_FILES if is_views_module(p)]


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


def module_level_imports(path: Path) -> set[str]:
    """Project modules imported when ``path`` is imported (top-level statements only).

    ``from package import module`` counts as an import of the module, not of the package.
    """
    found: set[str] = set()
    for node in ast.parse(_source(path)).body:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            module = _resolve_relative(node, path) if node.level else node.module or ""
            for alias in node.names:
                if f"{module}.{alias.name}" in MODULES:
                    found.add(f"{module}.{alias.name}")
                elif module in MODULES:
                    found.add(module)
    found.discard(_module_name(path))
    return found


def _is_under(module: str, top: str) -> bool:
    return module == top or module.startswith(top + ".")


def _imports(path: Path) -> set[str]:
    modules = imported_modules(_source(path), path)
    return modules


def test_classification_sees_the_layers():
    assert len(DOMAIN) >= 60, len(DOMAIN)
    assert len(VIEWS) >= 12, [_rel(p) for p in VIEWS]
    for rel in WEB_BY_DESIGN | KNOWN_FAT_VIEWS:
        assert (ROOT / rel).is_file(), rel
    for package in ("consent", "reports", "keys", "web"):
        assert (ROOT / "ugly_mugs" / package / "__init__.py").is_file(), package
    # The top of the package holds only the app factory and a handful of modules.
    loose = sorted(p.name for p in (ROOT / "ugly_mugs").glob("*.py"))
    assert len(loose) <= 8, loose


@pytest.mark.parametrize("path", DOMAIN, ids=_rel)
def test_domain_imports_no_web(path):
    modules = _imports(path)
    web = sorted(m for m in modules if any(_is_under(m, top) for top in FLASK) or _is_under(m, "ugly_mugs.web"))
    assert not web, f"{_rel(path)} imports {web}"


@pytest.mark.parametrize("path", VIEWS, ids=_rel)
def test_views_hold_no_crypto_and_no_sql(path):
    modules = _imports(path)
    assert any(_is_under(m, "flask") for m in modules), (
        "a views module that does not import flask? the parser is broken"
    )
    crypto = sorted(m for m in modules if _is_under(m, "ugly_mugs.crypto") or _is_under(m, "cryptography"))
    assert not crypto, f"{_rel(path)} imports {crypto}"
    sql = sorted(m for m in modules if _is_under(m, "sqlalchemy"))
    if _rel(path) in KNOWN_FAT_VIEWS:
        return
    assert not sql, f"{_rel(path)} imports {sql}: ask a service for what the page shows"


def test_known_fat_views_are_still_fat():
    """An entry left in KNOWN_FAT_VIEWS after its module was made thin would hide a regression."""
    for rel in KNOWN_FAT_VIEWS:
        modules = _imports(ROOT / rel)
        assert any(_is_under(m, "sqlalchemy") for m in modules), f"{rel} is thin now: remove it from KNOWN_FAT_VIEWS"


@pytest.mark.parametrize("path", sorted((ROOT / "ugly_mugs" / "crypto").glob("*.py")), ids=_rel)
def test_crypto_stands_alone(path):
    project = sorted(
        m for m in _imports(path) if any(_is_under(m, t) for t in TOPS) and not _is_under(m, "ugly_mugs.crypto")
    )
    assert not project, f"{_rel(path)} imports {project}"


@pytest.mark.parametrize("path", sorted((ROOT / "ugly_mugs" / "models").glob("*.py")), ids=_rel)
def test_models_stand_alone(path):
    project = sorted(
        m
        for m in _imports(path)
        if any(_is_under(m, t) for t in TOPS)
        and not _is_under(m, "ugly_mugs.models")
        and not _is_under(m, "ugly_mugs.catalog")
    )
    assert not project, f"{_rel(path)} imports {project}"


DELIVERY = sorted((ROOT / "alerts" / "delivery").rglob("*.py"))


@pytest.mark.parametrize("path", DELIVERY, ids=_rel)
def test_delivery_never_imports_authoring_or_forms(path):
    modules = _imports(path)
    bad = sorted(
        m
        for m in modules
        if _is_under(m, "alerts.authoring")
        or _is_under(m, "wtforms")
        or _is_under(m, "flask_wtf")
        or m.endswith(".forms")
        or ".forms." in m
        or _is_under(m, "ugly_mugs.reports")
        or _is_under(m, "ugly_mugs.reporting")
    )
    assert not bad, f"{_rel(path)} imports {bad}"


def _seals_to_unit(path: Path) -> list[int]:
    """Lines that seal a section key with holder UNIT (``seal_to_public_key(..., UNIT)``)."""
    lines = []
    for node in ast.walk(ast.parse(_source(path))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name != "seal_to_public_key":
                continue
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                text = ast.unparse(arg)
                if text.endswith("UNIT") or "unit" in text.lower() and "holder" in text.lower():
                    lines.append(node.lineno)
    return lines


# Filing seals the first versions where ``consent.unit_may_open`` says so; it is the one other place.
UNIT_SEALERS = {"ugly_mugs/reports/filing.py"}


@pytest.mark.parametrize("path", ALL_FILES, ids=_rel)
def test_only_consent_seals_to_a_unit(path):
    rel = _rel(path)
    if rel.startswith("ugly_mugs/consent/") or rel in UNIT_SEALERS:
        return
    assert not _seals_to_unit(path), f"{rel} seals a section key to a police unit outside ugly_mugs/consent"


def test_filing_asks_consent_before_sealing_to_a_unit():
    source = _source(ROOT / "ugly_mugs" / "reports" / "filing.py")
    assert _seals_to_unit(ROOT / "ugly_mugs" / "reports" / "filing.py")
    assert "consent.unit_may_open(" in source
    assert "SECTIONS_FOR_POLICE" not in source


def _circles() -> list[set[str]]:
    graph = {name: module_level_imports(path) for name, path in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in graph:
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_no_import_circles():
    circles = [c for c in _circles() if c not in KNOWN_CIRCLES]
    assert not circles, f"modules import each other: {circles}"


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
    "from sqlalchemy import select": "sqlalchemy",
}


@pytest.mark.parametrize(("source", "top"), SAMPLES.items())
def test_checker_finds_every_form_of_import(source, top):
    path = ROOT / "ugly_mugs" / "reporting" / "views.py"
    assert any(_is_under(m, top) for m in imported_modules(source, path))


def test_checker_does_not_flag_lookalike_names():
    path = ROOT / "ugly_mugs" / "reporting" / "views.py"
    modules = imported_modules("import flasky\nfrom ugly_mugs import cryptic\n", path)
    assert not any(_is_under(m, "flask") for m in modules)
    assert not any(_is_under(m, "ugly_mugs.crypto") for m in modules)


def test_unit_seal_checker_sees_a_seal(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("sections.seal_to_public_key(unit.public_key, key, rid, name, 1, sections.UNIT)\n")
    assert _seals_to_unit(sample) == [1]
    sample.write_text("sections.seal_to_public_key(scheme.public_key, key, rid, name, 1, sections.SCHEME)\n")
    assert _seals_to_unit(sample) == []
