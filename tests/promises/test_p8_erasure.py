"""P8: erasure is real, and no backup undoes it.

A full-consent report with a canary in every field gets everything that can be derived from it
(a case note, a release to police with covering note and crime reference, an unpublished alert
draft, a published alert, a conversation on the receipt); a second report is kept. The database
is backed up (and the key store, apart), then the reporter erases the first report with her receipt code. Proves, on a
SQLite instance and — when UGLY_MUGS_TEST_DATABASE_URL is set — on a PostgreSQL cluster of the
installed server whose files the test can read (configured as docs/operating.md asks,
``wal_recycle = off``):

(a) the live database files, write-ahead log included, hold none of the erased report's
    ciphertexts, sealed keys or index digests (and do hold the kept report's: the scan sees),
    and the key store's files no longer hold its erasure key;
(b) the backup from before, opened with the recovery passphrase and with a coordinator's own
    key (and the key store as it is now), opens nothing of it — while the same keys open the
    kept report from the same backup, and only the key store backup from before the erasure
    (which the short rotation deletes) still could;
(c) restoring that backup into a fresh instance (``backup restore``) and starting the app: her
    receipt code answers that the report was deleted, coordinators read nothing of it, what was
    derived from it is gone again; a copy put back without the command answers "deleted" too
    and is erased at the first look;

and that a backup restored into a fresh instance that lost its key store as well opens every
report that was not erased, and every receipt code works.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support import dbscan, postgres_cluster
from tests.support.app import TEST_DATABASE_URL, form_token, make_app
from tests.support.erasure import (
    Filed,
    converse,
    derive_everything,
    file,
    found_in,
    report_of,
    scheme_pair_of,
    staff,
    stored_secrets,
)
from tests.support.reading import readable_sections
from ugly_mugs import migrate
from ugly_mugs.coordinator import casework
from ugly_mugs.crypto import DecryptionError, sealing
from ugly_mugs.keys import erasure as erasure_keys
from ugly_mugs.keys import keystore, sealed_text
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.models import (
    Account,
    Alert,
    CaseNote,
    GroupKey,
    IdentifierIndex,
    PoliceRelease,
    ReportSection,
    SealedSectionKey,
)
from ugly_mugs.ops import backup, scheduler
from ugly_mugs.reports import sections


@dataclass
class Instance:
    """Where a test's installation keeps its database and key store."""

    url: str
    keys_url: str
    tmp: Path
    cluster: postgres_cluster.Cluster | None

    def database_files(self, url: str | None = None) -> bytes:
        url = url or self.url
        if self.cluster is None:
            return dbscan.raw_bytes(url)
        return self.cluster.database_files(url.rsplit("/", 1)[1])

    def new_database(self, name: str) -> str:
        if self.cluster is None:
            return f"sqlite:///{self.tmp / (name + '.sqlite3')}"
        return self.cluster.create_database(name)


@pytest.fixture
def instance(tmp_path):
    keys = f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    if not TEST_DATABASE_URL:
        yield Instance(f"sqlite:///{tmp_path / 'db.sqlite3'}", keys, tmp_path, None)
        return
    if not postgres_cluster.available():
        pytest.skip("PostgreSQL's initdb and postgres are not installed")
    with postgres_cluster.running_cluster() as cluster:
        yield Instance(cluster.url, keys, tmp_path, cluster)


def started(url: str, keys_url: str):
    migrate.upgrade(url)
    return make_app(url, KEYSTORE_URL=keys_url)


def stop(app) -> None:
    app.extensions["ugly_mugs.engine"].dispose()
    app.extensions["ugly_mugs.keystore"].dispose()


