"""Configuration (config.load and friends) from explicit environment mappings.

Proves: the defaults (development mode, the default areas, categories and police unit);
``UGLY_MUGS_*`` variables override them; ``UGLY_MUGS_<NAME>_FILE`` reads the value from a
file, and giving both forms is an error; production mode refuses a missing or short
secret, demo data, and a missing, development or shared audit key or checkpoint file;
malformed numbers, booleans and modes give a ConfigError naming the setting; parse_choices
and parse_units refuse duplicates, blanks, unknown areas and an area given to two units;
create_app refuses to build a production app from a bad configuration, and builds one from
a good configuration.
"""

from __future__ import annotations

import secrets

import pytest

import config
from config import Choice, ConfigError, UnitSetting, parse_choices, parse_units
from ugly_mugs import create_app

STRONG_SECRET = secrets.token_hex(32)
MATCHING_KEY = secrets.token_hex(32)
AUDIT_KEY = secrets.token_hex(32)
DELIVERY_KEY = secrets.token_hex(32)
CHECKPOINT_FILE = "/var/lib/ugly-mugs-audit/checkpoints"
KEYSTORE_URL = "postgresql+psycopg://um@keys.internal/um_keys"


def production(**extra: str) -> dict[str, str]:
    return {
        "UGLY_MUGS_ENV": "production",
        "UGLY_MUGS_SECRET_KEY": STRONG_SECRET,
        "UGLY_MUGS_MATCHING_KEY": MATCHING_KEY,
        "UGLY_MUGS_AUDIT_KEY": AUDIT_KEY,
        "UGLY_MUGS_DELIVERY_KEY": DELIVERY_KEY,
        "UGLY_MUGS_AUDIT_CHECKPOINT_FILE": CHECKPOINT_FILE,
        "UGLY_MUGS_KEYSTORE_URL": KEYSTORE_URL,
        **extra,
    }


# --- defaults ---------------------------------------------------------------------------


def test_defaults():
    cfg = config.load({})
    assert cfg["UGLY_MUGS_MODE"] == "development"
    assert cfg["SECRET_KEY"] and len(cfg["SECRET_KEY"]) >= 32
    assert cfg["DATABASE_URL"] == config.default_database_url()
    assert cfg["DATABASE_URL"].startswith("sqlite:///") and cfg["DATABASE_URL"].endswith(".sqlite3")
    assert cfg["SMTP_URL"] == "smtp://127.0.0.1:25"
    assert cfg["DEMO_ALLOWED"] is True
    assert cfg["WTF_CSRF_ENABLED"] is True
    assert cfg["TRUSTED_PROXIES"] == 0
    assert cfg["MAX_CONTENT_LENGTH"] == 512 * 1024
    area_names = {a.label for a in cfg["AREAS"]}
    assert {"Holbeck", "City Centre"} <= area_names


def test_default_categories_are_those_of_the_issue():
    labels = [c.label for c in config.load({})["CATEGORIES"]]
    assert labels == [
        "Physical assault",
        "Rape or sexual assault",
        "Robbery or theft",
        "Refused to pay",
        "Condom removed or refused",
        "Threats or intimidation",
        "Harassment or stalking",
        "Held against will",
        "Other",
    ]


def test_default_police_unit_covers_every_default_area():
    cfg = config.load({})
    (unit,) = cfg["POLICE_UNITS"]
    assert set(unit.areas) == {a.code for a in cfg["AREAS"]}


def test_environment_is_the_process_environment_when_not_given(monkeypatch):
    monkeypatch.setenv("UGLY_MUGS_SMTP_URL", "smtp://mail.example:2525")
    assert config.load()["SMTP_URL"] == "smtp://mail.example:2525"


# --- overrides --------------------------------------------------------------------------


