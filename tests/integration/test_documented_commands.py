"""Every command the documentation shows works as written, so the docs cannot drift from the code.

Reads README.md, docs/**/*.md and bench/README.md as they are (whoever rewrites them): fenced and
indented code blocks and inline code spans. For what it finds, proves:

- every ``flask --app wsgi …`` is written ``.venv/bin/flask --app wsgi …`` (any path ending in
  ``.venv/bin/flask`` will do). A bare ``flask`` runs whatever ``flask`` comes first on the PATH:
  on a machine with Flask installed globally (pyenv, a distribution package) that interpreter lacks
  the project's packages, cannot import ``wsgi`` and answers "No such command 'alerts'";
- each such command names groups and commands that exist, only options they take, and its
  ``--help`` succeeds; and the real ``.venv/bin/flask --app wsgi --help``, run from the checkout,
  lists every group the docs use;
- every ``make TARGET`` names a target that exists (``make -n`` succeeds, nothing is run);
- every ``python -m MODULE`` names a module that can be imported.

The extraction itself is tested on a small sample, so that a parser which finds nothing cannot
pass unnoticed.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_FLASK = ROOT / ".venv" / "bin" / "flask"


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "bench").glob("README.md"))]


FENCE = re.compile(r"^\s*(```|~~~)")
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


def snippets(text: str) -> list[tuple[int, str]]:
    """(line number, code) for each line of a fenced or indented code block and each inline code span."""
    found: list[tuple[int, str]] = []
    fenced = False
    previous_blank = True
    in_indented = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            found.append((number, line))
            continue
        indented = line.startswith("    ") or line.startswith("\t")
        in_indented = indented and (in_indented or previous_blank) and not line.lstrip().startswith(("-", "*"))
        if in_indented:
            found.append((number, line.strip()))
        else:
            found.extend((number, span) for span in INLINE.findall(line))
        previous_blank = not line.strip()
    return found


@dataclass(frozen=True)
class Found:
    where: str  # file:line
    text: str  # the command as written, from the program name on


FLASK = re.compile(r"(?P<before>[^\s`'\"=]*)flask --app wsgi(?P<rest>[^|;&#`]*)")
MAKE = re.compile(r"^(?:[A-Z_]+=\S*\s+)*make\s+(?P<rest>[^|;&#]*)")
PYTHON_M = re.compile(r"python[0-9.]*\s+-m\s+(?P<module>[A-Za-z_][\w.]*)")


def extract(paths: list[Path], root: Path = ROOT) -> tuple[list[Found], list[Found], list[Found], list[Found]]:
    """(flask commands via .venv/bin/flask, bare flask commands, make commands, python -m modules)."""
    flask, bare, make, modules = [], [], [], []
    for path in paths:
        if not path.is_file():
            continue
        for number, code in snippets(path.read_text(encoding="utf-8")):
            where = f"{path.relative_to(root)}:{number}"
            for match in FLASK.finditer(code):
                text = "flask --app wsgi" + match["rest"].rstrip()
                before = match["before"]
                if before.endswith(".venv/bin/"):
                    flask.append(Found(where, text))
                elif before == "" or before.endswith("/"):
                    bare.append(Found(where, (before + text).strip()))
            made = MAKE.match(code.strip())
            if made:
                make.append(Found(where, "make " + made["rest"].strip()))
            modules.extend(Found(where, m["module"]) for m in PYTHON_M.finditer(code))
    return flask, bare, make, modules


FLASK_FOUND, BARE_FOUND, MAKE_FOUND, MODULES_FOUND = extract(documents())
# Flask's own commands, which `flask --app wsgi` offers besides the app's.
FLASK_BUILTIN = {"run", "shell", "routes"}
WORD = re.compile(r"^[a-z][a-z0-9-]*$")


def _resolve(root: click.Group, words: list[str]) -> tuple[list[str], click.Command | None, list[str]]:
    """Walk ``words`` down the command groups: (path, the command reached, the words left)."""
    command: click.Command = root
    path: list[str] = []
    for i, word in enumerate(words):
        if not isinstance(command, click.Group):
            return path, command, words[i:]
        if not WORD.match(word):
            return path, command, words[i:]
        sub = command.commands.get(word)
        if sub is None:
            if not path and word in FLASK_BUILTIN:
                return [word], None, words[i + 1 :]
            raise AssertionError(f"no command {' '.join([*path, word])!r}")
        path.append(word)
        command = sub
    return path, command, []


def _options(command: click.Command) -> set[str]:
    names = {"--help"}
    for param in command.params:
        names.update(param.opts)
        names.update(param.secondary_opts)
    return names


def _words(text: str) -> list[str]:
    # Brackets mark optional parts and "…" elided ones; neither is typed.
    text = text.replace("[", " ").replace("]", " ").replace("…", " ")
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def test_the_docs_show_commands_to_check():
    assert len(FLASK_FOUND) >= 5, FLASK_FOUND
    assert MAKE_FOUND, "no make command found in the docs"
    assert any(f.text.startswith("make run") for f in MAKE_FOUND)


def test_no_doc_runs_a_bare_flask():
    assert not BARE_FOUND, (
        "write .venv/bin/flask (a bare 'flask' is whichever one is first on the PATH, often without "
        "this project's packages): " + "; ".join(f"{f.where}: {f.text}" for f in BARE_FOUND)
    )


@pytest.mark.parametrize("found", FLASK_FOUND, ids=lambda f: f"{f.where} {f.text}")
def test_each_documented_flask_command_exists_and_has_help(app, found):
    words = _words(found.text)[len(["flask", "--app", "wsgi"]) :]
    path, command, rest = _resolve(app.cli, words)
    if command is None:  # one of Flask's own commands
        return
    known = _options(command)
    for word in rest:
        option = word.split("=", 1)[0]
        if option.startswith("--"):
            assert option in known, f"{found.where}: {' '.join(path) or 'flask'} has no option {option}"
    result = app.test_cli_runner().invoke(args=[*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_the_real_venv_flask_lists_every_documented_group():
    if not VENV_FLASK.exists():
        pytest.skip("no .venv in this checkout (make run or make test creates it)")
    result = subprocess.run(
        [str(VENV_FLASK), "--app", "wsgi", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    groups = {w for f in FLASK_FOUND for w in _words(f.text)[3:4] if WORD.match(w)}
    listed = set(re.findall(r"^  ([a-z][a-z0-9-]*)\s", result.stdout, re.M))
    assert groups <= listed, (groups - listed, result.stdout)


@pytest.mark.parametrize("found", MAKE_FOUND, ids=lambda f: f"{f.where} {f.text}")
def test_each_documented_make_target_exists(found):
    args = [w for w in _words(found.text)[1:] if not w.startswith("-")]
    assert args, found
    result = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{found.where}: make -n {' '.join(args)}: {result.stderr}"


@pytest.mark.parametrize("found", MODULES_FOUND, ids=lambda f: f"{f.where} {f.text}")
def test_each_documented_module_exists(found):
    assert importlib.util.find_spec(found.text) is not None, f"{found.where}: no module {found.text}"


SAMPLE = """\
# Title

    .venv/bin/flask --app wsgi alerts dispatch --once   # a comment
    make run PORT=8001