def erase_with_receipt(client, code: str) -> None:
    token = form_token(client, "/receipt")
    response = client.post("/receipt/delete", data={"receipt_code": code, "form_token": token, "confirm": "yes"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "has been deleted" in response.get_data(as_text=True)


@dataclass
class Scenario:
    app: object
    passphrase: str
    coordinator: int
    erased: Filed
    kept: Filed
    erased_id: str
    kept_id: str
    erased_secrets: list[bytes]
    kept_secrets: list[bytes]
    erased_key: bytes
    kept_key: bytes
    database_backup: Path
    keystore_backups: Path


@pytest.fixture
def scenario(instance) -> Scenario:
    app = started(instance.url, instance.keys_url)
    client = app.test_client()
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        passphrase = keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
        session.commit()
    people = staff(app, passphrase)
    # Each with two photos: one of him (police at anonymous intelligence) and one that may show her.
    erased, kept = file(client, "Gone", photos=True), file(client, "Kept", photos=True)
    store = app.extensions["ugly_mugs.keystore"]
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        derive_everything(session, erased.reference, people, passphrase)
        derive_everything(session, kept.reference, people, passphrase)
        converse(session, erased.reference, people, erased.code)
        converse(session, kept.reference, people, kept.code)
        erased_id = report_of(session, erased.reference).id
        kept_id = report_of(session, kept.reference).id
        kept_secrets = stored_secrets(session, kept_id)
        # A digest of a plate's fragment can be the kept report's too (they share "12 CNY").
        erased_secrets = [s for s in stored_secrets(session, erased_id) if s not in kept_secrets]
    keys, _ = store.lookup([erased_id, kept_id])
    made = backup.create(instance.url, instance.tmp / "backups", store.store_id())
    keystore_backups = instance.tmp / "keystore-backups"
    backup.create_keystore(instance.keys_url, store.store_id(), keystore_backups)

    erase_with_receipt(client, erased.code)
    # The alert worker's scheduler purges the files an erasure left due (at once on SQLite).
    scheduler.tick(app.extensions["ugly_mugs.sessionmaker"], app.config, "test-worker")
    yield Scenario(
        app,
        passphrase,
        people.coordinator,
        erased,
        kept,
        erased_id,
        kept_id,
        erased_secrets,
        kept_secrets,
        keys[erased_id],
        keys[kept_id],
        made.path,
        keystore_backups,
    )
    stop(app)


# --- (a) the live files --------------------------------------------------------------------


def test_erasure_leaves_none_of_its_ciphertexts_or_sealed_keys_in_the_live_files(instance, scenario):
    # What is looked for: 3 sections and 2 photos, their 15 sealed keys, the note, the covering
    # note, the crime reference, two drafts, each with their sealed keys, and the index digests.
    assert len(scenario.erased_secrets) >= 33
    stop(scenario.app)
    files = instance.database_files()
    assert found_in(files, scenario.erased_secrets) == []
    # The scan does see stored bytes: the kept report's are all there.
    assert found_in(files, scenario.kept_secrets) == scenario.kept_secrets
    keystore_files = dbscan.raw_bytes(instance.keys_url)
    assert scenario.erased_key not in keystore_files
    assert scenario.kept_key in keystore_files
    # Who she is never left the report (the published alert keeps only what may be published).
    for name in ("reporter_name", "contact"):
        assert scenario.erased.canaries[name].encode() not in files


# --- (b) a backup from before, with the passphrase and a coordinator's key ------------------


def every_pair(session, passphrase: str, coordinator_id: int) -> list[sealing.KeyPair]:
    """Every group key pair the recovery passphrase opens, and the scheme key as the coordinator
    opens it with their password."""
    return [*keystore.open_group_keys(session, passphrase).values(), scheme_pair_of(session, coordinator_id)]


def opens_anything(session, report_id: str, pairs: list[sealing.KeyPair], erasure_key: ReportKey) -> list[str]:
    """What of the report opens with any of ``pairs`` through any stored copy, under ``erasure_key``."""
    opened = []
    rows = session.execute(
        select(ReportSection, SealedSectionKey.sealed)
        .join(SealedSectionKey, SealedSectionKey.section_id == ReportSection.id)
        .where(ReportSection.report_id == report_id)
    ).all()
    for section, sealed in rows:
        for pair in pairs:
            for holder in (sections.SCHEME, sections.UNIT):
                try:
                    key = sections.open_with_key_pair(
                        pair, sealed, report_id, section.name, section.version, holder, erasure_key
                    )
                    if section.name in sections.PHOTO_NAMES:
                        sections.decrypt_photo(key, report_id, section.name, section.version, section.ciphertext)
                    else:
                        sections.decrypt_section(key, report_id, section.name, section.version, section.ciphertext)
                    opened.append(section.name)
                except DecryptionError:
                    continue
    for note in session.scalars(select(CaseNote).where(CaseNote.report_id == report_id)):
        for pair in pairs:
            text = sealed_text.open_text(
                note.ciphertext,
                note.sealed_key,
                pair,
                sealed_text.case_note_context(report_id),
                sections.SCHEME,
                erasure_key,
            )
            if text:
                opened.append("case note")
    for item in session.scalars(select(PoliceRelease).where(PoliceRelease.report_id == report_id)):
        for pair in pairs:
            for holder, key in ((sections.SCHEME, item.note_key_scheme), (sections.UNIT, item.note_key_unit)):
                context = sealed_text.release_note_context(item.id)
                if sealed_text.open_text(item.note, key, pair, context, holder, erasure_key):
                    opened.append("covering note")
    for alert in session.scalars(select(Alert).where(Alert.report_id == report_id, Alert.draft.is_not(None))):
        for pair in pairs:
            context = sealed_text.alert_draft_context(alert.reference)
            try:
                sealed_text.open_bytes(alert.draft, alert.draft_key_scheme, pair, context, sections.SCHEME, erasure_key)
                opened.append("alert draft")
            except DecryptionError:
                continue
    return opened


def test_a_backup_from_before_opens_nothing_of_it_with_the_passphrase_or_a_coordinators_key(instance, scenario):
    stop(scenario.app)
    # Someone holding the backup: load it as it is (no restore command, nothing reconciled).
    copy_url = instance.new_database("stolen_copy")
    backup.restore(scenario.database_backup, copy_url, instance.keys_url)
    thief = make_app(copy_url, KEYSTORE_URL=instance.keys_url)
    try:
        with thief.extensions["ugly_mugs.sessionmaker"]() as session:
            assert session.scalar(select(func.count()).select_from(ReportSection)) == 14, (
                "both reports are in it (3 sections, 2 photos and 2 messages each)"
            )
            pairs = every_pair(session, scenario.passphrase, scenario.coordinator)
            assert {p.public for p in pairs} >= {g.public_key for g in session.scalars(select(GroupKey))}
            # The key store as it is now holds only a tombstone for the erased report.
            with pytest.raises(erasure_keys.ReportErased):
                erasure_keys.report_key(session, scenario.erased_id)
            # Without its erasure key, nothing opens: not as stored, not with the kept report's key.
            for guess in (
                ReportKey(scenario.erased_id, None),
                ReportKey(scenario.erased_id, scenario.kept_key),
                ReportKey(scenario.erased_id, bytes(32)),
            ):
                assert opens_anything(session, scenario.erased_id, pairs, guess) == []
            erased = report_of(session, scenario.erased.reference)
            coordinator = session.get(Account, scenario.coordinator)
            assert not casework.read_report(session, erased, coordinator, pairs[-1], "triage")
            # The same keys open the kept report from the same backup: the test is not vacuous.
            kept_key = erasure_keys.report_key(session, scenario.kept_id)
            kept_opened = opens_anything(session, scenario.kept_id, pairs, kept_key)
            assert {
                "identity",
                "incident",
                "perpetrator",
                sections.PHOTO_IDENTITY,
                sections.PHOTO_ABOUT_HIM,
                "message",
                "case note",
                "covering note",
                "alert draft",
            } <= set(kept_opened)
            kept = report_of(session, scenario.kept.reference)
            assert (
                readable_sections(session, kept, pairs[-1], sections.SCHEME)["identity"][0]["contact"]
                == (scenario.kept.canaries["contact"])
            )
            # Only the erased report's own key opens it: a key store backup from before the
            # erasure holds it, which is why those backups are kept a few days only.
            before = ReportKey(scenario.erased_id, scenario.erased_key)
            assert "identity" in opens_anything(session, scenario.erased_id, pairs, before)
    finally:
        stop(thief)
    later = datetime.now(UTC) + timedelta(days=backup.KEYSTORE_KEEP_DAYS + 1)
    assert backup.rotate(scenario.keystore_backups, backup.KEYSTORE_KEEP_DAYS, later)
    leftovers = b"".join(p.read_bytes() for p in scenario.keystore_backups.rglob("*") if p.is_file())
    assert scenario.erased_key not in leftovers
    assert scenario.erased_key not in dbscan.raw_bytes(instance.keys_url)


# --- (c) restoring the backup -------------------------------------------------------------


def receipt_status(client, code: str):
    return client.post("/api/v1/receipt/status", json={"receipt_code": code})


def derived_rows(session, report_id: str) -> dict[str, int]:
    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where))

    return {
        "sections": count(ReportSection, ReportSection.report_id == report_id),
        "case notes": count(CaseNote, CaseNote.report_id == report_id),
        "index rows": count(IdentifierIndex, IdentifierIndex.report_id == report_id),
        "alerts linked": count(Alert, Alert.report_id == report_id),
        "covering notes": count(PoliceRelease, PoliceRelease.report_id == report_id, PoliceRelease.note.is_not(None)),
        "crime references": count(
            PoliceRelease, PoliceRelease.report_id == report_id, PoliceRelease.crime_reference.is_not(None)
        ),
    }