def test_environment_overrides():
    cfg = config.load(
        {
            "UGLY_MUGS_DATABASE_URL": "postgresql+psycopg://um@db/um",
            "UGLY_MUGS_SECRET_KEY": "s" * 40,
            "UGLY_MUGS_SMTP_URL": "smtp://mail:1025",
            "UGLY_MUGS_TRUSTED_PROXIES": "1",
            "UGLY_MUGS_MAX_REQUEST_BYTES": "1000",
            "UGLY_MUGS_FORM_TOKEN_MAX_AGE": "60",
            "UGLY_MUGS_DEMO_ALLOWED": "off",
            "UGLY_MUGS_QUICK_EXIT_URL": "https://example.org/",
            "UGLY_MUGS_AREAS": "north=North;south=South",
            "UGLY_MUGS_CATEGORIES": "a=Alpha;b=Beta",
            "UGLY_MUGS_POLICE_UNITS": "n=North unit:north;s=South unit:south",
        }
    )
    assert cfg["DATABASE_URL"] == "postgresql+psycopg://um@db/um"
    assert cfg["SECRET_KEY"] == "s" * 40
    assert cfg["SMTP_URL"] == "smtp://mail:1025"
    assert cfg["TRUSTED_PROXIES"] == 1
    assert cfg["MAX_CONTENT_LENGTH"] == 1000
    assert cfg["FORM_TOKEN_MAX_AGE"] == 60
    assert cfg["DEMO_ALLOWED"] is False
    assert cfg["QUICK_EXIT_URL"] == "https://example.org/"
    assert cfg["AREAS"] == (Choice("north", "North"), Choice("south", "South"))
    assert cfg["CATEGORIES"] == (Choice("a", "Alpha"), Choice("b", "Beta"))
    assert cfg["POLICE_UNITS"] == (
        UnitSetting("n", "North unit", ("north",)),
        UnitSetting("s", "South unit", ("south",)),
    )


def test_variables_without_the_prefix_are_ignored():
    cfg = config.load({"DATABASE_URL": "postgresql://nope", "SECRET_KEY": "nope"})
    assert cfg["DATABASE_URL"] == config.default_database_url()
    assert cfg["SECRET_KEY"] != "nope"


@pytest.mark.parametrize(
    ("text", "expected"), [("1", True), ("TRUE", True), ("yes", True), ("On", True), ("0", False), ("No", False)]
)
def test_boolean_spellings(text, expected):
    assert config.load({"UGLY_MUGS_DEMO_ALLOWED": text})["DEMO_ALLOWED"] is expected


def test_overrides_argument_wins_over_environment():
    cfg = config.load({"UGLY_MUGS_SMTP_URL": "smtp://a:1"}, overrides={"SMTP_URL": "smtp://b:2"})
    assert cfg["SMTP_URL"] == "smtp://b:2"


# --- *_FILE -----------------------------------------------------------------------------


