"""The site's icon: the built-in one, or a file the installation chose to make the pages look ordinary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, current_app

from config import ConfigError
from ugly_mugs.web.access import public

BUILT_IN = Path(__file__).resolve().parents[1] / "static" / "favicon.svg"
TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}
# The icon counts towards the reporter form's weight budget (60 KB in all), so it must stay small.
MAX_BYTES = 16 * 1024

bp = Blueprint("branding", __name__)


@dataclass(frozen=True)
class Icon:
    body: bytes
    mimetype: str


def load_icon(setting: str) -> Icon:
    path = Path(setting) if setting else BUILT_IN
    mimetype = TYPES.get(path.suffix.lower())
    if mimetype is None:
        raise ConfigError(f"UGLY_MUGS_FAVICON: {path.name} must be one of {', '.join(TYPES)}")
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"UGLY_MUGS_FAVICON: cannot read {path}: {exc.strerror}") from None
    if len(body) > MAX_BYTES:
        raise ConfigError(f"UGLY_MUGS_FAVICON: {path.name} is larger than {MAX_BYTES} bytes")
    return Icon(body, mimetype)


@bp.record_once
def _load(state) -> None:
    state.app.extensions["ugly_mugs.icon"] = load_icon(state.app.config["FAVICON"])


@bp.get("/favicon")
@public
def favicon() -> Response:
    icon: Icon = current_app.extensions["ugly_mugs.icon"]
    return Response(icon.body, mimetype=icon.mimetype)