GONE = {
    "sections": 0,
    "case notes": 0,
    "index rows": 0,
    "alerts linked": 0,
    "covering notes": 0,
    "crime references": 0,
}


def test_restoring_the_backup_does_not_bring_it_back(instance, scenario):
    stop(scenario.app)
    restored_url = instance.new_database("restored")
    app = make_app(restored_url, KEYSTORE_URL=instance.keys_url)
    try:
        result = app.test_cli_runner().invoke(args=["backup", "restore", str(scenario.database_backup)])
        assert result.exit_code == 0, result.output
        assert "1 reports erased since the backup were erased again" in result.output
        client = app.test_client()
        answer = receipt_status(client, scenario.erased.code)
        assert answer.status_code == 410 and "deleted" in answer.get_json()["detail"]
        assert receipt_status(client, scenario.kept.code).status_code == 200
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            assert derived_rows(session, scenario.erased_id) == GONE
            assert derived_rows(session, scenario.kept_id) != GONE
            # The published alert stays (it is anonymised), without its link.
            assert session.scalar(select(func.count()).select_from(Alert).where(Alert.report_id.is_(None))) == 1
            erased = report_of(session, scenario.erased.reference)
            assert erased.status == "erased"
            pair = scheme_pair_of(session, scenario.coordinator)
            coordinator = session.get(Account, scenario.coordinator)
            assert not casework.read_report(session, erased, coordinator, pair, "triage")
            assert casework.notes(session, erased, pair) == []
            kept = report_of(session, scenario.kept.reference)
            assert casework.read_report(session, kept, coordinator, pair, "triage").sections["identity"]
        app.extensions["ugly_mugs.engine"].dispose()
        files = instance.database_files(restored_url)
        assert found_in(files, scenario.erased_secrets) == []
    finally:
        stop(app)


