"""The deploy kit in ``deploy/`` is usable as written: the systemd units pass
``systemd-analyze verify``, every command they and the compose file start is a real command of
the app (run here with ``--help``), the nginx configuration passes ``nginx -t`` and logs no
client address, the image runs as a user of its own with no secret inside, and the package
builds with its templates, translations, static files, migrations and console command.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import config as settings
from ugly_mugs.ops import entry

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
VENV_BIN = "/opt/ugly-mugs/venv/bin/"


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return parser


def _app_commands() -> list[list[str]]:
    """Every `ugly-mugs …` the units and the compose file start, as argument lists."""
    commands = []
    for path in UNITS:
        command = shlex.split(_unit(path)["Service"]["ExecStart"])
        assert command[0] == VENV_BIN + "ugly-mugs", path.name
        commands.append(command[1:])
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((DEPLOY / "container" / "compose.yaml").read_text())
    for name in ("web", "worker", "migrate"):
        command = compose["services"][name]["command"]
        assert command[0] == "ugly-mugs", name
        commands.append(command[1:])
    return commands


def test_the_units_and_compose_start_real_commands_of_the_app(monkeypatch):
    commands = _app_commands()
    assert ["serve"] in commands and ["alerts", "dispatch", "--loop"] in commands and ["audit", "verify"] in commands
    for args in commands:
        options = [a for a in args if a.startswith("--")]
        result = CliRunner().invoke(entry.cli, [a for a in args if not a.startswith("--")] + ["--help"])
        assert result.exit_code == 0, (args, result.output)
        assert "Usage:" in result.output
        for option in options:
            assert option in result.output, (args, option)


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # The venv of a real installation is not here: point the units at an executable that is.
    for path in (DEPLOY / "systemd").iterdir():
        text = path.read_text().replace(VENV_BIN + "ugly-mugs", "/bin/true")
        (tmp_path / path.name).write_text(text)
    names = [str(tmp_path / p.name) for p in (DEPLOY / "systemd").iterdir() if not p.name.endswith("@.service")]
    names.append(str(tmp_path / "ugly-mugs-worker@1.service"))
    shutil.copy(tmp_path / "ugly-mugs-worker@.service", tmp_path / "ugly-mugs-worker@1.service")
    done = subprocess.run([analyze, "verify", *names], capture_output=True, text=True, timeout=60)
    problems = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        # The user exists only on a real host; documentation links are not checked here.
        if line.strip() and "ugly-mugs" in line and "User" not in line
    ]
    assert done.returncode == 0 and problems == [], done.stdout + done.stderr


def test_the_web_unit_reloads_with_hup_and_stops_gracefully():
    service = _unit(DEPLOY / "systemd" / "ugly-mugs-web.service")["Service"]
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["KillSignal"] == "SIGTERM"
    assert service["User"] == "ugly-mugs"
    timer = _unit(DEPLOY / "systemd" / "ugly-mugs-jobs.timer")
    assert timer["Timer"]["OnCalendar"]


def test_nginx_configuration_is_valid_and_logs_no_client_address(tmp_path):
    conf = (DEPLOY / "nginx" / "ugly-mugs.conf").read_text()
    assert re.search(r"^\s*access_log off;", conf, re.MULTILINE)
    assert "error_log /var/log/nginx/ugly-mugs-error.log crit;" in conf
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    # A report with its photos fits, and its body is buffered in memory, never spooled to a file:
    # the upload still carries its metadata until the app cleans and encrypts it.
    sizes = dict(re.findall(r"^\s*(client_max_body_size|client_body_buffer_size) (\d+)m;", conf, re.MULTILINE))
    # Photos too large together are read and dropped by the app (the form comes back filled in).
    photo_form = settings.load({}, {"DATABASE_URL": "sqlite://"})["PHOTO_FORM_READ_BYTES"]
    assert int(sizes["client_max_body_size"]) * 2**20 >= photo_form
    assert int(sizes["client_body_buffer_size"]) >= int(sizes["client_max_body_size"])
    assert "X-Forwarded-Proto" in conf and "X-Forwarded-Host" in conf
    assert "log_format" not in conf and "$remote_addr" not in conf.replace("X-Forwarded-For $remote_addr", "")
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (make deploy-tools)")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"]
        + ["-subj", "/CN=report.example.org", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = (
        conf.replace("/etc/letsencrypt/live/report.example.org/fullchain.pem", str(cert))
        .replace("/etc/letsencrypt/live/report.example.org/privkey.pem", str(key))
        .replace("/var/log/nginx/ugly-mugs-error.log", str(tmp_path / "error.log"))
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/main-error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n include {tmp_path}/site.conf;\n}}\n"
    )
    command = [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_image_runs_unprivileged_with_no_secret_inside():
    dockerfile = (DEPLOY / "container" / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    for line in dockerfile.splitlines():
        assert not re.search(r"(SECRET|MATCHING|PASSWORD|TOKEN)[A-Z_]*\s*=", line), line
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"instance", ".git", "deploy/container/secrets"} <= set(ignored)
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((DEPLOY / "container" / "compose.yaml").read_text())
    assert {"web", "worker", "db", "migrate", "pgbouncer"} <= set(compose["services"])
    env = compose["x-app"]["environment"]
    secrets = [k for k in env if re.search(r"SECRET|MATCHING|PASSWORD|TOKEN|DATABASE_URL", k)]
    assert secrets and all(k.endswith("_FILE") for k in secrets), secrets


def test_the_package_builds_with_everything_it_needs(tmp_path):
    # Built from exactly what the Dockerfile copies (which also keeps build/ out of the checkout).
    source = tmp_path / "src"
    copies = re.findall(r"^COPY (.+) \S+$", (DEPLOY / "container" / "Dockerfile").read_text(), re.MULTILINE)
    for name in (n for line in copies for n in line.split()):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(ROOT / name, source / name)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [wheel] = tmp_path.glob("ugly_mugs-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "wsgi.py",
        "config/__init__.py",
        "config/gunicorn.conf.py",
        "alerts/delivery/dispatch.py",
        "migrations/env.py",
        "migrations/script.py.mako",
        "ugly_mugs/templates/base.html",
        "ugly_mugs/static/site.css",
        "ugly_mugs/translations/pl/LC_MESSAGES/messages.mo",
    ):
        assert needed in names, needed
    migrations = {n for n in names if n.startswith("migrations/versions/2") and n.endswith(".py")}
    assert len(migrations) == len(list((ROOT / "migrations" / "versions").glob("2*.py")))
    assert not any(n.startswith(("tests/", "instance/", "bench/")) for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "ugly-mugs = ugly_mugs.ops.entry:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def _checklist_environment() -> dict[str, str]:
    """The `UGLY_MUGS_…=…` lines of the checklist's /etc/ugly-mugs/env block."""
    lines = (DEPLOY / "CHECKLIST.md").read_text().splitlines()
    return dict(line.strip().split("=", 1) for line in lines if re.match(r"^\s+UGLY_MUGS_[A-Z0-9_]+=", line))


