"""Reading the project's own source for the structural tests: where the repository is, which
Python files it ships, and what each file imports (with ``ast``, at any depth)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOPS = ("ugly_mugs", "alerts")


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


ALL_FILES = sorted(p for top in TOPS for p in (ROOT / top).rglob("*.py"))
MODULES = {module_name(p): p for p in ALL_FILES}


def source_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def resolve_relative(node: ast.ImportFrom, path: Path) -> str:
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
            module = resolve_relative(node, path) if node.level else node.module or ""
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
    for node in ast.parse(source_of(path)).body:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            module = resolve_relative(node, path) if node.level else node.module or ""
            for alias in node.names:
                if f"{module}.{alias.name}" in MODULES:
                    found.add(f"{module}.{alias.name}")
                elif module in MODULES:
                    found.add(module)
    found.discard(module_name(path))
    return found


def is_under(module: str, top: str) -> bool:
    """Whether dotted ``module`` is ``top`` or inside it (``flask.json`` is under ``flask``, ``flasky`` is not)."""
    return module == top or module.startswith(top + ".")
