"""Filing a report: encrypting its sections, sealing their keys, storing it in a few statements.

Every function takes a SQLAlchemy session and plain values; none touches Flask. Report
content is encrypted here before anything reaches the database, and a report is never
stored if a key it needs is missing (KeyUnavailable, never a silent fallback). Each report
gets its erasure key in the key store first (``keys.erasure``); every seal is wrapped by it. Which
sections a police unit may open is asked of ``consent.unit_may_open``; before that, whatever
locates or contacts her in the incident and perpetrator sections is moved to the identity
section (``reports.withholding``), so that "anonymous intelligence" never seals it to police.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, bindparam, exists, insert, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ugly_mugs import audit, coarse_time, consent
from ugly_mugs.crypto import aead, receipt, sealing
from ugly_mugs.keys import erasure, keystore
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.matching import index as matching_index
from ugly_mugs.models import Area, ConsentChange, GroupKey, Report, ReportCategory, ReportSection, SealedSectionKey
from ugly_mugs.models.base import new_id
from ugly_mugs.reports import reporter_types, sections, statuses, withholding
from ugly_mugs.stats import rollup

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
# Times a filing reads its place afresh when the keys or the area change under it.
PLACE_TRIES = 3


class ReportError(ValueError):
    """The report cannot be stored as given; the message is safe to show."""


@dataclass
class NewReport:
    incident_date: date
    area_code: str
    categories: list[str]
    consent_level: str
    reporter_type: str
    identity: dict[str, str]
    incident: dict[str, object]
    perpetrator: dict[str, object]
    language: str = "en"
    filed_by_account_id: int | None = None
    project_id: int | None = None
    # Cleaned photos (``reports.photos.Photo``: ``data`` bytes, ``section`` name), stored as sections.
    photos: list = field(default_factory=list)


@dataclass(frozen=True)
class Filed:
    reference: str
    receipt_code: str
    report_id: str | None = None


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _new_reference() -> str:
    # 30^7 references: one already given is found when the report is stored (``store_report``).
    return "UM-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))


@dataclass(frozen=True)
class PublicKey:
    """One group key's row id and public half (a row's public key never changes: rotation
    makes a new row)."""

    id: int
    public_key: bytes


@dataclass(frozen=True)
class Holders:
    """The public keys a report's section keys are sealed to."""

    scheme: PublicKey
    unit: PublicKey | None


def holders_for(session: Session, police_unit_id: int | None) -> Holders:
    """Both keys in one query; raises KeyUnavailable if either is missing (never a silent fallback)."""
    wanted = GroupKey.kind == keystore.SCHEME
    if police_unit_id is not None:
        wanted = or_(wanted, GroupKey.police_unit_id == police_unit_id)
    found = session.execute(
        select(GroupKey.id, GroupKey.kind, GroupKey.police_unit_id, GroupKey.public_key).where(wanted)
    ).all()
    scheme = next((g for g in found if g.kind == keystore.SCHEME), None)
    unit = next((g for g in found if g.police_unit_id == police_unit_id), None) if police_unit_id else None
    if scheme is None:
        raise keystore.KeyUnavailable("the scheme key does not exist; run setup")
    if police_unit_id is not None and unit is None:
        raise keystore.KeyUnavailable(f"police unit {police_unit_id} has no key")
    return Holders(PublicKey(scheme.id, scheme.public_key), PublicKey(unit.id, unit.public_key) if unit else None)


# Session.info key of the app's cache of places (``Place`` by area code), shared by its sessions.
PLACES = "ugly_mugs.filing_places"


def session_info() -> dict:
    """``Session.info`` entries: an empty cache of places for this app's sessions."""
    return {PLACES: {}}


