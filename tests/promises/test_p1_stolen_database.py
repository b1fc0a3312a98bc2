"""P1: a stolen database reveals no report content, whether filed through the form or the API.

A distinct canary goes into every free-text field; afterwards the raw database (every byte
of the SQLite files, or every column of every PostgreSQL table) must contain none of them.
And what is stored resists "collect now, decrypt later": on a new installation every section
key of a newly filed report is sealed to a hybrid (X25519 + ML-KEM-768) group key with HPKE,
in the version-2 format, and opens with that group key.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hpke
from sqlalchemy import select

from tests.support.app import form_token
from tests.support.dbscan import find_plaintext
from tests.support.reading import group_pairs, readable_sections, scheme_pair
from ugly_mugs.crypto import sealing
from ugly_mugs.keys import erasure
from ugly_mugs.models import GroupKey, Report, ReportSection, SealedSectionKey
from ugly_mugs.reports import fields, sections

# Every field a person types text into, from the declaration, so that a field added later is covered too.
TEXT_FIELDS = fields.text_fields()


def canaries(prefix: str) -> dict[str, str]:
    values = {name: f"{prefix}Canary{name.replace('_', '')}Zq" for name in TEXT_FIELDS}
    values["phone_numbers"] = "07700 900123"
    values["emails"] = f"{prefix.lower()}canary@example.org"
    values["vehicle_registration"] = f"{prefix}CN12ARY"
    return values


def full_report(prefix: str) -> dict:
    return {
        "incident_date": "2026-11-19",
        "part_of_day": "night",
        "area": "holbeck",
        "categories": ["physical-assault", "robbery"],
        "sex": "man",
        "age_range": "30 to 39",
        "reporter_type": "self",
        "consent_level": "full",
        **canaries(prefix),
    }


def needles(prefix: str) -> list[str]:
    values = list(canaries(prefix).values()) + ["2026-11-19", "900123"]
    return values


def test_form_report_leaves_no_plaintext(client, passphrase, database_url, db_session):
    data = full_report("Form")
    data["form_token"] = form_token(client)
    response = client.post("/report", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    code = response.get_data(as_text=True).split('id="receipt-code">')[1].split("<")[0]

    # Every section stored, each key sealed to scheme, receipt and (full consent) unit.
    report = db_session.scalar(select(Report))
    assert {s.name for s in report.sections} == {"identity", "incident", "perpetrator"}
    holders = db_session.scalars(select(SealedSectionKey.holder)).all()
    assert sorted(holders) == sorted(["scheme", "receipt", "unit"] * 3)
    assert find_plaintext(database_url, needles("Form") + [code, code.replace("-", "")]) == []
    # The canaries are really in the report (coordinators can open it): the test is not vacuous.
    opened = readable_sections(db_session, report, scheme_pair(db_session, passphrase), "scheme")
    assert opened["identity"][0]["contact"] == data["contact"]
    assert opened["perpetrator"][0]["vehicle"]["registration"] == data["vehicle_registration"]
    assert opened["incident"][0]["what_happened"] == data["what_happened"]


def test_api_report_leaves_no_plaintext(client, passphrase, database_url):
    body = full_report("Api")
    body["phone_numbers"] = [body["phone_numbers"], "+44 7700 900999"]
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["receipt_code"]
    assert find_plaintext(database_url, needles("Api") + ["900999", code, code.replace("-", "")]) == []


def test_a_new_reports_section_keys_are_sealed_with_hybrid_hpke(client, passphrase, db_session):
    response = client.post("/api/v1/reports", json=full_report("Hpke"))
    assert response.status_code == 201, response.get_json()
    pairs = group_pairs(db_session, passphrase)
    seals = db_session.execute(
        select(SealedSectionKey, ReportSection, GroupKey)
        .join(ReportSection, ReportSection.id == SealedSectionKey.section_id)
        .join(GroupKey, GroupKey.id == SealedSectionKey.group_key_id)
    ).all()
    # Full consent: every section's key to the scheme key and to the unit key (the receipt's is symmetric).
    assert sorted(seal.holder for seal, _, _ in seals) == sorted([sections.SCHEME, sections.UNIT] * 3)
    for seal, section, group in seals:
        assert sealing.kind_of(group.public_key) == sealing.HYBRID
        assert pairs[group.id].kind == sealing.HYBRID
        # Stored wrapped by the report's erasure key (from the key store); inside, an HPKE seal.
        erasure_key = erasure.report_key(db_session, section.report_id)
        context = sections.key_context(section.report_id, section.name, section.version, seal.holder)
        inner = erasure_key.unwrap(seal.sealed, context)
        assert len(seal.sealed) == 1 + 12 + len(inner) + 16
        assert inner[0] == sealing.SEAL_V2
        assert len(inner) == 1 + hpke.KEM.MLKEM768_X25519.enc_length() + 32 + 16
        key = sections.open_with_key_pair(
            pairs[group.id], seal.sealed, section.report_id, section.name, section.version, seal.holder, erasure_key
        )
        assert sections.decrypt_section(key, section.report_id, section.name, section.version, section.ciphertext)


def test_canary_scan_would_find_plaintext(database_url, app, db_session, passphrase):
    """The scanner itself works: a value stored in a plain column is found."""
    from ugly_mugs.models import Area

    db_session.add(Area(code="scan-check", name="PlainCanaryVisibleZq"))
    db_session.commit()
    app.extensions["ugly_mugs.engine"].dispose()
    assert find_plaintext(database_url, ["PlainCanaryVisibleZq"]) == ["PlainCanaryVisibleZq"]


def _backup(url: str, tmp_path) -> bytes:
    """What a backup of the database holds: every byte of the SQLite files, or a ``pg_dump`` of
    the PostgreSQL database (plain SQL, as an operator would take it) and every row's text."""
    import subprocess

    from sqlalchemy.engine import make_url

    from tests.support.dbscan import postgres_rows, raw_bytes

    if url.startswith("sqlite"):
        return raw_bytes(url)
    parts = make_url(url)
    dump = tmp_path / "backup.sql"
    subprocess.run(
        [
            "pg_dump",
            "--no-password",
            "-h",
            parts.host,
            "-p",
            str(parts.port or 5432),
            "-U",
            parts.username,
            "-f",
            str(dump),
            parts.database,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return dump.read_bytes() + "\n".join(postgres_rows(url)).encode("utf-8")


def test_a_backup_reveals_no_webhook_secret(database_url, passphrase, tmp_path, clock):
    """Webhooks added and renewed on the project page: their secrets, shown once, are nowhere in a
    backup, neither as text nor as the signing key's bytes (raw or hex) — yet the worker signs
    with them, so receivers still verify."""
    import base64
    import re

    from alerts.delivery.channels import webhook
    from alerts.delivery.dispatch import Dispatcher
    from alerts.delivery.settings import dispatch_settings
    from tests.support.alerting import publish_message
    from tests.support.app import make_app
    from tests.support.staff import create, csrf, login
    from tests.support.webhook_receiver import Receiver, webhook_server
    from ugly_mugs.models import Project

    app = make_app(database_url, WEBHOOK_ALLOWED_PRIVATE_HOSTS="127.0.0.1")
    user = create(app, "carla", "coordinator")
    client = app.test_client()
    login(client, user)
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        from tests.support.alerting import make_project

        project_id = make_project(session, "Basis", areas=["holbeck"]).id
        session.commit()
    receiver = Receiver("not yet known")
    shown = []
    with webhook_server(receiver) as url:
        token = csrf(client, f"/projects/{project_id}")
        page = client.post(f"/projects/{project_id}/channels/webhook", data={"url": url, "csrf_token": token})
        shown.append(re.search(r"whsec_[A-Za-z0-9+/=]+", page.get_data(as_text=True)).group(0))
        channel_id = int(
            re.search(
                r"/channels/(\d+)/new-secret", client.get(f"/projects/{project_id}").get_data(as_text=True)
            ).group(1)
        )
        page = client.post(f"/projects/{project_id}/channels/{channel_id}/new-secret", data={"csrf_token": token})
        shown.append(re.search(r"whsec_[A-Za-z0-9+/=]+", page.get_data(as_text=True)).group(0))
        receiver.secret = shown[-1]
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            assert session.get(Project, project_id) is not None
            publish_message(session, ["holbeck"], "Title", "Body")
        config = {**app.config, "SMTP_URL": "smtp://127.0.0.1:9"}
        assert Dispatcher(app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(config)).run_once().delivered == 1
    assert receiver.requests[0]["verified"] and receiver.requests[0]["standard_verified"]
    app.extensions["ugly_mugs.engine"].dispose()

    backup = _backup(database_url, tmp_path)
    assert len(set(shown)) == 2
    for secret in shown:
        key = webhook.signing_key(secret)
        assert secret.encode() not in backup and secret[len("whsec_") :].encode() not in backup
        assert key not in backup and key.hex().encode() not in backup
        assert base64.urlsafe_b64encode(key) not in backup
    # The scan finds what is there: the webhook's address is stored readable.
    assert url.encode() in backup
