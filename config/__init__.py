"""Settings: defaults, ``UGLY_MUGS_*`` environment overrides and production checks.

Every setting has a default that works for a developer on a laptop. An installation
overrides them with environment variables named ``UGLY_MUGS_<NAME>``; a secret may
instead be read from a file named by ``UGLY_MUGS_<NAME>_FILE`` so that it never has to
appear in a process listing or a shell history.
"""

from __future__ import annotations

import os
import re
import secrets
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

import email_validator
import phonenumbers
from sqlalchemy.engine import make_url

PREFIX = "UGLY_MUGS_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEV_SECRET_FILE = PROJECT_ROOT / "instance" / "secret_key"
DEV_MATCHING_KEY_FILE = PROJECT_ROOT / "instance" / "matching_key"
# Used only in development mode when instance/matching_key does not exist, so that every process
# of a developer's machine (and of the tests) indexes under the same key. Production refuses it.
DEV_MATCHING_KEY = bytes.fromhex("d5" * 32)
# The same for the key that authenticates the audit log (instance/audit_key, made by `make run`).
DEV_AUDIT_KEY_FILE = PROJECT_ROOT / "instance" / "audit_key"
DEV_AUDIT_KEY = bytes.fromhex("a7" * 32)
# The same for the key that seals the webhooks' signing secrets (instance/delivery_key, made by `make run`).
DEV_DELIVERY_KEY_FILE = PROJECT_ROOT / "instance" / "delivery_key"
DEV_DELIVERY_KEY = bytes.fromhex("e3" * 32)
# The dispatch key pair seals subscribers' numbers and addresses: the web app holds only the public
# half (instance/dispatch_public_key), the sending worker the private half too
# (instance/dispatch_private_key); both made by `make run`. Without the files, development uses a
# pair made from this fixed seed, which production refuses.
DEV_DISPATCH_PUBLIC_KEY_FILE = PROJECT_ROOT / "instance" / "dispatch_public_key"
DEV_DISPATCH_PRIVATE_KEY_FILE = PROJECT_ROOT / "instance" / "dispatch_private_key"
DEV_DISPATCH_SEED = bytes.fromhex("c4" * 32)
# The key of the subscribers' blind index (instance/subscriber_key, made by `make run`).
DEV_SUBSCRIBER_KEY_FILE = PROJECT_ROOT / "instance" / "subscriber_key"
DEV_SUBSCRIBER_KEY = bytes.fromhex("5b" * 32)

DEFAULT_AREAS = "city-centre=City Centre;holbeck=Holbeck;harehills=Harehills;chapeltown=Chapeltown;other=Somewhere else"

DEFAULT_CATEGORIES = (
    "physical-assault=Physical assault;"
    "sexual-assault=Rape or sexual assault;"
    "robbery=Robbery or theft;"
    "refused-to-pay=Refused to pay;"
    "condom=Condom removed or refused;"
    "threats=Threats or intimidation;"
    "harassment=Harassment or stalking;"
    "held=Held against will;"
    "other=Other"
)

DEFAULT_POLICE_UNITS = "local-police=Local police unit:city-centre,holbeck,harehills,chapeltown,other"


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which setting and why."""


@dataclass(frozen=True)
class Choice:
    code: str
    label: str


@dataclass(frozen=True)
class UnitSetting:
    code: str
    name: str
    areas: tuple[str, ...]


def parse_choices(text: str, setting: str) -> tuple[Choice, ...]:
    """Parse ``code=Label;code=Label`` into choices, refusing duplicates and blanks."""
    choices: list[Choice] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        code, sep, label = part.partition("=")
        code, label = code.strip(), label.strip()
        if not sep or not code or not label:
            raise ConfigError(f"{setting}: '{part.strip()}' is not of the form code=Label")
        if any(c.code == code for c in choices):
            raise ConfigError(f"{setting}: the code '{code}' appears twice")
        choices.append(Choice(code, label))
    if not choices:
        raise ConfigError(f"{setting}: at least one entry is needed")
    return tuple(choices)


def parse_units(text: str, area_codes: set[str]) -> tuple[UnitSetting, ...]:
    """Parse ``code=Name:area,area;…``; every area belongs to at most one unit."""
    units: list[UnitSetting] = []
    seen: set[str] = set()
    for part in text.split(";"):
        if not part.strip():
            continue
        code, sep, rest = part.partition("=")
        name, _, areas_text = rest.partition(":")
        areas = tuple(a.strip() for a in areas_text.split(",") if a.strip())
        if not sep or not code.strip() or not name.strip():
            raise ConfigError(f"POLICE_UNITS: '{part.strip()}' is not of the form code=Name:area,area")
        if any(u.code == code.strip() for u in units):
            raise ConfigError(f"POLICE_UNITS: the code '{code.strip()}' appears twice")
        for area in areas:
            if area not in area_codes:
                raise ConfigError(f"POLICE_UNITS: unknown area '{area}'")
            if area in seen:
                raise ConfigError(f"POLICE_UNITS: area '{area}' is given to two units")
            seen.add(area)
        units.append(UnitSetting(code.strip(), name.strip(), areas))
    return tuple(units)


def _read(env: Mapping[str, str], name: str) -> str | None:
    """Value of UGLY_MUGS_<name>, or the content of the file UGLY_MUGS_<name>_FILE."""
    value = env.get(PREFIX + name)
    path = env.get(PREFIX + name + "_FILE")
    if value is not None and path is not None:
        raise ConfigError(f"set either {PREFIX}{name} or {PREFIX}{name}_FILE, not both")
    if path is not None:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{PREFIX}{name}_FILE: cannot read {path}: {exc.strerror}") from None
    return value


def parse_fallbacks(text: str) -> list[str]:
    """The former secret keys in ``text`` (separated by whitespace or commas), oldest first as
    written; empty entries dropped. A key therefore cannot hold a comma or a space."""
    return [key for key in re.split(r"[\s,]+", text.strip()) if key]


def parse_regions(text: str) -> tuple[str, ...]:
    """The region codes in ``text`` (commas or white space between), upper case, each once, in
    order; checked against libphonenumber's regions by ``check``."""
    return tuple(dict.fromkeys(code.upper() for code in re.split(r"[\s,]+", text.strip()) if code))