@dataclass(frozen=True)
class Place:
    """What filing needs to know of an area, read once and then kept: its row, its police unit
    and the keys its reports are sealed to.

    Kept without asking the database again, because ``_insert_report`` checks all of it in the
    very statement that stores the report: an area deactivated or moved to another unit, or a
    key rotated (by any host or command), makes that statement store nothing; the place is then
    read afresh in the same transaction and the report sealed again to the current keys. A report
    is therefore never sealed to a retired key after the rotation has committed.
    """

    area_id: int
    police_unit_id: int | None
    holders: Holders


def _places(session: Session) -> dict[str, Place]:
    # Sessions made without the app's info (scripts, some tests) get a cache of their own.
    return session.info.setdefault(PLACES, {})


def _fresh_place(session: Session, area_code: str) -> Place:
    """The place read from the database now; remembered for later filings.
    Raises KeyUnavailable for a missing key, ReportError for an unknown or inactive area."""
    area = session.execute(
        select(Area.id, Area.police_unit_id).where(Area.code == area_code, Area.active.is_(True))
    ).first()
    holders = holders_for(session, area.police_unit_id if area else None)
    if area is None:
        _places(session).pop(area_code, None)
        raise ReportError("Choose the area where it happened.")
    place = Place(area.id, area.police_unit_id, holders)
    _places(session)[area_code] = place
    return place


def _place(session: Session, area_code: str) -> Place:
    return _places(session).get(area_code) or _fresh_place(session, area_code)


def _reference_taken(session: Session, reference: str) -> bool:
    return session.execute(select(Report.id).where(Report.reference == reference)).first() is not None


def _insert_report(session: Session, values: dict, area_code: str, place: Place) -> bool:
    """Insert the report row only if ``place`` is still true: the area active, in the same unit,
    and its keys still the current scheme and unit keys (same rows, same public keys), and its
    reference not yet given. One statement (INSERT ... SELECT); False when it stored nothing
    because something changed or the reference is taken.

    The key rows are read FOR SHARE (PostgreSQL) and held until the filing commits: a rotation
    marks the old row retiring with an UPDATE, which waits for filings that checked it, and a
    filing that reaches the row after the rotation committed sees it retiring and stores
    nothing. So no seal under a key is committed after its rotation began. (SQLite has one
    writer: this INSERT already holds the database until the filing commits.)"""
    values = dict(values, area_id=place.area_id, police_unit_id=place.police_unit_id)
    scheme, unit = place.holders.scheme, place.holders.unit
    bound = {f"value_{column}": value for column, value in values.items()}
    bound.update(
        new_reference=values["reference"],
        place_area_id=place.area_id,
        place_area_code=area_code,
        scheme_key_id=scheme.id,
        scheme_public_key=scheme.public_key,
    )
    if place.police_unit_id is not None:
        bound.update(place_unit_id=place.police_unit_id, unit_key_id=unit.id, unit_public_key=unit.public_key)
    statement = _insert_statement(tuple(values), place.police_unit_id is not None)
    # RETURNING, not rowcount: psycopg reports no row count for INSERT ... SELECT.
    return session.connection().execute(statement, bound).first() is not None


@functools.cache
def _insert_statement(columns: tuple[str, ...], with_unit: bool):
    """``_insert_report``'s statement for these report columns, with or without a unit, built
    once (every filing runs it); values bound as ``value_<column>`` and the place's ids and keys
    by name."""
    report = Report.__table__
    area = Area.__table__
    scheme_row = GroupKey.__table__.alias("scheme_key")
    locked = [scheme_row]
    # Joins, though each side is one row by its id: the key rows are named to be locked.
    rows = area.join(
        scheme_row,
        and_(
            scheme_row.c.id == bindparam("scheme_key_id"),
            scheme_row.c.kind == keystore.SCHEME,
            scheme_row.c.public_key == bindparam("scheme_public_key"),
        ),
    )
    still = [
        area.c.id == bindparam("place_area_id"),
        area.c.code == bindparam("place_area_code"),
        area.c.active.is_(True),
        # A reference already given (30^7 of them: over a scheme's years a clash will come) stores
        # nothing either; the filing then takes another (``store_report``).
        ~exists().where(report.c.reference == bindparam("new_reference")),
    ]
    if not with_unit:
        still.append(area.c.police_unit_id.is_(None))
    else:
        unit_row = GroupKey.__table__.alias("unit_key")
        locked.append(unit_row)
        rows = rows.join(
            unit_row,
            and_(
                unit_row.c.police_unit_id == area.c.police_unit_id,
                unit_row.c.id == bindparam("unit_key_id"),
                unit_row.c.public_key == bindparam("unit_public_key"),
            ),
        )
        still.append(area.c.police_unit_id == bindparam("place_unit_id"))
    chosen = (
        select(*(bindparam(f"value_{c}", type_=report.c[c].type).label(c) for c in columns))
        .select_from(rows)
        .where(*still)
        .with_for_update(read=True, of=locked)
    )
    return insert(report).from_select(list(columns), chosen).returning(report.c.id)