def _compose_environment() -> dict[str, str]:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((DEPLOY / "container" / "compose.yaml").read_text())
    return {k: str(v) for k, v in compose["services"]["web"]["environment"].items()}


@pytest.mark.parametrize("source", [_checklist_environment, _compose_environment], ids=["checklist", "compose"])
def test_the_kit_sets_everything_production_requires(source, tmp_path):
    """Each key file the kit names is given a fresh key (a URL for the database): production's
    own configuration check must then pass, so a setting production requires and the kit omits
    (as the audit key once was) fails here rather than at a real start."""
    import secrets

    import config

    environment = {}
    for name, value in source().items():
        if name.endswith("_FILE") and name != "UGLY_MUGS_AUDIT_CHECKPOINT_FILE":
            path = tmp_path / name.lower()
            is_url = name.endswith("_URL_FILE")  # the database and the key store: one file each
            path.write_text(f"sqlite:///{tmp_path}/{name.lower()}.db" if is_url else secrets.token_hex(32))
            value = str(path)
        environment[name] = value
    for required in ("SECRET_KEY", "MATCHING_KEY", "AUDIT_KEY", "DELIVERY_KEY", "AUDIT_CHECKPOINT"):
        assert f"UGLY_MUGS_{required}_FILE" in environment, required
    config.load(environment)  # raises ConfigError for anything production lacks
