"""Bringing reports stored by an earlier release under identity-level withholding (P2).

Before, where he took her was kept in the perpetrator section and her own details typed into
what happened went into the incident section as they were, so a unit holding those sections'
keys ("anonymous intelligence") could read them. ``withhold`` (run once after upgrading, with
the recovery passphrase: ``.venv/bin/flask --app wsgi reports withhold``) does for each stored
report what filing now does:

* each incident and perpetrator version is judged against everything she wrote (every
  version, withheld fields put back) and stored again, under **its own key**, with her
  passages replaced by ``disclosure.WITHHELD`` and where he took her withheld whole — so
  every sealed copy (scheme, receipt, unit) goes on opening it, and the unit opens only the
  withheld text from now on;
* the fields as she wrote them go into a new identity version (a fresh key sealed to the
  scheme key, and to the unit only where consent covers the identity section). The receipt
  key cannot be derived without her receipt code, so that version has no receipt seal: when
  she later raises her consent to "full report" herself, the police get those fields only once
  two coordinators record it (``consent.staff``), which opens with the scheme key;
* covering notes of releases below "full report" that repeat something of hers are stored
  again with those passages withheld.

Running it again finds nothing more to do. No Flask imports.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ugly_mugs import audit, consent, disclosure
from ugly_mugs.crypto import DecryptionError, sealing
from ugly_mugs.keys import erasure, keystore, sealed_text
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.models import PoliceRelease, Report, ReportSection
from ugly_mugs.police import release
from ugly_mugs.reports import filing, sections, statuses, withholding


@dataclass(frozen=True)
class Done:
    """What one report's reclassification changed: versions stored again, fields withheld,
    covering notes withheld; ``unreadable``: sections the scheme key did not open."""

    versions: int = 0
    fields: int = 0
    notes: int = 0
    unreadable: int = 0


def _scheme_keys(session: Session, report: Report, pair: sealing.KeyPair, scheme_ids: set[int], erasure_key: ReportKey):
    """(section row, its key, its content) of every section the scheme key opens, oldest first."""
    opened, unreadable = [], 0
    for section in session.scalars(
        select(ReportSection)
        .where(ReportSection.report_id == report.id, ReportSection.name != sections.MESSAGE)
        .order_by(ReportSection.name, ReportSection.version)
    ):
        seal = next(
            (s for s in section.sealed_keys if s.holder == sections.SCHEME and s.group_key_id in scheme_ids), None
        )
        try:
            if seal is None:
                raise DecryptionError("no scheme seal")
            key = sections.open_with_key_pair(
                pair, seal.sealed, report.id, section.name, section.version, sections.SCHEME, erasure_key
            )
            content = sections.decrypt_section(key, report.id, section.name, section.version, section.ciphertext)
        except DecryptionError:
            unreadable += 1
            continue
        opened.append((section, key, content))
    return opened, unreadable


def withhold(session: Session, report: Report, pair: sealing.KeyPair, region: str) -> Done:
    """Reclassify one stored report (see the module docstring); the caller commits."""
    if report.status == statuses.ERASED:
        return Done()
    try:
        erasure_key = erasure.report_key(session, report.id)
    except erasure.ReportErased:
        return Done()
    # With a key rotation under way (keys.rotation) some seals are still under the retiring key.
    scheme_ids = {keystore.scheme_key(session).id, *keystore.retiring_ids(session)}
    opened, unreadable = _scheme_keys(session, report, pair, scheme_ids, erasure_key)
    by_name: dict[str, list[tuple[int, dict]]] = {}
    for section, _, content in opened:
        by_name.setdefault(section.name, []).append((section.version, content))
    as_written, _ = withholding.restore_versions(by_name)
    profile = withholding.profile_of({name: list(v.values()) for name, v in as_written.items()}, region)
    entries: list[dict] = []
    versions = 0
    for section, key, content in opened:
        if section.name not in withholding.BELOW_FULL:
            continue
        shown, changed = disclosure.withhold(content, profile)
        if not changed:
            continue
        original = as_written[section.name][section.version]
        entries += [
            {"section": section.name, "version": section.version, "key": name, "value": original.get(name)}
            for name in changed
        ]
        section.ciphertext = sections.encrypt_section(key, report.id, section.name, section.version, shown)
        versions += 1
    if entries:
        latest = session.scalar(
            select(func.max(ReportSection.version)).where(
                ReportSection.report_id == report.id, ReportSection.name == sections.IDENTITY
            )
        )
        holders = filing.holders_for(session, report.police_unit_id)
        filing.insert_sections(
            session,
            [
                filing.encrypt_section(
                    report.id,
                    sections.IDENTITY,
                    (latest or 0) + 1,
                    withholding.with_entries({}, entries),
                    None,
                    holders,
                    report.consent_level,
                    erasure_key,
                )
            ],
        )
    notes = _withhold_notes(session, report, pair, profile)
    if versions or notes:
        audit.record(
            session,
            "report_reclassified",
            report_id=report.id,
            detail={"versions": versions, "fields": len(entries), "notes": notes},
        )
    session.flush()
    return Done(versions, len(entries), notes, unreadable)


def _withhold_notes(session: Session, report: Report, pair: sealing.KeyPair, profile: disclosure.Profile) -> int:
    if report.consent_level == consent.FULL_REPORT:
        return 0
    changed = 0
    for item in session.scalars(select(PoliceRelease).where(PoliceRelease.report_id == report.id)):
        note = release.note_for(session, item, pair, sections.SCHEME)
        kept = withholding.withhold_text(note, profile)
        if note and kept != note:
            item.note, item.note_key_scheme, item.note_key_unit = release.seal_staff_text(
                session, kept, item.report_id, item.police_unit_id, sealed_text.release_note_context(item.id)
            )
            changed += 1
    return changed


def withhold_all(sessions, passphrase: str, region: str, batch: int = 200) -> Done:
    """Reclassify every stored report, ``batch`` reports per transaction. Raises DecryptionError
    when the recovery passphrase does not open the scheme key."""
    with sessions() as session:
        scheme = keystore.scheme_key(session)
        pair = keystore.open_group_keys(session, passphrase).get(scheme.id)
    if pair is None:
        raise DecryptionError("the recovery passphrase does not open the scheme key")
    total = Done()
    after = ""
    while True:
        with sessions() as session:
            reports = list(session.scalars(select(Report).where(Report.id > after).order_by(Report.id).limit(batch)))
            if not reports:
                return total
            for report in reports:
                done = withhold(session, report, pair, region)
                total = Done(
                    total.versions + done.versions,
                    total.fields + done.fields,
                    total.notes + done.notes,
                    total.unreadable + done.unreadable,
                )
            session.commit()
            after = reports[-1].id