def encrypt_section(
    report_id: str,
    name: str,
    version: int,
    content: dict | bytes,
    receipt_key: bytes | None,
    holders: Holders,
    level: str,
    erasure: ReportKey,
) -> tuple[dict, list[dict]]:
    """The section row and its sealed-key rows: scheme, receipt and, where consent allows, the
    unit; every seal wrapped by the report's erasure key. ``content`` is a dict, or the cleaned
    image bytes of a photo section (``sections.PHOTO_NAMES``).

    ``receipt_key`` None: no receipt seal (a version written without her, by ``reports.reclassify``).
    """
    key = aead.new_key()
    row = {
        "report_id": report_id,
        "name": name,
        "version": version,
        "ciphertext": (
            sections.encrypt_photo(key, report_id, name, version, content)
            if isinstance(content, bytes)
            else sections.encrypt_section(key, report_id, name, version, content)
        ),
    }
    scheme = holders.scheme
    seals = [
        {
            "holder": sections.SCHEME,
            "group_key_id": scheme.id,
            "sealed": sections.seal_to_public_key(
                scheme.public_key, key, report_id, name, version, sections.SCHEME, erasure
            ),
        },
    ]
    if receipt_key is not None:
        seals.append(
            {
                "holder": sections.RECEIPT,
                "group_key_id": None,
                "sealed": sections.seal_to_receipt(receipt_key, key, report_id, name, version, erasure),
            }
        )
    unit = holders.unit
    if unit is not None and consent.unit_may_open(level, name):
        seals.append(
            {
                "holder": sections.UNIT,
                "group_key_id": unit.id,
                "sealed": sections.seal_to_public_key(
                    unit.public_key, key, report_id, name, version, sections.UNIT, erasure
                ),
            }
        )
    return row, seals


def insert_sections(session: Session, encrypted: list[tuple[dict, list[dict]]]) -> None:
    """Two statements for any number of sections: the sections (one multi-row INSERT returning
    ids), then all seals."""
    conn = session.connection()
    section_table = ReportSection.__table__
    c = section_table.c
    # Ids are matched by (report, name, version), which is unique, not by position: asking for
    # rows in parameter order makes SQLAlchemy send one INSERT per section on SQLite.
    ids = {
        (r.report_id, r.name, r.version): r.id
        for r in conn.execute(
            insert(section_table).returning(c.id, c.report_id, c.name, c.version), [row for row, _ in encrypted]
        )
    }
    conn.execute(
        insert(SealedSectionKey.__table__),
        [
            dict(seal, section_id=ids[row["report_id"], row["name"], row["version"]])
            for row, seals in encrypted
            for seal in seals
        ],
    )


def stored_content(session: Session, new: NewReport) -> dict[str, dict]:
    """The first version of each section as it is stored: her details withheld from the incident
    and perpetrator sections and kept, as she wrote them, in the identity section."""
    region = matching_index.region_of(session)
    written = {sections.IDENTITY: new.identity, sections.INCIDENT: new.incident, sections.PERPETRATOR: new.perpetrator}
    profile = withholding.profile_of({name: [value] for name, value in written.items()}, region)
    stored, entries = withholding.split(written, dict.fromkeys(written, 1), profile)
    stored[sections.IDENTITY] = withholding.with_entries(new.identity, entries)
    return stored