def parse_addresses(text: str) -> list[str]:
    """The email addresses in ``text`` (separated by commas or white space), in order; empty
    entries dropped. Each is checked by ``check``."""
    return [address for address in re.split(r"[\s,]+", text.strip()) if address]


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _read(env, name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be a whole number, not '{raw}'") from None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = _read(env, name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{PREFIX}{name} must be true or false, not '{raw}'")


def _development_secret() -> str:
    """On a developer's machine: the key ``make run`` made, else a throwaway one for this process."""
    if DEV_SECRET_FILE.exists():
        return DEV_SECRET_FILE.read_text(encoding="utf-8").strip()
    return secrets.token_hex(32)


def _outside_key(env: Mapping[str, str], name: str, mode: str, dev_file: Path, dev_key: bytes) -> bytes | None:
    """A key kept outside the database (32+ random bytes, written as hex): UGLY_MUGS_<name>(_FILE).

    In development, when it is not set: ``dev_file`` if it exists, else the fixed ``dev_key``
    (which production refuses), so that every process on a developer's machine agrees.
    """
    raw = _read(env, name)
    if raw is None or not raw.strip():
        if mode != "development":
            return None
        if dev_file.exists():
            raw = dev_file.read_text(encoding="utf-8").strip()
        else:
            return dev_key
    return parse_hex_key(raw, name)


def _dev_dispatch_pair():
    from ugly_mugs.crypto import sealing

    return sealing.key_pair_from_seed(DEV_DISPATCH_SEED)


def _dispatch_key(env: Mapping[str, str], name: str, mode: str, dev_file: Path, private: bool) -> bytes | None:
    """One half of the dispatch key pair, written as hex: UGLY_MUGS_<name>(_FILE).

    In development, when it is not set: ``dev_file`` if it exists, else the half of the fixed
    development pair (which production refuses). The private half's default applies only where
    the public half is the default too, so a worker never holds a private key that does not match.
    """
    from ugly_mugs.crypto import sealing

    raw = _read(env, name)
    if raw is None or not raw.strip():
        if mode != "development":
            return None
        if dev_file.exists():
            raw = dev_file.read_text(encoding="utf-8").strip()
        else:
            pair = _dev_dispatch_pair()
            return pair.private if private else pair.public
    try:
        key = bytes.fromhex(raw.strip())
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be written in hexadecimal") from None
    try:
        if private:
            sealing.key_pair_from_private(key)
        else:
            sealing.kind_of(key)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} is not a dispatch {'private' if private else 'public'} key") from None
    return key


def _optional_key(env: Mapping[str, str], name: str) -> bytes | None:
    """A key given only when needed (no development default): UGLY_MUGS_<name>(_FILE), else None."""
    raw = _read(env, name)
    if raw is None or not raw.strip():
        return None
    return parse_hex_key(raw, name)


def parse_hex_key(raw: str, name: str) -> bytes:
    """A key of at least 32 bytes written in hexadecimal; ConfigError naming UGLY_MUGS_<name> otherwise."""
    try:
        key = bytes.fromhex(raw.strip())
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be written in hexadecimal") from None
    if len(key) < 32:
        raise ConfigError(f"{PREFIX}{name} must be at least 32 bytes (64 hexadecimal digits)")
    return key


def parse_matching_key(raw: str) -> bytes:
    return parse_hex_key(raw, "MATCHING_KEY")


def _is_development_key(key: bytes, dev_key: bytes, dev_file: Path) -> bool:
    return key == dev_key or (dev_file.exists() and key.hex() == dev_file.read_text(encoding="utf-8").strip().lower())


def default_database_url() -> str:
    return "sqlite:///" + str(PROJECT_ROOT / "instance" / "ugly_mugs.sqlite3")


