"""Every runtime dependency pinned in requirements.txt is used by the code that ships.

A package is used when a module of the application (``ugly_mugs``, ``alerts``, ``config``,
``migrations``, ``wsgi.py``) imports it, or when it is one of the few run rather than imported,
each listed below with where it is used. A pin that nothing uses (as ``bleach`` was) fails here,
and so does an entry left in that list after its package was dropped.
"""

from __future__ import annotations

import re
from importlib.metadata import packages_distributions

from tests.support.source import ROOT, imported_modules

SHIPPED = [*sorted((ROOT / "ugly_mugs").rglob("*.py")), *sorted((ROOT / "alerts").rglob("*.py"))]
SHIPPED += [*sorted((ROOT / "config").rglob("*.py")), *sorted((ROOT / "migrations").rglob("*.py")), ROOT / "wsgi.py"]

# Run, not imported: the package name -> the text, in the shipped code or the docs, showing how.
RUN_NOT_IMPORTED = {
    "gunicorn": '"-m", "gunicorn"',  # the demo's web server (ugly_mugs/demo/serve.py) and production's
    "psycopg": "postgresql+psycopg://",  # SQLAlchemy loads the driver named in the database URL
    "redis": "redis://",  # limits loads the Redis client named by the throttles' storage URL
    "tzdata": "ZoneInfo(",  # zoneinfo reads it when the system has no zone files (ugly_mugs/dates/local.py)
}
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements() -> list[str]:
    names = []
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(_normalise(re.split(r"[\[=<>!~;\s]", line, maxsplit=1)[0]))
    return names


def test_requirements_are_read():
    names = requirements()
    assert {"flask", "cryptography", "aiosmtpd"} <= set(names), names


def test_every_runtime_requirement_is_used():
    modules_of: dict[str, set[str]] = {}
    for module, distributions in packages_distributions().items():
        for distribution in distributions:
            modules_of.setdefault(_normalise(distribution), set()).add(module)
    imported = {
        name.split(".")[0] for path in SHIPPED for name in imported_modules(path.read_text(encoding="utf-8"), path)
    }
    unused = []
    for name in requirements():
        if name in RUN_NOT_IMPORTED:
            continue
        modules = modules_of.get(name)
        assert modules, f"{name} is pinned but not installed in this environment"
        if not modules & imported:
            unused.append(name)
    assert not unused, f"pinned in requirements.txt but imported nowhere: {unused}"


def test_packages_run_rather_than_imported_are_pinned_and_run():
    names = requirements()
    texts = [path.read_text(encoding="utf-8") for path in [*SHIPPED, *DOCS] if path.is_file()]
    for name, usage in RUN_NOT_IMPORTED.items():
        assert name in names, f"{name} is no longer pinned: remove it from RUN_NOT_IMPORTED"
        assert any(usage in text for text in texts), f"nothing runs {name} any more ({usage})"