Prose with `flask --app wsgi audit verify` and `make test-fast`, and `python -m bench.submit`.

```sh
echo "$X" | /srv/app/.venv/bin/flask --app wsgi keys grant U
ExecStart=/srv/app/.venv/bin/flask --app wsgi alerts dispatch --loop
```

- a list item
    continued, with `UGLY_MUGS_X=1 .venv/bin/flask --app wsgi db upgrade`
"""


def test_the_extraction_finds_every_form(tmp_path):
    found = snippets(SAMPLE)
    assert (3, ".venv/bin/flask --app wsgi alerts dispatch --once   # a comment") in found
    assert (4, "make run PORT=8001") in found
    assert {code for _, code in found} >= {"flask --app wsgi audit verify", "make test-fast", "python -m bench.submit"}
    (tmp_path / "sample.md").write_text(SAMPLE)
    flask, bare, make, modules = extract([tmp_path / "sample.md"], tmp_path)
    assert [f.text for f in flask] == [
        "flask --app wsgi alerts dispatch --once",
        "flask --app wsgi keys grant U",
        "flask --app wsgi alerts dispatch --loop",
        "flask --app wsgi db upgrade",
    ]
    assert [(f.where, f.text) for f in bare] == [("sample.md:6", "flask --app wsgi audit verify")]
    assert [f.text for f in make] == ["make run PORT=8001", "make test-fast"]
    assert [f.text for f in modules] == ["bench.submit"]


def test_resolving_refuses_an_unknown_command_and_stops_at_arguments(app):
    assert _resolve(app.cli, ["alerts", "dispatch", "--once"])[0] == ["alerts", "dispatch"]
    assert _resolve(app.cli, ["projects", "create", "NAME"])[2] == ["NAME"]
    assert _resolve(app.cli, ["routes"])[0] == ["routes"]
    with pytest.raises(AssertionError, match="no command 'alerts send'"):
        _resolve(app.cli, ["alerts", "send"])