def test_file_variants_are_read(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text(STRONG_SECRET + "\n", encoding="utf-8")
    url_file = tmp_path / "url"
    url_file.write_text("postgresql+psycopg://um:pw@db/um\n", encoding="utf-8")
    cfg = config.load(
        {
            "UGLY_MUGS_ENV": "production",
            "UGLY_MUGS_SECRET_KEY_FILE": str(secret_file),
            "UGLY_MUGS_DATABASE_URL_FILE": str(url_file),
            "UGLY_MUGS_MATCHING_KEY": MATCHING_KEY,
            "UGLY_MUGS_AUDIT_KEY": AUDIT_KEY,
            "UGLY_MUGS_DELIVERY_KEY": DELIVERY_KEY,
            "UGLY_MUGS_AUDIT_CHECKPOINT_FILE": CHECKPOINT_FILE,
            "UGLY_MUGS_KEYSTORE_URL": KEYSTORE_URL,
        }
    )
    assert cfg["SECRET_KEY"] == STRONG_SECRET
    assert cfg["DATABASE_URL"] == "postgresql+psycopg://um:pw@db/um"


def test_file_variant_for_a_number(tmp_path):
    path = tmp_path / "n"
    path.write_text("2", encoding="utf-8")
    assert config.load({"UGLY_MUGS_TRUSTED_PROXIES_FILE": str(path)})["TRUSTED_PROXIES"] == 2


def test_both_value_and_file_is_an_error(tmp_path):
    path = tmp_path / "secret"
    path.write_text(STRONG_SECRET, encoding="utf-8")
    with pytest.raises(ConfigError, match="UGLY_MUGS_SECRET_KEY_FILE") as info:
        config.load({"UGLY_MUGS_SECRET_KEY": STRONG_SECRET, "UGLY_MUGS_SECRET_KEY_FILE": str(path)})
    assert "not both" in str(info.value)


def test_unreadable_file_is_an_error_naming_the_setting(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(ConfigError, match="UGLY_MUGS_SECRET_KEY_FILE"):
        config.load({"UGLY_MUGS_SECRET_KEY_FILE": str(missing)})


def test_error_messages_do_not_echo_the_secret(tmp_path):
    path = tmp_path / "secret"
    path.write_text(STRONG_SECRET, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        config.load({"UGLY_MUGS_SECRET_KEY": STRONG_SECRET, "UGLY_MUGS_SECRET_KEY_FILE": str(path)})
    assert STRONG_SECRET not in str(info.value)


# --- production checks ------------------------------------------------------------------


def test_production_with_a_strong_secret_loads():
    cfg = config.load(production())
    assert cfg["UGLY_MUGS_MODE"] == "production"
    assert cfg["DEMO_ALLOWED"] is False


def test_production_refuses_a_missing_secret():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        config.load({"UGLY_MUGS_ENV": "production"})


def test_production_refuses_an_empty_secret():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        config.load({"UGLY_MUGS_ENV": "production", "UGLY_MUGS_SECRET_KEY": ""})


def test_production_refuses_a_short_secret():
    with pytest.raises(ConfigError, match="at least 32"):
        config.load(production(UGLY_MUGS_SECRET_KEY="x" * 31))
    assert config.load(production(UGLY_MUGS_SECRET_KEY="x" * 32))["SECRET_KEY"] == "x" * 32


def test_production_refuses_demo_data():
    with pytest.raises(ConfigError, match="DEMO_ALLOWED"):
        config.load(production(UGLY_MUGS_DEMO_ALLOWED="true"))


def test_production_refuses_a_missing_matching_key():
    env = production()
    del env["UGLY_MUGS_MATCHING_KEY"]
    with pytest.raises(ConfigError, match="MATCHING_KEY"):
        config.load(env)


@pytest.mark.parametrize("value", ["ab" * 31, "not hex at all", "d5" * 32])
def test_production_refuses_a_short_bad_or_development_matching_key(value):
    with pytest.raises(ConfigError, match="matching key|MATCHING_KEY"):
        config.load(production(UGLY_MUGS_MATCHING_KEY=value))


def test_matching_key_from_a_file(tmp_path):
    path = tmp_path / "matching_key"
    path.write_text(MATCHING_KEY + "\n")
    env = production(UGLY_MUGS_MATCHING_KEY_FILE=str(path))
    del env["UGLY_MUGS_MATCHING_KEY"]
    assert config.load(env)["MATCHING_KEY"] == bytes.fromhex(MATCHING_KEY)


def test_production_refuses_a_missing_audit_key_checkpoint_file_or_key_store():
    for name in ("UGLY_MUGS_AUDIT_KEY", "UGLY_MUGS_AUDIT_CHECKPOINT_FILE", "UGLY_MUGS_KEYSTORE_URL"):
        env = production()
        del env[name]
        with pytest.raises(ConfigError, match=name):
            config.load(env)


def test_production_refuses_the_key_store_inside_the_database():
    # Its backups would hold every erasure key.
    with pytest.raises(ConfigError, match="KEYSTORE_URL must not be the main database"):
        config.load(production(UGLY_MUGS_DATABASE_URL=KEYSTORE_URL))


@pytest.mark.parametrize(
    ("database_url", "keystore_file"),
    [
        ("sqlite:////srv/um/instance/ugly_mugs.sqlite3", "/srv/um/instance/ugly_mugs-keys.sqlite3"),
        ("sqlite:////tmp/a/b.db", "/tmp/a/b-keys.sqlite3"),
        ("postgresql+psycopg://um@db/scheme", str(config.PROJECT_ROOT / "instance" / "keystore-scheme.sqlite3")),
    ],
)
def test_development_key_store_sits_beside_the_database(database_url, keystore_file):
    assert config.load({"UGLY_MUGS_DATABASE_URL": database_url})["KEYSTORE_URL"] == "sqlite:///" + keystore_file
    # Set through an override (as tests and tools do), the database still takes its key store along.
    assert config.load({}, {"DATABASE_URL": database_url})["KEYSTORE_URL"] == "sqlite:///" + keystore_file
    chosen = config.load({"UGLY_MUGS_DATABASE_URL": database_url, "UGLY_MUGS_KEYSTORE_URL": "sqlite:////k/keys.db"})
    assert chosen["KEYSTORE_URL"] == "sqlite:////k/keys.db"


def test_retention_settings():
    defaults = config.load({})
    assert (
        defaults["RETENTION_REPORT_MONTHS"],
        defaults["RETENTION_RELEASED_MONTHS"],
        defaults["RETENTION_CASEWORK_MONTHS"],
    ) == (24, 72, 12)
    assert config.load({"UGLY_MUGS_RETENTION_REPORT_MONTHS": "0"})["RETENTION_REPORT_MONTHS"] == 0
    for name in ("RETENTION_REPORT_MONTHS", "RETENTION_RELEASED_MONTHS", "RETENTION_CASEWORK_MONTHS"):
        with pytest.raises(ConfigError, match=name):
            config.load({f"UGLY_MUGS_{name}": "-1"})
    for name in ("DELIVERY_KEEP_DAYS", "RETENTION_INTERVAL_HOURS"):
        with pytest.raises(ConfigError, match=name):
            config.load({f"UGLY_MUGS_{name}": "0"})


@pytest.mark.parametrize(
    "value", ["ab" * 31, "not hex at all", "a7" * 32, pytest.param(MATCHING_KEY, id="the-matching-key")]
)
def test_production_refuses_a_short_bad_development_or_shared_audit_key(value):
    with pytest.raises(ConfigError, match="audit key|AUDIT_KEY"):
        config.load(production(UGLY_MUGS_AUDIT_KEY=value))


def test_production_refuses_a_missing_delivery_key():
    env = production()
    del env["UGLY_MUGS_DELIVERY_KEY"]
    with pytest.raises(ConfigError, match="UGLY_MUGS_DELIVERY_KEY"):
        config.load(env)


@pytest.mark.parametrize(
    "value",
    [
        "ab" * 31,
        "not hex at all",
        "e3" * 32,
        pytest.param(MATCHING_KEY, id="the-matching-key"),
        pytest.param(AUDIT_KEY, id="the-audit-key"),
    ],
)
def test_production_refuses_a_short_bad_development_or_shared_delivery_key(value):
    with pytest.raises(ConfigError, match="delivery key|DELIVERY_KEY"):
        config.load(production(UGLY_MUGS_DELIVERY_KEY=value))


def test_delivery_key_from_a_file_and_the_dispatch_settings(tmp_path):
    path = tmp_path / "delivery_key"
    path.write_text(DELIVERY_KEY + "\n")
    env = production(
        UGLY_MUGS_DELIVERY_KEY_FILE=str(path),
        UGLY_MUGS_DELIVERY_CONCURRENCY="3",
        UGLY_MUGS_WEBHOOK_ALLOWED_PRIVATE_HOSTS="hooks.internal, 10.0.0.7",
    )
    del env["UGLY_MUGS_DELIVERY_KEY"]
    cfg = config.load(env)
    assert cfg["DELIVERY_KEY"] == bytes.fromhex(DELIVERY_KEY)
    assert cfg["DELIVERY_CONCURRENCY"] == 3 and cfg["WEBHOOK_ALLOWED_PRIVATE_HOSTS"] == "hooks.internal, 10.0.0.7"
    for name in ("DELIVERY_CONCURRENCY", "SMTP_TIMEOUT", "WEBHOOK_TIMEOUT"):
        with pytest.raises(ConfigError, match=name):
            config.load(production(**{f"UGLY_MUGS_{name}": "0"}))


def test_audit_key_from_a_file_and_the_checkpoint_settings(tmp_path):
    path = tmp_path / "audit_key"
    path.write_text(AUDIT_KEY + "\n")
    env = production(UGLY_MUGS_AUDIT_KEY_FILE=str(path), UGLY_MUGS_AUDIT_CHECKPOINT_MAX_AGE_MINUTES="30")
    del env["UGLY_MUGS_AUDIT_KEY"]
    cfg = config.load(env)
    assert cfg["AUDIT_KEY"] == bytes.fromhex(AUDIT_KEY)
    assert (cfg["AUDIT_CHECKPOINT_FILE"], cfg["AUDIT_CHECKPOINT_MAX_AGE_MINUTES"]) == (CHECKPOINT_FILE, 30)
    with pytest.raises(ConfigError, match="AUDIT_CHECKPOINT_MAX_AGE_MINUTES"):
        config.load(production(UGLY_MUGS_AUDIT_CHECKPOINT_MAX_AGE_MINUTES="0"))


def test_development_has_an_audit_key_and_no_checkpoint_file_unless_set():
    cfg = config.load({})
    assert len(cfg["AUDIT_KEY"]) >= 32 and cfg["AUDIT_KEY"] != cfg["MATCHING_KEY"]
    assert cfg["AUDIT_CHECKPOINT_FILE"] is None and cfg["AUDIT_CHECKPOINT_MAX_AGE_MINUTES"] == 120


def test_development_has_a_matching_key_and_gb_numbers():
    cfg = config.load({})
    assert len(cfg["MATCHING_KEY"]) >= 32
    assert cfg["PHONE_REGION"] == "GB"
    assert cfg["PUBLIC_CHECK"] is False
    assert config.load({"UGLY_MUGS_PHONE_REGION": "ro"})["PHONE_REGION"] == "RO"


def test_production_mode_is_case_insensitive():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        config.load({"UGLY_MUGS_ENV": "Production"})


def test_development_accepts_a_short_secret_and_demo():
    cfg = config.load({"UGLY_MUGS_SECRET_KEY": "dev", "UGLY_MUGS_DEMO_ALLOWED": "true"})
    assert cfg["SECRET_KEY"] == "dev" and cfg["DEMO_ALLOWED"] is True


# --- malformed values -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "TRUSTED_PROXIES",
        "MAX_REQUEST_BYTES",
        "FORM_TOKEN_MAX_AGE",
        "RECEIPT_CLIENT_FAILURES",
        "RECEIPT_GLOBAL_FAILURES",
        "RECEIPT_WINDOW_SECONDS",
    ],
)
@pytest.mark.parametrize("value", ["two", "", "1.5", "0x10"])
def test_bad_integer_names_the_setting(name, value):
    with pytest.raises(ConfigError) as info:
        config.load({f"UGLY_MUGS_{name}": value})
    assert f"UGLY_MUGS_{name}" in str(info.value)


@pytest.mark.parametrize("value", ["maybe", "", "2", "enabled"])
def test_bad_boolean_names_the_setting(value):
    with pytest.raises(ConfigError) as info:
        config.load({"UGLY_MUGS_DEMO_ALLOWED": value})
    assert "UGLY_MUGS_DEMO_ALLOWED" in str(info.value)


@pytest.mark.parametrize("value", ["prod", "test", "staging"])
def test_unknown_mode_names_the_setting(value):
    with pytest.raises(ConfigError, match="UGLY_MUGS_ENV"):
        config.load({"UGLY_MUGS_ENV": value})


def test_bad_areas_in_the_environment_name_the_setting():
    with pytest.raises(ConfigError, match="AREAS"):
        config.load({"UGLY_MUGS_AREAS": "a=A;a=Again"})


def test_units_referring_to_areas_not_configured_are_refused():
    with pytest.raises(ConfigError, match="unknown area 'holbeck'"):
        config.load({"UGLY_MUGS_AREAS": "north=North", "UGLY_MUGS_POLICE_UNITS": "u=Unit:holbeck"})


# --- parse_choices / parse_units --------------------------------------------------------


def test_parse_choices_trims_and_keeps_order():
    assert parse_choices(" b = Bee ; a=Ay ;", "X") == (Choice("b", "Bee"), Choice("a", "Ay"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a=A;a=B", "appears twice"),
        ("a=A; a =B", "appears twice"),
        ("a=A;b", "not of the form"),
        ("a=A;=B", "not of the form"),
        ("a=A;b=", "not of the form"),
        ("a=A;b=   ", "not of the form"),
        ("", "at least one"),
        (" ; ;", "at least one"),
    ],
)
def test_parse_choices_refuses(text, message):
    with pytest.raises(ConfigError, match=message) as info:
        parse_choices(text, "CATEGORIES")
    assert "CATEGORIES" in str(info.value)


AREAS = {"north", "south", "east"}


def test_parse_units():
    units = parse_units("n=North unit: north , east;s=South unit:south", AREAS)
    assert units == (UnitSetting("n", "North unit", ("north", "east")), UnitSetting("s", "South unit", ("south",)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("n=North:north;s=South:north", "area 'north' is given to two units"),
        ("n=North:north,north", "area 'north' is given to two units"),
        ("n=North:west", "unknown area 'west'"),
        ("n=North:north;s=South:south;n=Again:east", "appears twice"),
        ("North:north", "not of the form"),
        ("=North:north", "not of the form"),
        ("n=:north", "not of the form"),
    ],
)
def test_parse_units_refuses(text, message):
    with pytest.raises(ConfigError, match=message) as info:
        parse_units(text, AREAS)
    assert "POLICE_UNITS" in str(info.value)


# --- the application refuses to start -----------------------------------------------------


@pytest.mark.parametrize(
    "env",
    [
        {"UGLY_MUGS_ENV": "production"},
        production(UGLY_MUGS_SECRET_KEY="short"),
        production(UGLY_MUGS_DEMO_ALLOWED="yes"),
        production(UGLY_MUGS_TRUSTED_PROXIES="one"),
    ],
    ids=["no-secret", "short-secret", "demo", "bad-number"],
)
def test_create_app_refuses_bad_production_configuration(env, tmp_path):
    env = {**env, "UGLY_MUGS_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    with pytest.raises(ConfigError):
        create_app(env=env)


def test_create_app_starts_with_a_good_production_configuration(tmp_path):
    app = create_app(env=production(UGLY_MUGS_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    try:
        assert app.config["UGLY_MUGS_MODE"] == "production"
        assert app.config["SECRET_KEY"] == STRONG_SECRET
        assert app.config["DEMO_ALLOWED"] is False
    finally:
        app.extensions["ugly_mugs.engine"].dispose()


def test_alert_approval_and_phone_region():
    defaults = config.load({})
    assert (defaults["ALERT_APPROVAL"], defaults["PHONE_REGION"]) == (False, "GB")
    chosen = config.load({"UGLY_MUGS_ALERT_APPROVAL": "1", "UGLY_MUGS_PHONE_REGION": "ie"})
    assert (chosen["ALERT_APPROVAL"], chosen["PHONE_REGION"]) == (True, "IE")
    with pytest.raises(ConfigError, match="PHONE_REGION"):
        config.load({"UGLY_MUGS_PHONE_REGION": "Narnia"})
    with pytest.raises(ConfigError, match="ALERT_APPROVAL"):
        config.load({"UGLY_MUGS_ALERT_APPROVAL": "maybe"})


@pytest.mark.parametrize(
    ("value", "ok"),
    [("Europe/London", True), ("Europe/Bucharest", True), ("UTC", True), ("Mars/Olympus", False), ("../etc", False)],
)
def test_time_zone_is_an_iana_name(value, ok):
    if ok:
        assert config.load({"UGLY_MUGS_TIMEZONE": value})["TIMEZONE"] == value
    else:
        with pytest.raises(ConfigError, match="UGLY_MUGS_TIMEZONE"):
            config.load({"UGLY_MUGS_TIMEZONE": value})


def test_time_zone_defaults_to_london():
    assert config.load({})["TIMEZONE"] == "Europe/London"


@pytest.mark.parametrize(
    ("value", "ok"),
    [("bulletin@example.org", True), ("Ugly Mugs <bulletin@example.org>", True), ("Ugly Mugs", False), ("<>", False)],
)
def test_mail_from_is_an_address_with_or_without_a_name(value, ok):
    if ok:
        assert config.load({"UGLY_MUGS_MAIL_FROM": value})["MAIL_FROM"] == value
    else:
        with pytest.raises(ConfigError, match="UGLY_MUGS_MAIL_FROM"):
            config.load({"UGLY_MUGS_MAIL_FROM": value})


def test_the_next_matching_key_is_read_only_when_given(tmp_path):
    assert config.load({})["MATCHING_KEY_NEXT"] is None  # no development default
    assert config.load(production())["MATCHING_KEY_NEXT"] is None
    key = secrets.token_hex(32)
    path = tmp_path / "matching_key.new"
    path.write_text(key + "\n")
    for env in ({"UGLY_MUGS_MATCHING_KEY_NEXT": key}, {"UGLY_MUGS_MATCHING_KEY_NEXT_FILE": str(path)}):
        assert config.load(production(**env))["MATCHING_KEY_NEXT"] == bytes.fromhex(key)
    for value in ("ab" * 31, "not hex", AUDIT_KEY, DELIVERY_KEY):
        with pytest.raises(ConfigError, match="MATCHING_KEY_NEXT"):
            config.load(production(UGLY_MUGS_MATCHING_KEY_NEXT=value))


# --- secret key fallbacks (rotation) ------------------------------------------------------

THROTTLE_KEY = secrets.token_hex(32)
OLD_SECRET = secrets.token_hex(32)


def test_fallbacks_are_read_as_a_list_oldest_first():
    cfg = config.load({"UGLY_MUGS_SECRET_KEY_FALLBACKS": " a1 ,b2\nc3, "})
    assert cfg["SECRET_KEY_FALLBACKS"] == ["a1", "b2", "c3"]
    assert config.load({})["SECRET_KEY_FALLBACKS"] == []


def test_production_with_a_fallback_and_a_throttle_key_loads():
    cfg = config.load(production(UGLY_MUGS_SECRET_KEY_FALLBACKS=OLD_SECRET, UGLY_MUGS_THROTTLE_KEY=THROTTLE_KEY))
    assert cfg["SECRET_KEY_FALLBACKS"] == [OLD_SECRET]


@pytest.mark.parametrize(
    ("fallbacks", "message"),
    [
        ("x" * 31, "at least 32"),
        (f"{OLD_SECRET} short", "at least 32"),
        (STRONG_SECRET, "current"),
        (MATCHING_KEY, "one key, one purpose"),
        (AUDIT_KEY.upper(), "one key, one purpose"),
        (DELIVERY_KEY, "one key, one purpose"),
        (THROTTLE_KEY, "one key, one purpose"),
        (f"{OLD_SECRET},{OLD_SECRET}", "twice"),
    ],
)
def test_production_refuses_a_weak_or_shared_fallback(fallbacks, message):
    with pytest.raises(ConfigError, match=message) as info:
        config.load(production(UGLY_MUGS_SECRET_KEY_FALLBACKS=fallbacks, UGLY_MUGS_THROTTLE_KEY=THROTTLE_KEY))
    for key in (OLD_SECRET, STRONG_SECRET, MATCHING_KEY, AUDIT_KEY, DELIVERY_KEY, THROTTLE_KEY):
        assert key not in str(info.value)


def test_production_refuses_the_development_secret_as_a_fallback(tmp_path, monkeypatch):
    dev = secrets.token_hex(32)
    (tmp_path / "secret_key").write_text(dev + "\n", encoding="utf-8")
    monkeypatch.setattr(config, "DEV_SECRET_FILE", tmp_path / "secret_key")
    with pytest.raises(ConfigError, match="development"):
        config.load(production(UGLY_MUGS_SECRET_KEY_FALLBACKS=dev, UGLY_MUGS_THROTTLE_KEY=THROTTLE_KEY))


def test_production_fallbacks_need_a_throttle_key_of_their_own():
    """A throttle key derived from SECRET_KEY would change with the rotation."""
    with pytest.raises(ConfigError, match="THROTTLE_KEY"):
        config.load(production(UGLY_MUGS_SECRET_KEY_FALLBACKS=OLD_SECRET))


def test_the_client_hash_key_does_not_follow_a_rotated_secret():
    from ugly_mugs import throttle

    before = throttle.client_hash_key(OLD_SECRET, THROTTLE_KEY)
    assert throttle.client_hash_key(STRONG_SECRET, THROTTLE_KEY) == before


# --- audit checkpoint copies ------------------------------------------------------------------


def test_checkpoint_copies_are_off_by_default_and_read_as_lists():
    assert config.load({})["AUDIT_CHECKPOINT_EMAIL"] == []
    assert config.load({})["AUDIT_CHECKPOINT_FEED"] is None
    cfg = config.load(
        {
            "UGLY_MUGS_AUDIT_CHECKPOINT_EMAIL": "ada@example.org, bo@example.org\ncy@example.org",
            "UGLY_MUGS_AUDIT_CHECKPOINT_FEED": "/srv/watch/audit.atom",
        }
    )
    assert cfg["AUDIT_CHECKPOINT_EMAIL"] == ["ada@example.org", "bo@example.org", "cy@example.org"]
    assert cfg["AUDIT_CHECKPOINT_FEED"] == "/srv/watch/audit.atom"


@pytest.mark.parametrize(
    "addresses",
    ["ada", "ada@", "Ada <ada@example.org>", "ada@example.org,bo@exa mple.org", "ada@example.org\r\nBcc:x@y.org"],
)
def test_checkpoint_email_must_be_plain_addresses(addresses):
    with pytest.raises(ConfigError, match="AUDIT_CHECKPOINT_EMAIL"):
        config.load({"UGLY_MUGS_AUDIT_CHECKPOINT_EMAIL": addresses})


def test_the_checkpoint_feed_is_another_file_than_the_checkpoints():
    with pytest.raises(ConfigError, match="AUDIT_CHECKPOINT_FEED"):
        config.load(production(UGLY_MUGS_AUDIT_CHECKPOINT_FEED=CHECKPOINT_FILE))
    assert config.load(production(UGLY_MUGS_AUDIT_CHECKPOINT_FEED=CHECKPOINT_FILE + ".atom"))


# --- subscriptions: the dispatch key pair and the subscriber key --------------------------


def _dispatch_pair():
    from ugly_mugs.crypto import sealing

    return sealing.generate_key_pair()


def test_subscriptions_in_production_need_their_own_keys():
    pair = _dispatch_pair()
    good = production(
        UGLY_MUGS_SUBSCRIPTIONS="true",
        UGLY_MUGS_DISPATCH_PUBLIC_KEY=pair.public.hex(),
        UGLY_MUGS_SUBSCRIBER_KEY=secrets.token_hex(32),
        UGLY_MUGS_PUBLIC_URL="https://alerts.example.org",
    )
    cfg = config.load(good)
    assert cfg["DISPATCH_PUBLIC_KEY"] == pair.public and cfg["DISPATCH_PRIVATE_KEY"] is None
    for name in ("UGLY_MUGS_DISPATCH_PUBLIC_KEY", "UGLY_MUGS_SUBSCRIBER_KEY"):
        with pytest.raises(ConfigError, match=name.removeprefix("UGLY_MUGS_")):
            config.load({k: v for k, v in good.items() if k != name})
    with pytest.raises(ConfigError, match="one purpose"):
        config.load({**good, "UGLY_MUGS_SUBSCRIBER_KEY": MATCHING_KEY})
    with pytest.raises(ConfigError, match="development dispatch"):
        config.load({**good, "UGLY_MUGS_DISPATCH_PUBLIC_KEY": config._dev_dispatch_pair().public.hex()})
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        config.load({**good, "UGLY_MUGS_PUBLIC_URL": "http://alerts.example.org"})
    with pytest.raises(ConfigError, match="does not belong"):
        config.load({**good, "UGLY_MUGS_DISPATCH_PRIVATE_KEY": _dispatch_pair().private.hex()})
    assert config.load({**good, "UGLY_MUGS_DISPATCH_PRIVATE_KEY": pair.private.hex()})["DISPATCH_PRIVATE_KEY"]


def test_dispatch_keys_must_be_keys():
    with pytest.raises(ConfigError, match="DISPATCH_PUBLIC_KEY"):
        config.load({"UGLY_MUGS_DISPATCH_PUBLIC_KEY": "zz"})
    with pytest.raises(ConfigError, match="DISPATCH_PRIVATE_KEY"):
        config.load({"UGLY_MUGS_DISPATCH_PRIVATE_KEY": "00" * 5})


# (environment, PHOTO_REQUEST_BYTES, PHOTO_FORM_READ_BYTES): derived from the photo limits, or set.
PHOTO_BODIES = [
    ({}, 3 * 4 * 2**20 * 4 // 3 + 512 * 1024, 2 * (3 * 4 * 2**20 * 4 // 3 + 512 * 1024)),
    ({"UGLY_MUGS_PHOTO_MAX_COUNT": "1", "UGLY_MUGS_MAX_REQUEST_BYTES": "0"}, 4 * 2**20 * 4 // 3, 8 * 2**20 * 4 // 3),
    ({"UGLY_MUGS_PHOTO_REQUEST_BYTES": "5000"}, 5000, 10000),
    ({"UGLY_MUGS_PHOTO_REQUEST_BYTES": "5000", "UGLY_MUGS_PHOTO_FORM_READ_BYTES": "5000"}, 5000, 5000),
]


@pytest.mark.parametrize(("env", "request_bytes", "form_bytes"), PHOTO_BODIES)
def test_the_photo_body_limits(env, request_bytes, form_bytes):
    cfg = config.load(env)
    assert (cfg["PHOTO_REQUEST_BYTES"], cfg["PHOTO_FORM_READ_BYTES"]) == (request_bytes, form_bytes)


@pytest.mark.parametrize("value", ["4999", "abc"])
def test_a_form_read_limit_below_the_photo_limit_is_refused(value):
    with pytest.raises(ConfigError, match="PHOTO_FORM_READ_BYTES"):
        config.load({"UGLY_MUGS_PHOTO_REQUEST_BYTES": "5000", "UGLY_MUGS_PHOTO_FORM_READ_BYTES": value})