def _encrypted_photos(report_id, photos, receipt_key, holders, level, erasure_key) -> list:
    """Each photo as the next version of its photo section, sealed like any section."""
    numbers: dict[str, int] = {}
    encrypted = []
    for photo in photos:
        numbers[photo.section] = numbers.get(photo.section, 0) + 1
        encrypted.append(
            encrypt_section(
                report_id, photo.section, numbers[photo.section], photo.data, receipt_key, holders, level, erasure_key
            )
        )
    return encrypted


@dataclass
class Prepared:
    """A report read, checked and encrypted, not yet stored (``prepare_report``)."""

    new: NewReport
    place: Place
    content: dict[str, dict]
    code: str
    receipt_key: bytes
    erasure_key: ReportKey
    row: dict
    index_rows: list[dict]
    encrypted: list[tuple[dict, list[dict]]]

    @property
    def report_id(self) -> str:
        return self.row["id"]


def _encrypt_all(prepared: Prepared) -> list[tuple[dict, list[dict]]]:
    new, holders = prepared.new, prepared.place.holders
    args = (prepared.receipt_key, holders, new.consent_level, prepared.erasure_key)
    encrypted = [
        encrypt_section(prepared.report_id, name, 1, prepared.content[name], *args) for name in sections.SECTION_NAMES
    ]
    return encrypted + _encrypted_photos(prepared.report_id, new.photos, *args)


def prepare_report(session: Session, new: NewReport, valid_categories: set[str]) -> Prepared:
    """Check and encrypt a new report, writing nothing to the database (its erasure key is
    stored in the key store, which is not the database). Raises ReportError (safe to show) and
    KeyUnavailable.

    Everything slow — her details withheld, sections encrypted, keys sealed, blind indexes — is
    done here, before a database write lock is taken: ``store_report`` then holds it only for
    the inserts, so filings in other processes are not queued behind this one's encryption."""
    if new.consent_level not in consent.LEVELS:
        raise ReportError("Choose what may be passed to the police.")
    if new.reporter_type not in reporter_types.ALL:
        raise ReportError("Say who the report is for.")
    unknown = set(new.categories) - valid_categories
    if unknown:
        raise ReportError("One of the chosen kinds of incident is not known here.")
    place = _place(session, new.area_code)
    content = stored_content(session, new)

    code = receipt.new_code()
    report_id = new_id()
    row = {
        "id": report_id,
        "reference": _new_reference(),
        "receipt_lookup": receipt.lookup_id(code),
        # Staff seal their messages to her with it (``reports.messages``).
        "receipt_public_key": sealing.key_pair_from_seed(receipt.message_seed(code)).public,
        # Filing is her act: its times are kept to the hour (coarse_time), here and in the history.
        "received_at": coarse_time.now(),
        "incident_week": week_of(new.incident_date),
        "reporter_type": new.reporter_type,
        "consent_level": new.consent_level,
        "status": statuses.RECEIVED,
        "language": new.language,
        "filed_by_account_id": new.filed_by_account_id,
        "project_id": new.project_id,
    }
    # Blind indexes of his phone numbers, plate, emails and usernames, stored with the report
    # (made before the erasure key: the matching key may be missing, and then no key is made).
    index_rows = matching_index.prepare(session, report_id, new.perpetrator)
    # The erasure key is stored (outside the database) before anything is sealed with it.
    erasure_key = erasure.new_report_key(session, report_id)
    prepared = Prepared(
        new=new,
        place=place,
        content=content,
        code=code,
        receipt_key=receipt.receipt_key(code),
        erasure_key=erasure_key,
        row=row,
        index_rows=index_rows,
        encrypted=[],
    )
    # From here on a failure leaves no key behind: nothing sealed with it will be stored.
    with discarded_on_failure(session, prepared):
        prepared.encrypted = _encrypt_all(prepared)
    return prepared