def test_a_copy_put_back_without_the_restore_command_answers_deleted_at_once(instance, scenario):
    stop(scenario.app)
    copied_url = instance.new_database("copied_back")
    backup.restore(scenario.database_backup, copied_url, instance.keys_url)
    app = make_app(copied_url, KEYSTORE_URL=instance.keys_url)
    try:
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            assert derived_rows(session, scenario.erased_id)["sections"] == 7, (
                "the copy holds it (3 sections, 2 photos, 2 messages)"
            )
        client = app.test_client()
        answer = receipt_status(client, scenario.erased.code)
        assert answer.status_code == 410
        token = form_token(client, "/receipt")
        page = client.post("/receipt", data={"receipt_code": scenario.erased.code, "form_token": token})
        assert page.status_code == 410 and "has been deleted" in page.get_data(as_text=True)
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            assert derived_rows(session, scenario.erased_id) == GONE
    finally:
        stop(app)


# --- backup and restore of an instance that lost everything ---------------------------------


def test_a_backup_restored_into_a_fresh_instance_opens_every_report_and_every_receipt_works(instance):
    app = started(instance.url, instance.keys_url)
    client = app.test_client()
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        passphrase = keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
        session.commit()
    filed = [file(client, f"Keep{n}", level) for n, level in enumerate(("full", "anonymous_intel", "alert_only"))]
    gone = file(client, "Gone")
    token = form_token(client, "/receipt")
    added = client.post(
        "/receipt/add", data={"receipt_code": filed[0].code, "form_token": token, "more_incident": "AddedLaterZq"}
    )
    assert added.status_code == 200
    erase_with_receipt(client, gone.code)
    store = app.extensions["ugly_mugs.keystore"]
    made = backup.create(instance.url, instance.tmp / "backups", store.store_id())
    keys_made, _ = backup.create_keystore(instance.keys_url, store.store_id(), instance.tmp / "keystore-backups")
    stop(app)

    # Both lost: a new database and a new key store, filled from the two backups by the command.
    fresh_url = instance.new_database("fresh")
    fresh_keys = f"sqlite:///{instance.tmp / 'fresh-keys.sqlite3'}"
    fresh = make_app(fresh_url, KEYSTORE_URL=fresh_keys)
    try:
        result = fresh.test_cli_runner().invoke(
            args=["backup", "restore", str(made.path), "--keystore", str(keys_made.path)]
        )
        assert result.exit_code == 0, result.output
        assert "and the key store" in result.output and "WARNING" not in result.output
        fresh_client = fresh.test_client()
        assert fresh_client.get("/readyz").status_code == 200, fresh_client.get("/readyz").get_json()
        with fresh.extensions["ugly_mugs.sessionmaker"]() as session:
            pair = keystore.open_group_keys(session, passphrase)[keystore.scheme_key(session).id]
            for one in filed:
                report = report_of(session, one.reference)
                opened = readable_sections(session, report, pair, sections.SCHEME)
                assert set(opened) == {"identity", "incident", "perpetrator"}, one.reference
                assert opened["identity"][0]["contact"] == one.canaries["contact"]
            first = readable_sections(session, report_of(session, filed[0].reference), pair, sections.SCHEME)
            assert {"what_happened": "AddedLaterZq"} in first["incident"]
        for one in filed:
            answer = receipt_status(fresh_client, one.code)
            assert answer.status_code == 200 and answer.get_json()["reference"] == one.reference
        # Her receipt code still works for what it did before: raising consent seals to the unit.
        raised = fresh_client.post(
            "/api/v1/receipt/consent", json={"receipt_code": filed[2].code, "consent_level": "full"}
        )
        assert raised.status_code == 200, raised.get_json()
        assert receipt_status(fresh_client, gone.code).status_code == 410
    finally:
        stop(fresh)
