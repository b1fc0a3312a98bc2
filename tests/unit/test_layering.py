"""The layering of docs/architecture.md, read from the source with ``ast``.

Proves, for every module (new modules are covered without editing this file):

- the domain — everything but the web package, the blueprint and form modules, the command
  line and the app factory — imports nothing from Flask, Flask-WTF, Werkzeug, WTForms or
  flask-babel, and nothing from ``ugly_mugs.web`` (it runs in the CLI, workers and tests),
  nor any forms or views module;
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

from tests.support.source import (
    ALL_FILES,
    MODULES,
    ROOT,
    TOPS,
    imported_modules,
    is_under,
    module_level_imports,
    rel,
    source_of,
)

FLASK = ("flask", "flask_wtf", "flask_babel", "werkzeug", "wtforms", "markupsafe")

# Modules that are web plumbing or face the command line by design, besides web/ itself,
# blueprint modules and forms modules.
WEB_BY_DESIGN = {
    "ugly_mugs/__init__.py",  # the app factory
    "ugly_mugs/cli.py",
    "ugly_mugs/ops/entry.py",  # the installed package's console command
    "ugly_mugs/matching/cli.py",
    "ugly_mugs/ops/cli.py",
    "alerts/cli.py",
    "ugly_mugs/auth/sessions.py",  # the server-side session interface
    "ugly_mugs/reporting/lookup.py",  # the receipt throttle of a request
    "ugly_mugs/api/openapi.py",  # the API's document, built per request from the configuration
}


def is_views_module(path: Path) -> bool:
    source = source_of(path)
    return "Blueprint(" in source or "@bp." in source


def is_web_module(path: Path) -> bool:
    name = rel(path)
    return (
        name.startswith("ugly_mugs/web/")
        or name in WEB_BY_DESIGN
        or path.name in ("forms.py", "views.py")
        or is_views_module(path)
    )


DOMAIN = [p for p in ALL_FILES if not is_web_module(p)]
VIEWS = [p for p in ALL_FILES if is_views_module(p)]


def _imports(path: Path) -> set[str]:
    modules = imported_modules(source_of(path), path)
    return modules


def test_classification_sees_the_layers():
    assert len(DOMAIN) >= 60, len(DOMAIN)
    assert len(VIEWS) >= 12, [rel(p) for p in VIEWS]
    for name in WEB_BY_DESIGN:
        assert (ROOT / name).is_file(), name
    for package in ("consent", "reports", "keys", "web"):
        assert (ROOT / "ugly_mugs" / package / "__init__.py").is_file(), package
    # The top of the package holds only the app factory and a handful of modules.
    loose = sorted(p.name for p in (ROOT / "ugly_mugs").glob("*.py"))
    assert len(loose) <= 8, loose


@pytest.mark.parametrize("path", DOMAIN, ids=rel)
def test_domain_imports_no_web(path):
    modules = _imports(path)
    web = sorted(m for m in modules if any(is_under(m, top) for top in FLASK) or is_under(m, "ugly_mugs.web"))
    assert not web, f"{rel(path)} imports {web}"


def _is_face(module: str) -> bool:
    """A forms or views module of the project (``ugly_mugs.reporting.forms`` …)."""
    return any(is_under(module, top) for top in TOPS) and any(
        part in ("forms", "views") for part in module.split(".")[1:]
    )


@pytest.mark.parametrize("path", DOMAIN, ids=rel)
def test_domain_imports_no_form_or_view(path):
    """The domain reads facts from their domain home (a report's fields from ``reports.fields``),
    never from a web form or a view, not even inside a function."""
    faces = sorted(m for m in _imports(path) if _is_face(m))
    assert not faces, f"{rel(path)} imports {faces}"


@pytest.mark.parametrize("path", VIEWS, ids=rel)
def test_views_hold_no_crypto_and_no_sql(path):
    modules = _imports(path)
    assert any(is_under(m, "flask") for m in modules), "a views module that does not import flask? the parser is broken"
    crypto = sorted(m for m in modules if is_under(m, "ugly_mugs.crypto") or is_under(m, "cryptography"))
    assert not crypto, f"{rel(path)} imports {crypto}"
    sql = sorted(m for m in modules if is_under(m, "sqlalchemy"))
    assert not sql, f"{rel(path)} imports {sql}: ask a service for what the page shows"


@pytest.mark.parametrize("path", sorted((ROOT / "ugly_mugs" / "crypto").glob("*.py")), ids=rel)
def test_crypto_stands_alone(path):
    project = sorted(
        m for m in _imports(path) if any(is_under(m, t) for t in TOPS) and not is_under(m, "ugly_mugs.crypto")
    )
    assert not project, f"{rel(path)} imports {project}"


@pytest.mark.parametrize("path", sorted((ROOT / "ugly_mugs" / "models").glob("*.py")), ids=rel)
def test_models_stand_alone(path):
    project = sorted(
        m
        for m in _imports(path)
        if any(is_under(m, t) for t in TOPS)
        and not is_under(m, "ugly_mugs.models")
        and not is_under(m, "ugly_mugs.catalog")
    )
    assert not project, f"{rel(path)} imports {project}"


DELIVERY = sorted((ROOT / "alerts" / "delivery").rglob("*.py"))


@pytest.mark.parametrize("path", DELIVERY, ids=rel)
def test_delivery_never_imports_authoring_or_forms(path):
    modules = _imports(path)
    bad = sorted(
        m
        for m in modules
        if is_under(m, "alerts.authoring")
        or is_under(m, "wtforms")
        or is_under(m, "flask_wtf")
        or m.endswith(".forms")
        or ".forms." in m
        or is_under(m, "ugly_mugs.reports")
        or is_under(m, "ugly_mugs.reporting")
    )
    assert not bad, f"{rel(path)} imports {bad}"


def _seals_to_unit(path: Path) -> list[int]:
    """Lines that seal a section key with holder UNIT (``seal_to_public_key(..., UNIT)``)."""
    lines = []
    for node in ast.walk(ast.parse(source_of(path))):
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


@pytest.mark.parametrize("path", ALL_FILES, ids=rel)
def test_only_consent_seals_to_a_unit(path):
    name = rel(path)
    if name.startswith("ugly_mugs/consent/") or name in UNIT_SEALERS:
        return
    assert not _seals_to_unit(path), f"{name} seals a section key to a police unit outside ugly_mugs/consent"


def test_filing_asks_consent_before_sealing_to_a_unit():
    source = source_of(ROOT / "ugly_mugs" / "reports" / "filing.py")
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
    circles = _circles()
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
    assert any(is_under(m, top) for m in imported_modules(source, path))


def test_face_checker_sees_a_form_inside_a_function():
    path = ROOT / "alerts" / "authoring" / "publish.py"
    modules = imported_modules("def f():\n    from ugly_mugs.reporting.forms import free_text_fields\n", path)
    assert any(_is_face(m) for m in modules)
    assert not any(_is_face(m) for m in imported_modules("from ugly_mugs.reports import fields\n", path))


def test_checker_does_not_flag_lookalike_names():
    path = ROOT / "ugly_mugs" / "reporting" / "views.py"
    modules = imported_modules("import flasky\nfrom ugly_mugs import cryptic\n", path)
    assert not any(is_under(m, "flask") for m in modules)
    assert not any(is_under(m, "ugly_mugs.crypto") for m in modules)


def test_unit_seal_checker_sees_a_seal(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("sections.seal_to_public_key(unit.public_key, key, rid, name, 1, sections.UNIT)\n")
    assert _seals_to_unit(sample) == [1]
    sample.write_text("sections.seal_to_public_key(scheme.public_key, key, rid, name, 1, sections.SCHEME)\n")
    assert _seals_to_unit(sample) == []