def default_keystore_url(database_url: str) -> str:
    """Where the erasure key store is when UGLY_MUGS_KEYSTORE_URL is not set (development only):
    a SQLite file beside a SQLite database (``ugly_mugs.sqlite3`` -> ``ugly_mugs-keys.sqlite3``),
    else ``instance/keystore-<database name>.sqlite3``. Never inside the database itself."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        return "sqlite:///" + str(path.with_name(path.stem + "-keys.sqlite3"))
    name = "".join(ch for ch in (url.database or "default") if ch.isalnum() or ch in "-_") or "default"
    return "sqlite:///" + str(PROJECT_ROOT / "instance" / f"keystore-{name}.sqlite3")


def _months(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 0:
        raise ConfigError(f"{PREFIX}{name} must be 0 (never) or a number of months")
    return value


def _log_format(env: Mapping[str, str]) -> str:
    # The one reading of UGLY_MUGS_LOG_FORMAT, shared with gunicorn's configuration, which reads
    # it before any app exists.
    from ugly_mugs.ops import logs

    try:
        return logs.chosen(env)
    except logs.LogFormatError as exc:
        raise ConfigError(str(exc)) from None


def load(env: Mapping[str, str] | None = None, overrides: Mapping[str, object] | None = None) -> dict:
    """Build the Flask config mapping from defaults, the environment and ``overrides``."""
    env = os.environ if env is None else env
    mode = (_read(env, "ENV") or "development").lower()
    if mode not in {"development", "production"}:
        raise ConfigError(f"{PREFIX}ENV must be 'development' or 'production', not '{mode}'")
    areas = parse_choices(_read(env, "AREAS") or DEFAULT_AREAS, "AREAS")
    categories = parse_choices(_read(env, "CATEGORIES") or DEFAULT_CATEGORIES, "CATEGORIES")
    units = parse_units(_read(env, "POLICE_UNITS") or DEFAULT_POLICE_UNITS, {a.code for a in areas})
    config: dict[str, object] = {
        "UGLY_MUGS_MODE": mode,
        "SECRET_KEY": _read(env, "SECRET_KEY") or (_development_secret() if mode == "development" else None),
        # Former secret keys, still accepted (never used to sign) while a rotation settles: Flask
        # 3.1's SECRET_KEY_FALLBACKS, also read by the reporter form tokens and the CSRF tokens.
        # Whitespace- or comma-separated; docs/operating.md "Rotating the secret key".
        "SECRET_KEY_FALLBACKS": parse_fallbacks(_read(env, "SECRET_KEY_FALLBACKS") or ""),
        "DATABASE_URL": _read(env, "DATABASE_URL") or default_database_url(),
        # The erasure key store (P8): one key per report, outside the database and its backups.
        # Required in production (a separate database, or a file on another volume); in
        # development a SQLite file beside the database.
        # (When not set, it is derived below from the database URL as finally configured.)
        "KEYSTORE_URL": _read(env, "KEYSTORE_URL"),
        # True when PostgreSQL is reached through a pooler in transaction mode (PgBouncer): no
        # server-side prepared statements then.
        "DATABASE_POOLED": _bool(env, "DATABASE_POOLED", False),
        # "text" or "json": the form of the logs (ugly_mugs.ops.logs), never their content.
        "LOG_FORMAT": _log_format(env),
        "SMTP_URL": _read(env, "SMTP_URL") or "smtp://127.0.0.1:25",
        # The SMTP password, if not in SMTP_URL (so it can come from a file); a CA bundle to trust
        # for the SMTP server's certificate besides the system's.
        "SMTP_PASSWORD": _read(env, "SMTP_PASSWORD"),
        "SMTP_CA_FILE": _read(env, "SMTP_CA_FILE") or "",
        # Seconds one email may take in all (connecting, greeting, sending): a total deadline, not a
        # socket timeout, so a server that answers a byte at a time or never cannot hold a worker longer.
        "SMTP_TIMEOUT": _int(env, "SMTP_TIMEOUT", 30),
        # Recipients per SMTP transaction (RCPT TO); RFC 5321 §4.5.3.1.8 guarantees 100.
        "SMTP_MAX_RECIPIENTS": _int(env, "SMTP_MAX_RECIPIENTS", 50),
        # Who alert emails are from, and their subject: empty means a neutral word in the project's
        # language ("New message"), because phones are shared and a subject shows on a locked screen.
        "MAIL_FROM": _read(env, "MAIL_FROM") or "bulletin@localhost",
        "ALERT_SUBJECT": _read(env, "ALERT_SUBJECT") or "",
        # Dispatch: tries before a delivery is failed, first retry delay (doubling each time),
        # how long a worker's claim lasts, how many it claims at once (small, so that several
        # workers share the work), how many destinations it sends to at once, and the total
        # deadline of one webhook request.
        "DELIVERY_MAX_ATTEMPTS": _int(env, "DELIVERY_MAX_ATTEMPTS", 8),
        "DELIVERY_RETRY_SECONDS": _int(env, "DELIVERY_RETRY_SECONDS", 60),
        "DELIVERY_LEASE_SECONDS": _int(env, "DELIVERY_LEASE_SECONDS", 300),
        "DELIVERY_BATCH_SIZE": _int(env, "DELIVERY_BATCH_SIZE", 200),
        "DELIVERY_CONCURRENCY": _int(env, "DELIVERY_CONCURRENCY", 8),
        # While the database cannot be reached, the worker tries again after a pause that doubles up to this.
        "DELIVERY_DB_RETRY_MAX_SECONDS": _int(env, "DELIVERY_DB_RETRY_MAX_SECONDS", 30),
        # A worker whose heartbeat is older than this is shown as stalled or dead.
        "DELIVERY_HEARTBEAT_STALE_SECONDS": _int(env, "DELIVERY_HEARTBEAT_STALE_SECONDS", 60),
        "WEBHOOK_TIMEOUT": _int(env, "WEBHOOK_TIMEOUT", 10),
        # Host names (or IP addresses) that webhooks may reach although they are private or local:
        # for tests and closed networks. Comma-separated; empty: webhooks reach public addresses only.
        "WEBHOOK_ALLOWED_PRIVATE_HOSTS": _read(env, "WEBHOOK_ALLOWED_PRIVATE_HOSTS") or "",
        # A CA bundle to trust for webhook servers' certificates besides the system's (a closed network's CA).
        "WEBHOOK_CA_FILE": _read(env, "WEBHOOK_CA_FILE") or "",
        # Seals the webhooks' signing secrets (AES-256-GCM under a key derived from it); never in the database.
        "DELIVERY_KEY": _outside_key(env, "DELIVERY_KEY", mode, DEV_DELIVERY_KEY_FILE, DEV_DELIVERY_KEY),
        # Alerts by text message and email to individual subscribers (the sign-up page, the
        # outreach page, the fan-out); off unless switched on.
        "SUBSCRIPTIONS": _bool(env, "SUBSCRIPTIONS", False),
        # Subscribers' numbers and addresses are sealed to the dispatch public key (the web app's
        # half); only the sending worker holds the private half (docs/operating.md, "Subscriptions").
        "DISPATCH_PUBLIC_KEY": _dispatch_key(
            env, "DISPATCH_PUBLIC_KEY", mode, DEV_DISPATCH_PUBLIC_KEY_FILE, private=False
        ),
        "DISPATCH_PRIVATE_KEY": _dispatch_key(
            env, "DISPATCH_PRIVATE_KEY", mode, DEV_DISPATCH_PRIVATE_KEY_FILE, private=True
        ),
        # Keys the blind index of subscribers' numbers and addresses (duplicates, STOP replies).
        "SUBSCRIBER_KEY": _outside_key(env, "SUBSCRIBER_KEY", mode, DEV_SUBSCRIBER_KEY_FILE, DEV_SUBSCRIBER_KEY),
        # A subscription without activity (sign-up, an alert sent, a reply) for this many days is erased.
        "SUBSCRIPTION_INACTIVE_DAYS": _int(env, "SUBSCRIPTION_INACTIVE_DAYS", 365),
        # A verification code works for this many minutes and this many tries.
        "SUBSCRIPTION_CODE_MINUTES": _int(env, "SUBSCRIPTION_CODE_MINUTES", 30),
        "SUBSCRIPTION_CODE_ATTEMPTS": _int(env, "SUBSCRIPTION_CODE_ATTEMPTS", 5),
        # Sign-ups: per client, per number or address, and from everyone, per window.
        "SUBSCRIBE_CLIENT_LIMIT": _int(env, "SUBSCRIBE_CLIENT_LIMIT", 5),
        "SUBSCRIBE_CONTACT_LIMIT": _int(env, "SUBSCRIBE_CONTACT_LIMIT", 3),
        "SUBSCRIBE_GLOBAL_LIMIT": _int(env, "SUBSCRIBE_GLOBAL_LIMIT", 200),
        "SUBSCRIBE_WINDOW_SECONDS": _int(env, "SUBSCRIBE_WINDOW_SECONDS", 3600),
        # The cost ceiling: texts sent because of sign-ups (codes, help) per month, from everyone.
        "SMS_MONTHLY_LIMIT": _int(env, "SMS_MONTHLY_LIMIT", 2000),
        # The countries (ISO 3166 alpha-2, comma-separated) whose mobile numbers may sign up;
        # empty: the home country (PHONE_REGION) only. Texts abroad cost more and are what SMS
        # pumping aims at, so they have a smaller monthly ceiling of their own (within the one above).
        "SMS_COUNTRIES": parse_regions(_read(env, "SMS_COUNTRIES") or ""),
        "SMS_MONTHLY_ABROAD_LIMIT": _int(env, "SMS_MONTHLY_ABROAD_LIMIT", 200),
        # Which SMS gateway subscribers' texts go through: "kannel" or "provider".
        "SMS_GATEWAY": (_read(env, "SMS_GATEWAY") or "kannel").strip().lower(),
        "SMS_SENDER": _read(env, "SMS_SENDER") or "UglyMugs",
        "KANNEL_SENDSMS_URL": _read(env, "KANNEL_SENDSMS_URL") or "http://127.0.0.1:13013/cgi-bin/sendsms",
        "KANNEL_USERNAME": _read(env, "KANNEL_USERNAME") or "",
        "KANNEL_PASSWORD": _read(env, "KANNEL_PASSWORD") or "",
        "KANNEL_SMSC": _read(env, "KANNEL_SMSC") or "",
        "SMS_PROVIDER_URL": _read(env, "SMS_PROVIDER_URL") or "",
        "SMS_PROVIDER_TOKEN": _read(env, "SMS_PROVIDER_TOKEN") or "",
        "SMS_TIMEOUT": _int(env, "SMS_TIMEOUT", 10),
        # Signs the inbound and delivery-report URLs given to the gateway (hex, 32+ bytes); empty:
        # derived from SECRET_KEY.
        "SMS_INBOUND_KEY": _read(env, "SMS_INBOUND_KEY") or "",
        # Where the worker's texts and emails link to (the full alert, the stop page): this site's
        # address as people reach it, e.g. https://alerts.example.org
        "PUBLIC_URL": (_read(env, "PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
        # How long the link in a text or email opens the full alert (days).
        "ALERT_LINK_DAYS": _int(env, "ALERT_LINK_DAYS", 30),
        # The printable sheet shows alerts published in the last this-many days (not retracted).
        "BULLETIN_DAYS": _int(env, "BULLETIN_DAYS", 56),
        # A staff invitation link (account creation, password reset) works for this many days.
        "INVITATION_DAYS": _int(env, "INVITATION_DAYS", 7),
        # Keys the blind indexes of phone numbers, plates, emails and usernames (never in the database).
        "MATCHING_KEY": _outside_key(env, "MATCHING_KEY", mode, DEV_MATCHING_KEY_FILE, DEV_MATCHING_KEY),
        # During a rotation with hosts running: the new matching key, indexed and read beside the
        # old one until `matching rotate` has finished (docs/staff.md, "Matching"); unset otherwise.
        "MATCHING_KEY_NEXT": _optional_key(env, "MATCHING_KEY_NEXT"),
        # Authenticates every audit entry and checkpoint (HMAC-SHA256), so that whoever can write to
        # the database cannot rewrite the log unnoticed; never in the database.
        "AUDIT_KEY": _outside_key(env, "AUDIT_KEY", mode, DEV_AUDIT_KEY_FILE, DEV_AUDIT_KEY),
        # Where `audit checkpoint` appends the head of the log, out of the database's reach (deleting
        # the newest entries is found by comparing with it); required in production. How old the
        # newest checkpoint may be before `audit verify` reports checkpoints as missing.
        "AUDIT_CHECKPOINT_FILE": _read(env, "AUDIT_CHECKPOINT_FILE") or None,
        "AUDIT_CHECKPOINT_MAX_AGE_MINUTES": _int(env, "AUDIT_CHECKPOINT_MAX_AGE_MINUTES", 120),
        # Copies of each checkpoint beyond the database's reach (ugly_mugs/ops/audit_export.py): the
        # admins' addresses (commas or spaces between), mailed through the SMTP_* relay; and an
        # Atom feed file an outside watcher can fetch. Empty: not sent, not written.
        "AUDIT_CHECKPOINT_EMAIL": parse_addresses(_read(env, "AUDIT_CHECKPOINT_EMAIL") or ""),
        "AUDIT_CHECKPOINT_FEED": _read(env, "AUDIT_CHECKPOINT_FEED") or None,
        # A check-a-number page for sex workers without an account; off unless switched on.
        "PUBLIC_CHECK": _bool(env, "PUBLIC_CHECK", False),
        # Public checks: at most this many per client per window, and PUBLIC_CHECK_GLOBAL from everyone.
        "PUBLIC_CHECK_CLIENT_LIMIT": _int(env, "PUBLIC_CHECK_CLIENT_LIMIT", 20),
        "PUBLIC_CHECK_GLOBAL_LIMIT": _int(env, "PUBLIC_CHECK_GLOBAL_LIMIT", 2000),
        "PUBLIC_CHECK_WINDOW_SECONDS": _int(env, "PUBLIC_CHECK_WINDOW_SECONDS", 3600),
        "AREAS": areas,
        "CATEGORIES": categories,
        "POLICE_UNITS": units,
        # The page a quick exit replaces the reporter page with.
        "QUICK_EXIT_URL": _read(env, "QUICK_EXIT_URL") or "https://www.bbc.co.uk/weather",
        # What the reporter pages call themselves in the header and the browser tab, and the icon
        # file they show (empty: the built-in one); an installation may choose something ordinary.
        "SITE_NAME": _read(env, "SITE_NAME") or "Ugly Mugs",
        "FAVICON": _read(env, "FAVICON") or "",
        # False: every reporter page's browser title is the site name alone, so history shows nothing more.
        "PAGE_TITLES": _bool(env, "PAGE_TITLES", True),
        # How many reverse proxies in front of the app set X-Forwarded-Proto/-Host.
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        # Whole request bodies above this are refused with a friendly 413.
        "MAX_CONTENT_LENGTH": _int(env, "MAX_REQUEST_BYTES", 512 * 1024),
        # Photos attached to a report (reports/photos.py): how many, each at most this many bytes
        # as uploaded and pixels as declared; a report form's whole body may then be up to
        # PHOTO_REQUEST_BYTES (kept in memory, never spooled to disk).
        "PHOTO_MAX_COUNT": _int(env, "PHOTO_MAX_COUNT", 3),
        "PHOTO_MAX_BYTES": _int(env, "PHOTO_MAX_BYTES", 4 * 1024 * 1024),
        "PHOTO_MAX_PIXELS": _int(env, "PHOTO_MAX_PIXELS", 40_000_000),
        # How long a reporter form token stays valid; an expired one re-shows the form.
        "FORM_TOKEN_MAX_AGE": _int(env, "FORM_TOKEN_MAX_AGE", 4 * 3600),
        # Wrong receipt codes: at most this many from one client per window, and at
        # most RECEIPT_GLOBAL_FAILURES from everyone together.
        "RECEIPT_CLIENT_FAILURES": _int(env, "RECEIPT_CLIENT_FAILURES", 10),
        "RECEIPT_GLOBAL_FAILURES": _int(env, "RECEIPT_GLOBAL_FAILURES", 500),
        "RECEIPT_WINDOW_SECONDS": _int(env, "RECEIPT_WINDOW_SECONDS", 900),
        # While RECEIPT_GLOBAL_FAILURES is passed, each client gets only this many wrong codes per
        # window: the overall limit makes guessing dearer, it never refuses a right code.
        "RECEIPT_CLIENT_FAILURES_UNDER_LOAD": _int(env, "RECEIPT_CLIENT_FAILURES_UNDER_LOAD", 3),
        # Reports filed through the form or the API: per client and from everyone, per window.
        "FILING_CLIENT_LIMIT": _int(env, "FILING_CLIENT_LIMIT", 10),
        "FILING_GLOBAL_LIMIT": _int(env, "FILING_GLOBAL_LIMIT", 300),
        "FILING_WINDOW_SECONDS": _int(env, "FILING_WINDOW_SECONDS", 600),
        # Checks through POST /api/v1/check, per project token per window.
        "CHECK_API_LIMIT": _int(env, "CHECK_API_LIMIT", 600),
        "CHECK_API_WINDOW_SECONDS": _int(env, "CHECK_API_WINDOW_SECONDS", 3600),
        # Where the throttles keep their counters: Redis if set (redis://host:port/db), else the
        # database. Either way every process and host shares them. The prefix keeps installations
        # sharing one Redis apart.
        "REDIS_URL": _read(env, "REDIS_URL") or "",
        "REDIS_PREFIX": _read(env, "REDIS_PREFIX") or "ugly-mugs",
        # The key of the throttles' hash of client addresses (hex, 32+ bytes); empty: derived from
        # SECRET_KEY. The same on every host, so that a client is one client everywhere.
        "THROTTLE_KEY": _read(env, "THROTTLE_KEY") or "",
        # Bearer token that opens /metrics (Prometheus); empty: /metrics answers 404 to everyone.
        "METRICS_TOKEN": _read(env, "METRICS_TOKEN") or "",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Strict",
        "WTF_CSRF_ENABLED": True,
        "DEMO_ALLOWED": _bool(env, "DEMO_ALLOWED", mode == "development"),
        # Published counts from 1 to one less than this are withheld (monitoring pages), and each
        # withheld number keeps a range at least this wide (stats/suppression.py).
        "SUPPRESSION_THRESHOLD": _int(env, "SUPPRESSION_THRESHOLD", 5),
        # True: an alert is published only after a second coordinator approves it.
        "ALERT_APPROVAL": _bool(env, "ALERT_APPROVAL", False),
        # Where phone numbers written without a country code are from (the anonymity check).
        "PHONE_REGION": (_read(env, "PHONE_REGION") or "GB").upper(),
        # Retention (months; 0 keeps for ever): reports never passed to police, reports passed to
        # police, and unpublished alert drafts and case notes. Erased by `retention run` and the
        # alert worker's scheduler, with the one erasure every deletion uses.
        "RETENTION_REPORT_MONTHS": _months(env, "RETENTION_REPORT_MONTHS", 24),
        "RETENTION_RELEASED_MONTHS": _months(env, "RETENTION_RELEASED_MONTHS", 72),
        "RETENTION_CASEWORK_MONTHS": _months(env, "RETENTION_CASEWORK_MONTHS", 12),
        # Delivered outbox rows are kept this many days (the projects' delivery history and the
        # monitoring figure of projects reached read them), then deleted.
        "DELIVERY_KEEP_DAYS": _int(env, "DELIVERY_KEEP_DAYS", 400),
        # How often the alert worker's scheduler runs retention (hours); one worker at a time.
        "RETENTION_INTERVAL_HOURS": _int(env, "RETENTION_INTERVAL_HOURS", 24),
        # Readiness fails when the disk of a SQLite database or key store has less free than this.
        "READINESS_MIN_FREE_MB": _int(env, "READINESS_MIN_FREE_MB", 64),
        # The scheme's time zone (an IANA name): where days, weeks and months begin for counting and
        # filtering, and how times are shown. Stored times stay UTC.
        "TIMEZONE": (_read(env, "TIMEZONE") or "Europe/London").strip(),
    }
    if overrides:
        config.update(overrides)
    if isinstance(config["SMS_COUNTRIES"], str):
        config["SMS_COUNTRIES"] = parse_regions(config["SMS_COUNTRIES"])
    # One home for the default: the home country alone.
    config["SMS_COUNTRIES"] = tuple(config["SMS_COUNTRIES"]) or (str(config["PHONE_REGION"]),)
    # The photos at their largest (as base64 in the API: 4/3 as long), plus the ordinary body.
    config.setdefault(
        "PHOTO_REQUEST_BYTES",
        _int(
            env,
            "PHOTO_REQUEST_BYTES",
            int(config["PHOTO_MAX_COUNT"]) * int(config["PHOTO_MAX_BYTES"]) * 4 // 3
            + int(config["MAX_CONTENT_LENGTH"] or 0),
        ),
    )
    # A report form is read up to this, so that photos too large together cost her only the
    # photos: their bytes past PHOTO_REQUEST_BYTES are dropped as they arrive (web.boundary).
    twice = 2 * int(config["PHOTO_REQUEST_BYTES"])
    config.setdefault("PHOTO_FORM_READ_BYTES", _int(env, "PHOTO_FORM_READ_BYTES", twice))
    if not config.get("KEYSTORE_URL") and mode == "development" and "KEYSTORE_URL" not in (overrides or {}):
        config["KEYSTORE_URL"] = default_keystore_url(str(config["DATABASE_URL"]))
    check(config)
    return config


def _check_fallbacks(config: Mapping[str, object]) -> None:
    """Production rules for SECRET_KEY_FALLBACKS: each as strong as a secret key, none the
    development key, the current key or another key of the scheme; and a THROTTLE_KEY of its
    own, since a throttle key derived from SECRET_KEY would change with the rotation (the
    counters of every client would restart)."""
    fallbacks = [str(k) for k in config.get("SECRET_KEY_FALLBACKS") or ()]
    if not fallbacks:
        return
    dev_secret = DEV_SECRET_FILE.read_text(encoding="utf-8").strip() if DEV_SECRET_FILE.exists() else None
    others = {
        bytes(k).hex()
        for k in (config.get("MATCHING_KEY"), config.get("AUDIT_KEY"), config.get("DELIVERY_KEY"))
        if isinstance(k, bytes)
    }
    for key in fallbacks:
        if len(key) < 32:
            raise ConfigError(f"{PREFIX}SECRET_KEY_FALLBACKS: every key must be at least 32 characters in production")
        if key == dev_secret:
            raise ConfigError(f"{PREFIX}SECRET_KEY_FALLBACKS must not hold the development secret key")
        if key == config.get("SECRET_KEY"):
            raise ConfigError(f"{PREFIX}SECRET_KEY_FALLBACKS must not hold the current {PREFIX}SECRET_KEY")
        if key.lower() in others or key == str(config.get("THROTTLE_KEY") or ""):
            raise ConfigError(
                f"{PREFIX}SECRET_KEY_FALLBACKS must differ from the matching, audit, delivery and throttle keys: "
                "one key, one purpose"
            )
    if len(set(fallbacks)) != len(fallbacks):
        raise ConfigError(f"{PREFIX}SECRET_KEY_FALLBACKS names a key twice")
    if not config.get("THROTTLE_KEY"):
        raise ConfigError(
            f"{PREFIX}SECRET_KEY_FALLBACKS needs {PREFIX}THROTTLE_KEY: without it the throttles' key follows "
            f"{PREFIX}SECRET_KEY and would change with the rotation (docs/operating.md, rotating the secret key)"
        )


def _check_dispatch_pair(config: Mapping[str, object]) -> None:
    """A private dispatch key, where one is given, must belong to the public one."""
    from ugly_mugs.crypto import sealing

    private, public = config.get("DISPATCH_PRIVATE_KEY"), config.get("DISPATCH_PUBLIC_KEY")
    if private and public and sealing.key_pair_from_private(bytes(private)).public != bytes(public):
        raise ConfigError(f"{PREFIX}DISPATCH_PRIVATE_KEY does not belong to {PREFIX}DISPATCH_PUBLIC_KEY")
    if private and not public:
        raise ConfigError(f"{PREFIX}DISPATCH_PRIVATE_KEY is set without {PREFIX}DISPATCH_PUBLIC_KEY")


def _check_subscriber_keys(config: Mapping[str, object]) -> None:
    """Production rules for the subscribers' keys: given, not the development ones, one purpose each."""
    public = config.get("DISPATCH_PUBLIC_KEY")
    if not public:
        raise ConfigError(f"production mode needs {PREFIX}DISPATCH_PUBLIC_KEY_FILE (or {PREFIX}DISPATCH_PUBLIC_KEY)")
    if bytes(public) == _dev_dispatch_pair().public or (
        DEV_DISPATCH_PUBLIC_KEY_FILE.exists()
        and bytes(public).hex() == DEV_DISPATCH_PUBLIC_KEY_FILE.read_text(encoding="utf-8").strip().lower()
    ):
        raise ConfigError("production mode refuses the development dispatch key pair")
    subscriber_key = config.get("SUBSCRIBER_KEY")
    if not subscriber_key:
        raise ConfigError(f"production mode needs {PREFIX}SUBSCRIBER_KEY_FILE (or {PREFIX}SUBSCRIBER_KEY)")
    if _is_development_key(bytes(subscriber_key), DEV_SUBSCRIBER_KEY, DEV_SUBSCRIBER_KEY_FILE):
        raise ConfigError("production mode refuses the development subscriber key")
    if subscriber_key in (config.get("AUDIT_KEY"), config.get("MATCHING_KEY"), config.get("DELIVERY_KEY")):
        raise ConfigError(
            f"{PREFIX}SUBSCRIBER_KEY must differ from the audit, matching and delivery keys: one key, one purpose"
        )
    if not str(config.get("PUBLIC_URL", "")).startswith("https://"):
        raise ConfigError(f"production mode needs {PREFIX}PUBLIC_URL, this site's https:// address")