def discard(session: Session, prepared: Prepared) -> bool:
    """A prepared report that will not be stored (its filing refused, or storing it failed before
    the commit): its erasure key, which sealed nothing kept, leaves the key store. False if the
    key store could not be reached (the key then stays, sealing nothing: harmless, and never an
    error on top of the one being answered)."""
    try:
        erasure.store_of(session).discard(prepared.report_id)
    except SQLAlchemyError:
        return False
    return True


@contextmanager
def discarded_on_failure(session: Session, prepared: Prepared) -> Iterator[None]:
    """Around storing ``prepared``, up to but not including the commit: when anything raises, its
    erasure key is discarded (``discard``) and the exception goes on. The commit stays outside: a
    commit that failed may still have stored the report, whose key must then stay."""
    try:
        yield
    except BaseException:
        discard(session, prepared)
        raise


def file_report(session: Session, new: NewReport, valid_categories: set[str]) -> Filed:
    """Encrypt and store a new report; the caller commits. Returns the reference and receipt code.
    Raises ReportError (safe to show) and KeyUnavailable."""
    return store_report(session, prepare_report(session, new, valid_categories))


def store_report(session: Session, prepared: Prepared) -> Filed:
    """Store a prepared report in a handful of statements; the caller commits. Raises
    KeyUnavailable if its area or keys kept changing while it was stored."""
    new, row, report_id = prepared.new, prepared.row, prepared.report_id
    now = row["received_at"]
    # Core inserts: the ORM's unit of work would cost more than the encryption does.
    for _ in range(PLACE_TRIES):
        if _insert_report(session, row, new.area_code, prepared.place):
            break
        if _reference_taken(session, row["reference"]):
            # Nothing sealed names the reference: another one, and the same sealed sections.
            row["reference"] = _new_reference()
            continue
        # The area or a key changed since the place was read (by an admin, or a rotation on any
        # host): nothing was stored; read it again in this transaction and seal again.
        prepared.place = _fresh_place(session, new.area_code)
        prepared.encrypted = _encrypt_all(prepared)
    else:
        raise keystore.KeyUnavailable("the area or its keys kept changing while the report was filed")
    place = prepared.place
    conn = session.connection()
    if new.categories:
        conn.execute(
            insert(ReportCategory.__table__),
            [{"report_id": report_id, "code": c} for c in sorted(set(new.categories))],
        )
    insert_sections(session, prepared.encrypted)
    # The monitoring figures' counts per day, in this transaction (Core inserts pass no ORM event):
    # the report's own and those of the reports it is linked to, in one statement.
    counts = rollup.filed_rows(
        session,
        now,
        {
            "area_id": place.area_id,
            "reporter_type": new.reporter_type,
            "consent_level": new.consent_level,
            "status": statuses.RECEIVED,
        },
        new.categories,
    )
    # A new report has no index rows yet and no other transaction can see it: no lock, no reads of its own.
    counts.update(matching_index.store_new(session, prepared.index_rows, now))
    rollup.apply(session, counts)
    conn.execute(
        insert(ConsentChange.__table__),
        [
            {
                "report_id": report_id,
                "from_level": None,
                "to_level": new.consent_level,
                "actor": "reporter" if new.reporter_type != "outreach" else "outreach",
                "changed_at": now,
            }
        ],
    )
    if new.filed_by_account_id is not None:
        # Filing by a reporter is not audited: the log would time-stamp it. Staff filing is.
        audit.record(
            session,
            "report_filed",
            actor_id=new.filed_by_account_id,
            report_id=report_id,
            detail={"consent_level": new.consent_level, "reporter_type": new.reporter_type},
        )
    return Filed(reference=row["reference"], receipt_code=prepared.code, report_id=report_id)
