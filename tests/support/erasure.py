"""A report with everything that can be derived from it, what of it is stored, and looking for
those bytes in a database's files: the material of the erasure proofs (P8).

``file`` sends a full-consent report through the API with a canary in every text field (and an
Idempotency-Key, so that a sealed answer is stored for it too);
``derive_everything`` adds to it, through the services staff use, a case note, a release to the
police with a covering note and a crime reference, an alert draft never published and a
published alert; ``converse`` a coordinator's message on the receipt and her answer.
``stored_secrets`` collects every ciphertext and sealed key stored for the
report (and the blind-index digests of its identifiers), so that a test can look for them in
raw files afterwards (``found_in``).
"""

from __future__ import annotations

import base64
import io
import random
import uuid
from dataclasses import dataclass
from datetime import date

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.authoring import publish
from tests.support import images
from tests.support.app import minimal_report
from tests.support.staff import PASSWORD, create, grant
from ugly_mugs.auth import accounts
from ugly_mugs.coordinator import alert_service, casework
from ugly_mugs.keys import keystore
from ugly_mugs.models import (
    Account,
    Alert,
    CaseNote,
    IdempotencyRecord,
    IdentifierIndex,
    PoliceRelease,
    Report,
    ReportSection,
    SealedSectionKey,
)
from ugly_mugs.police import release
from ugly_mugs.reports import fields, messages

NOTE = "Phoned her: real name NoteCanaryZq, lives at 12 Canary Row"
COVERING = "CoveringCanaryZq: she is willing to give a statement"
CRIME_REFERENCE = "CR/CANARY/77"


def canaries(prefix: str) -> dict[str, str]:
    values = {name: f"{prefix}Canary{name.replace('_', '')}Zq" for name in fields.text_fields()}
    values["phone_numbers"] = "07700 900" + str(abs(hash(prefix)) % 900 + 100)
    values["emails"] = f"{prefix.lower()}canary@example.org"
    values["vehicle_registration"] = f"{prefix[:2].upper()}12 CNY"
    return values


@dataclass(frozen=True)
class Filed:
    reference: str
    code: str
    canaries: dict[str, str]


def photo_of(prefix: str) -> bytes:
    """A PNG with GPS tags whose pixels are noise seeded by ``prefix`` (distinct per report)."""
    rng = random.Random(prefix)
    image = Image.frombytes("RGB", (48, 48), bytes(rng.randrange(256) for _ in range(48 * 48 * 3)))
    out = io.BytesIO()
    image.save(out, "PNG", exif=images.exif_with_gps())
    return out.getvalue()


def file(client, prefix: str, level: str = "full", photos: bool = False) -> Filed:
    """A report with a canary in every field (and, with ``photos``, a photo of him and one that
    may show her) through the API."""
    values = canaries(prefix)
    body = minimal_report(consent_level=level, categories=["physical-assault"], **values)
    if photos:
        image = base64.b64encode(photo_of(prefix)).decode()
        body["photos"] = [{"image": image, "shows_only_him": True}, {"image": image}]
    response = client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    return Filed(answer["reference"], answer["receipt_code"], values)


@dataclass(frozen=True)
class Staff:
    coordinator: int
    officer: int


def staff(app, passphrase: str) -> Staff:
    """A coordinator holding the scheme key and a police officer (accounts; nobody logs in)."""
    ann = create(app, "ann.erasure", "coordinator")
    grant(app, ann, passphrase)
    officer = create(app, "pc.erasure", "police")
    return Staff(ann.id, officer.id)


def scheme_pair_of(session: Session, coordinator_id: int):
    """The scheme key pair as the coordinator opens it, with their password (their own key)."""
    from ugly_mugs.keys import groups

    unlocked = accounts.open_with_password(session.get(Account, coordinator_id), PASSWORD)
    return groups.open_group_key(session, coordinator_id, unlocked.personal, keystore.scheme_key(session).id)


def report_of(session: Session, reference: str) -> Report:
    session.expire_all()
    return session.scalar(select(Report).where(Report.reference == reference))


def derive_everything(session: Session, reference: str, people: Staff, passphrase: str) -> None:
    """A case note, a release with covering note and crime reference, a draft and a published alert."""
    report = report_of(session, reference)
    ann = session.get(Account, people.coordinator)
    pair = keystore.open_group_keys(session, passphrase)[keystore.scheme_key(session).id]
    casework.add_note(session, report, ann, NOTE)
    passed = release.pass_on(session, report, ann, COVERING)
    release.record_outcome(
        session, passed, session.get(Account, people.officer), "recorded_as_crime", date(2026, 11, 25), CRIME_REFERENCE
    )
    alert_service.start(session, report, ann, pair, {})
    published = alert_service.start(session, report, ann, pair, {})
    publish.publish(session, published, ann, pair)
    session.commit()


TO_HER = "MessageCanaryZq: may we call you?"
FROM_HER = "AnswerCanaryZq: ring 07700 900321 after six"


def converse(session: Session, reference: str, people: Staff, code: str) -> None:
    """A coordinator's message to her on the receipt and her answer with the receipt code."""
    report = report_of(session, reference)
    messages.send_to_reporter(session, report, session.get(Account, people.coordinator), TO_HER)
    messages.reply(session, report, code, FROM_HER)
    session.commit()


def stored_secrets(session: Session, report_id: str) -> list[bytes]:
    """Every ciphertext and sealed key stored for the report or derived from it, and the blind
    digests of its identifiers (as the database stores them)."""
    session.expire_all()
    found: list[bytes] = []
    found += session.scalars(select(ReportSection.ciphertext).where(ReportSection.report_id == report_id)).all()
    found += session.scalars(
        select(SealedSectionKey.sealed)
        .join(ReportSection, ReportSection.id == SealedSectionKey.section_id)
        .where(ReportSection.report_id == report_id)
    ).all()
    for note in session.scalars(select(CaseNote).where(CaseNote.report_id == report_id)):
        found += [note.ciphertext, note.sealed_key]
    for item in session.scalars(select(PoliceRelease).where(PoliceRelease.report_id == report_id)):
        found += [
            item.note,
            item.note_key_scheme,
            item.note_key_unit,
            item.crime_reference,
            item.crime_reference_key_scheme,
            item.crime_reference_key_unit,
        ]
    for alert in session.scalars(select(Alert).where(Alert.report_id == report_id)):
        found += [alert.draft, alert.draft_key_scheme]
    for record in session.scalars(select(IdempotencyRecord).where(IdempotencyRecord.report_id == report_id)):
        found += [record.sealed_answer, record.key_id.encode("ascii"), record.body_tag.encode("ascii")]
    found += [
        digest.encode("ascii")
        for digest in session.scalars(select(IdentifierIndex.digest).where(IdentifierIndex.report_id == report_id))
    ]
    return [blob for blob in found if blob]


def _needle(blob: bytes) -> bytes:
    # A slice from inside: a long value may be stored in pieces (PostgreSQL's TOAST chunks).
    return blob[16:48] if len(blob) >= 64 else blob


def found_in(data: bytes, secrets: list[bytes]) -> list[bytes]:
    """The secrets (their needles) that occur in ``data``."""
    return [blob for blob in secrets if _needle(blob) in data]