def check(config: Mapping[str, object]) -> None:
    """Refuse settings that would put people at risk; stricter in production."""
    secret = config.get("SECRET_KEY")
    for name in (
        "DELIVERY_MAX_ATTEMPTS",
        "DELIVERY_LEASE_SECONDS",
        "DELIVERY_BATCH_SIZE",
        "DELIVERY_CONCURRENCY",
        "DELIVERY_HEARTBEAT_STALE_SECONDS",
        "DELIVERY_DB_RETRY_MAX_SECONDS",
        "SMTP_TIMEOUT",
        "SMTP_MAX_RECIPIENTS",
        "WEBHOOK_TIMEOUT",
        "BULLETIN_DAYS",
        "INVITATION_DAYS",
        "AUDIT_CHECKPOINT_MAX_AGE_MINUTES",
        "DELIVERY_KEEP_DAYS",
        "RETENTION_INTERVAL_HOURS",
        "SUBSCRIPTION_INACTIVE_DAYS",
        "SUBSCRIPTION_CODE_MINUTES",
        "SUBSCRIPTION_CODE_ATTEMPTS",
        "SUBSCRIBE_CLIENT_LIMIT",
        "SUBSCRIBE_CONTACT_LIMIT",
        "SUBSCRIBE_GLOBAL_LIMIT",
        "SUBSCRIBE_WINDOW_SECONDS",
        "SMS_TIMEOUT",
        "ALERT_LINK_DAYS",
    ):
        if int(config.get(name, 1)) < 1:
            raise ConfigError(f"{PREFIX}{name} must be at least 1")
    for name in ("RECEIPT_CLIENT_FAILURES_UNDER_LOAD", "FILING_CLIENT_LIMIT", "FILING_WINDOW_SECONDS"):
        if int(config.get(name, 1)) < 1:
            raise ConfigError(f"{PREFIX}{name} must be at least 1")
    if int(config.get("PHOTO_FORM_READ_BYTES", 0)) < int(config.get("PHOTO_REQUEST_BYTES", 0)):
        raise ConfigError(f"{PREFIX}PHOTO_FORM_READ_BYTES must be at least {PREFIX}PHOTO_REQUEST_BYTES")
    throttle_key = str(config.get("THROTTLE_KEY") or "")
    if throttle_key:
        try:
            if len(bytes.fromhex(throttle_key)) < 32:
                raise ValueError
        except ValueError:
            raise ConfigError(f"{PREFIX}THROTTLE_KEY must be at least 32 bytes written in hexadecimal") from None
    metrics_token = str(config.get("METRICS_TOKEN") or "")
    if metrics_token and len(metrics_token) < 32:
        raise ConfigError(f"{PREFIX}METRICS_TOKEN must be at least 32 characters")
    if int(config.get("SUPPRESSION_THRESHOLD", 5)) < 2:
        raise ConfigError(f"{PREFIX}SUPPRESSION_THRESHOLD must be at least 2, so that a count of one is never shown")
    if "@" not in parseaddr(str(config.get("MAIL_FROM", "bulletin@localhost")))[1]:
        raise ConfigError(f"{PREFIX}MAIL_FROM must be an address, or a name and an address: Ugly Mugs <a@example.org>")
    for address in config.get("AUDIT_CHECKPOINT_EMAIL") or ():
        # One plain address each, as the alert channel accepts: nothing that could add a header.
        try:
            email_validator.validate_email(str(address), check_deliverability=False)
        except email_validator.EmailNotValidError:
            raise ConfigError(
                f"{PREFIX}AUDIT_CHECKPOINT_EMAIL: every entry must be one plain address such as admin@example.org"
            ) from None
    feed = config.get("AUDIT_CHECKPOINT_FEED")
    if feed and config.get("AUDIT_CHECKPOINT_FILE") and Path(str(feed)) == Path(str(config["AUDIT_CHECKPOINT_FILE"])):
        raise ConfigError(f"{PREFIX}AUDIT_CHECKPOINT_FEED must be another file than {PREFIX}AUDIT_CHECKPOINT_FILE")
    try:
        zoneinfo.ZoneInfo(str(config.get("TIMEZONE", "Europe/London")))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{PREFIX}TIMEZONE must be a time zone name such as Europe/London") from None
    if str(config.get("PHONE_REGION", "GB")) not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(f"{PREFIX}PHONE_REGION must be a two-letter country code such as GB")
    if int(config.get("SMS_MONTHLY_LIMIT", 0)) < 0:
        raise ConfigError(f"{PREFIX}SMS_MONTHLY_LIMIT must be 0 (no texts) or a number of texts")
    if int(config.get("SMS_MONTHLY_ABROAD_LIMIT", 0)) < 0:
        raise ConfigError(f"{PREFIX}SMS_MONTHLY_ABROAD_LIMIT must be 0 (no texts abroad) or a number of texts")
    for region in config.get("SMS_COUNTRIES") or ():
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigError(
                f"{PREFIX}SMS_COUNTRIES: {str(region)[:8]!r} is not a country code that phone numbers have; "
                "write two-letter ISO 3166 codes separated by commas, such as GB,IE"
            )
    if str(config.get("SMS_GATEWAY", "kannel")) not in ("kannel", "provider"):
        raise ConfigError(f"{PREFIX}SMS_GATEWAY must be kannel or provider")
    _check_dispatch_pair(config)
    if config["UGLY_MUGS_MODE"] != "production":
        return
    if not secret:
        raise ConfigError(f"production mode needs {PREFIX}SECRET_KEY (or {PREFIX}SECRET_KEY_FILE)")
    if DEV_SECRET_FILE.exists() and secret == DEV_SECRET_FILE.read_text(encoding="utf-8").strip():
        raise ConfigError("production mode refuses the development secret key from instance/secret_key")
    if len(str(secret)) < 32:
        raise ConfigError(f"{PREFIX}SECRET_KEY must be at least 32 characters in production")
    _check_fallbacks(config)
    if config.get("DEMO_ALLOWED"):
        raise ConfigError("production mode refuses demo data (UGLY_MUGS_DEMO_ALLOWED)")
    matching_key = config.get("MATCHING_KEY")
    if not matching_key:
        raise ConfigError(f"production mode needs {PREFIX}MATCHING_KEY_FILE (or {PREFIX}MATCHING_KEY)")
    if _is_development_key(matching_key, DEV_MATCHING_KEY, DEV_MATCHING_KEY_FILE):
        raise ConfigError("production mode refuses the development matching key")
    audit_key = config.get("AUDIT_KEY")
    if not audit_key:
        raise ConfigError(f"production mode needs {PREFIX}AUDIT_KEY_FILE (or {PREFIX}AUDIT_KEY)")
    if _is_development_key(audit_key, DEV_AUDIT_KEY, DEV_AUDIT_KEY_FILE):
        raise ConfigError("production mode refuses the development audit key")
    if audit_key == matching_key:
        raise ConfigError(f"{PREFIX}AUDIT_KEY must not be the matching key: one key, one purpose")
    delivery_key = config.get("DELIVERY_KEY")
    if not delivery_key:
        raise ConfigError(f"production mode needs {PREFIX}DELIVERY_KEY_FILE (or {PREFIX}DELIVERY_KEY)")
    if _is_development_key(delivery_key, DEV_DELIVERY_KEY, DEV_DELIVERY_KEY_FILE):
        raise ConfigError("production mode refuses the development delivery key")
    if delivery_key in (audit_key, matching_key):
        raise ConfigError(f"{PREFIX}DELIVERY_KEY must differ from the audit and matching keys: one key, one purpose")
    if config.get("MATCHING_KEY_NEXT") in (audit_key, delivery_key):
        raise ConfigError(
            f"{PREFIX}MATCHING_KEY_NEXT must differ from the audit and delivery keys: one key, one purpose"
        )
    if config.get("SUBSCRIPTIONS"):
        _check_subscriber_keys(config)
    keystore_url = config.get("KEYSTORE_URL")
    if not keystore_url:
        raise ConfigError(
            f"production mode needs {PREFIX}KEYSTORE_URL (or {PREFIX}KEYSTORE_URL_FILE): the erasure key store, "
            "a database apart from the main one and from its backups"
        )
    if make_url(str(keystore_url)) == make_url(str(config["DATABASE_URL"])):
        raise ConfigError(f"{PREFIX}KEYSTORE_URL must not be the main database: its backups would hold the keys")
    if not config.get("AUDIT_CHECKPOINT_FILE"):
        raise ConfigError(
            f"production mode needs {PREFIX}AUDIT_CHECKPOINT_FILE, a file outside the database that "
            "`flask --app wsgi audit checkpoint` appends to (see README, Audit log)"
        )
