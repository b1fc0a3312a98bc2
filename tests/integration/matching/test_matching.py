"""Blind indexes and linked reports (ugly_mugs.matching, the coordinator's linked-report pages).

Proves: reports that give the same phone number, plate, email or username in different
spellings are linked, and reports with different ones never are; a partial plate is linked to
the full plates it fits only as a *possible* match, while two full plates that merely start
alike are not linked; information added later is indexed; erasing a report deletes its index
rows; the raw database (every table, SQLite file or PostgreSQL rows) holds no identifier in
any spelling; a report is refused (and shown back) when the matching key is missing or not
the one the indexes were made with; the coordinator's report page says in how many other
reports each identifier appears, with links, and draws an SVG without scripts; the page of
one identifier, addressed by kind and digest, shows only metadata, and showing the identifier
itself needs a reason, the scheme key and is audited; malformed addresses are 404s.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.support.app import form_token, make_app, minimal_report
from tests.support.dbscan import find_plaintext
from tests.support.matching_data import file
from tests.support.staff import csrf, signed_in
from ugly_mugs.matching import linked_counts, links
from ugly_mugs.models import AuditEntry, IdentifierIndex, Report
from ugly_mugs.reports import statuses


def linked_references(app, report: Report) -> dict[str, set[str]]:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        found: dict[str, set[str]] = {}
        for shared in links.links_for(db, report.id):
            for linked in shared.reports:
                found.setdefault(linked.reference, set()).add("possible" if linked.possible else "certain")
        return found


@pytest.mark.parametrize(
    "field,first,second",
    [
        ("phone_numbers", ["07700 900123"], ["+44 (0)7700-900-123"]),
        ("phone_numbers", ["0044 113 496 0000"], ["(0113) 496 0000"]),
        ("emails", ["Punter@Example.COM"], [" mailto:punter@example.com "]),
        ("usernames", ["@BigDave69"], ["bigdave69"]),
    ],
)
def test_equivalent_spellings_link(app, passphrase, field, first, second):
    a = file(app, **{field: first})
    b = file(app, **{field: second})
    other = file(app, **{field: ["07700 900124"] if field == "phone_numbers" else ["someone.else@example.com"]})
    assert linked_references(app, a) == {b.reference: {"certain"}}
    assert linked_references(app, b) == {a.reference: {"certain"}}
    assert linked_references(app, other) == {}


def test_plate_spellings_link_and_different_plates_never(app, passphrase):
    a = file(app, vehicle={"registration": "AB12 CDE"})
    b = file(app, vehicle={"registration": "ab12-cde"})
    c = file(app, vehicle={"registration": "AB12 XYZ"})  # same start, another car
    d = file(app, vehicle={"registration": "XY12 CDE"})  # same end, another car
    assert linked_references(app, a) == {b.reference: {"certain"}}
    assert linked_references(app, c) == {}
    assert linked_references(app, d) == {}


def test_partial_plate_is_only_a_possible_match(app, passphrase):
    full = file(app, vehicle={"registration": "AB12 CDE"})
    other_full = file(app, vehicle={"registration": "AB12 XYZ"})
    partial = file(app, vehicle={"registration": "AB12 C??"})
    ending = file(app, vehicle={"registration": "*CDE"})
    unrelated = file(app, vehicle={"registration": "ZZ99 ???"})
    assert linked_references(app, partial) == {
        full.reference: {"possible"},
        other_full.reference: {"possible"},
    }
    assert linked_references(app, ending) == {full.reference: {"possible"}}
    assert linked_references(app, full) == {partial.reference: {"possible"}, ending.reference: {"possible"}}
    assert linked_references(app, unrelated) == {}


def test_linked_counts(app, passphrase):
    a = file(app, phone_numbers=["07700 900123"], emails=["x@example.com"])
    b = file(app, phone_numbers=["07700900123"])
    c = file(app, emails=["X@example.com"], vehicle={"registration": "AB12 CDE"})
    alone = file(app, phone_numbers=["07700 900999"])
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        counts = linked_counts(db, [a.id, b.id, c.id, alone.id, "nosuchreport"])
    assert counts == {a.id: 2, b.id: 1, c.id: 1, alone.id: 0, "nosuchreport": 0}


def test_added_information_is_indexed(app, client, passphrase):
    first = file(app, phone_numbers=["07700 900123"])
    page = client.post(
        "/report", data=minimal_report(form_token=form_token(client), phone_numbers="07700 900555")
    ).get_data(as_text=True)
    code = re.search(r"([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})", page).group(1)
    response = client.post(
        "/receipt/add",
        data={
            "receipt_code": code,
            "form_token": form_token(client, "/receipt"),
            "more_perpetrator": "He now uses 07700 900 123 and plate AB12 CDE",
        },
    )
    assert response.status_code == 200
    assert len(linked_references(app, first)) == 1


def test_erasure_deletes_index_rows(app, client, passphrase):
    page = client.post(
        "/report", data=minimal_report(form_token=form_token(client), phone_numbers="07700 900123")
    ).get_data(as_text=True)
    code = re.search(r"([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})", page).group(1)
    other = file(app, phone_numbers=["07700900123"])
    assert len(linked_references(app, other)) == 1
    assert (
        client.post(
            "/receipt/delete",
            data={"receipt_code": code, "confirm": "yes", "form_token": form_token(client, "/receipt")},
        ).status_code
        == 200
    )
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        erased = db.scalar(select(Report).where(Report.status == statuses.ERASED))
        assert db.scalar(select(func.count()).where(IdentifierIndex.report_id == erased.id)) == 0
    assert linked_references(app, other) == {}


CANARY_PHONE = "07700 900871"
CANARY_NEEDLES = [
    "+447700900871",
    "447700900871",
    "7700900871",
    "07700900871",
    "7700 900871",
    "QZ71XKV",
    "QZ71 XKV",
    "qz71xkv",
    "QZ71",
    "zq.canary@example.org",
    "ZQ.Canary@Example.org",
    "zqcanaryhandle",
    "ZqCanaryHandle",
    "9998887776",
]


def test_raw_database_holds_no_identifier(app, client, passphrase, database_url):
    response = client.post(
        "/report",
        data=minimal_report(
            form_token=form_token(client),
            phone_numbers=f"{CANARY_PHONE}\n+999 888 777 6",
            vehicle_registration="qz71 xkv",
            emails="ZQ.Canary@Example.org",
            usernames="@ZqCanaryHandle",
        ),
    )
    assert response.status_code == 200
    file(app, phone_numbers=["+44 7700 900871"], vehicle={"registration": "QZ71 X??"})
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        assert db.scalar(select(func.count()).select_from(IdentifierIndex)) >= 6
    assert find_plaintext(database_url, CANARY_NEEDLES) == []


def test_no_matching_key_means_the_report_is_refused_and_shown_back(database_url, passphrase):
    app = make_app(database_url, MATCHING_KEY=None)
    client = app.test_client()
    response = client.post("/report", data=minimal_report(form_token=form_token(client), phone_numbers="07700 900123"))
    assert response.status_code == 503
    assert "07700 900123" in response.get_data(as_text=True)
    app.extensions["ugly_mugs.engine"].dispose()


def test_a_different_matching_key_is_refused(app, database_url, passphrase):
    file(app, phone_numbers=["07700 900123"])
    other = make_app(database_url, MATCHING_KEY=bytes(range(32)))
    client = other.test_client()
    response = client.post("/report", data=minimal_report(form_token=form_token(client), phone_numbers="07700 900123"))
    assert response.status_code == 503
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        assert db.scalar(select(func.count()).select_from(Report)) == 1
    other.extensions["ugly_mugs.engine"].dispose()


@pytest.fixture
def coordinator(app, passphrase, clock):
    return signed_in(app, passphrase, "linker", "coordinator")[0]


def test_report_page_shows_links_and_picture(app, coordinator):
    a = file(app, phone_numbers=["07700 900123"], vehicle={"registration": "AB12 CDE"})
    b = file(app, phone_numbers=["+447700900123"])
    c = file(app, vehicle={"registration": "AB12 C??"})
    page = coordinator.get(f"/coordinator/reports/{a.reference}").get_data(as_text=True)
    assert "This phone number appears in" in page
    assert "1 other report" in page
    assert f'href="/coordinator/reports/{b.reference}"' in page
    assert f'href="/coordinator/reports/{c.reference}"' in page
    assert "possible match" in page
    assert "<svg" in page and "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "stroke-dasharray" in page
    # No identifier on the page until the report is opened with a reason.
    assert "+447700900123" not in page and "AB12CDE" not in page
    opened = coordinator.post(
        f"/coordinator/reports/{a.reference}/open",
        data={"csrf_token": csrf(coordinator, f"/coordinator/reports/{a.reference}"), "reason": "triage"},
    ).get_data(as_text=True)
    assert '<span class="identifier">+447700900123</span>' in opened


def test_unlinked_report_says_so(app, coordinator):
    a = file(app, phone_numbers=["07700 900123"])
    page = coordinator.get(f"/coordinator/reports/{a.reference}").get_data(as_text=True)
    assert "appears in another report" in page or "None of this report" in page


def test_identifier_page_lists_metadata_and_reveals_with_audit(app, coordinator):
    a = file(app, phone_numbers=["07700 900123"])
    b = file(app, area="harehills", phone_numbers=["07700900123"])
    page = coordinator.get(f"/coordinator/reports/{a.reference}").get_data(as_text=True)
    path = re.search(r'href="(/coordinator/identifiers/phone/[0-9a-f]{64})"', page).group(1)
    listing = coordinator.get(path).get_data(as_text=True)
    assert a.reference in listing and b.reference in listing and "Harehills" in listing
    assert "He threatened me" not in listing and "+447700900123" not in listing
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        before = db.scalar(select(func.count()).select_from(AuditEntry))
    refused = coordinator.post(path + "/reveal", data={"csrf_token": csrf(coordinator, path), "reason": ""})
    assert refused.status_code == 400
    shown = coordinator.post(path + "/reveal", data={"csrf_token": csrf(coordinator, path), "reason": "matching"})
    assert shown.status_code == 200
    assert "+447700900123" in shown.get_data(as_text=True)
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "identifier_revealed")).all()
        assert db.scalar(select(func.count()).select_from(AuditEntry)) > before
    assert entries and all(e.reason == "matching" and e.report_id in (a.id, b.id) for e in entries)
    assert all("+44" not in str(e.detail) for e in entries)


@pytest.mark.parametrize(
    "path",
    [
        "/coordinator/identifiers/phone/" + "0" * 64,
        "/coordinator/identifiers/phone/nothex",
        "/coordinator/identifiers/address/" + "0" * 64,
        "/coordinator/identifiers/phone/" + "A" * 64,
    ],
)
def test_unknown_identifier_pages_are_404(coordinator, path):
    assert coordinator.get(path).status_code == 404
