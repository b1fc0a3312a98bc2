"""Several identifiers in one field, end to end: filed through the reporter's form, linked,
checked, rotated and re-indexed.

Proves: a report whose phone field reads "07700 900111 / 07700 900222" (and whose plate field
holds two plates) gets one blind-index row per value, so a later report with only the second
number or plate links to it, and a check of either finds its published alert; a report indexed
before this rule (its rows as the old rule made them) gains the missing rows from
``matching reindex``, and a key rotation makes them all under the new key.
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete, func, select

from tests.support.app import form_token, minimal_report
from tests.support.matching_data import alert
from ugly_mugs.matching import check, index, links, normalise
from ugly_mugs.models import IdentifierIndex, Report


def _file(client, **answers) -> str:
    page = client.post("/report", data=minimal_report(form_token=form_token(client), **answers))
    assert page.status_code == 200
    return "UM-" + page.get_data(as_text=True).split("UM-", 1)[1][:7]


def _report(db, reference) -> Report:
    return db.scalar(select(Report).where(Report.reference == reference))


def _linked(app, reference) -> set[str]:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        report = _report(db, reference)
        return {linked.reference for shared in links.links_for(db, report.id) for linked in shared.reports}


def _rows(app, reference) -> int:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        report = _report(db, reference)
        return db.scalar(
            select(func.count()).select_from(IdentifierIndex).where(IdentifierIndex.report_id == report.id)
        )


def test_each_value_is_indexed_linked_and_checked(app, client, passphrase):
    first = _file(
        client,
        phone_numbers="07700 900111 / 07700 900222",
        vehicle_registration="AB12 CDE or XY34 ZZZ",
    )
    second_number = _file(client, phone_numbers="+44 7700 900222")
    second_plate = _file(client, vehicle_registration="xy34zzz")
    unrelated = _file(client, phone_numbers="07700 900333")
    assert _linked(app, first) == {second_number, second_plate}
    assert _linked(app, second_number) == {first}
    assert _linked(app, unrelated) == set()
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        report = _report(db, first)
    alert(app, report, "published", "Two phones", "Uses two numbers.")
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        for raw in ("07700 900111", "07700900222", "AB12CDE", "XY34 ZZZ", "07700 900111 / 07700 900999"):
            assert check.check(db, raw).count == 1, raw
        assert check.check(db, "07700 900333").count == 0


def _index_the_old_way(app, reference) -> None:
    """Leave the report with the rows the rule before this one made: the whole field, read as one."""
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        report = _report(db, reference)
        db.execute(delete(IdentifierIndex).where(IdentifierIndex.report_id == report.id))
        old_rows = index.rows_for(
            report.id,
            index.Digester(index.key_of(db), index.current_version(db, index.key_of(db))),
            [normalise.vehicle("AB12 CDE or XY34 ZZZ")],
        )
        index.store(db, old_rows)
        db.commit()


def test_reindex_and_rotation_make_a_row_for_each_value(app, client, runner, passphrase, tmp_path):
    first = _file(client, phone_numbers="07700 900111 / 07700 900222", vehicle_registration="AB12 CDE or XY34 ZZZ")
    later = _file(client, phone_numbers="07700 900222")
    rows = _rows(app, first)
    _index_the_old_way(app, first)
    assert _linked(app, first) == set() and _rows(app, first) < rows

    result = runner.invoke(args=["matching", "reindex", "--batch", "1"], input=passphrase + "\n")
    assert result.exit_code == 0, result.output
    assert "2 reports indexed" in result.output and "07700" not in result.output + result.stderr
    assert _rows(app, first) == rows and _linked(app, first) == {later}

    path = tmp_path / "new_key"
    path.write_text(secrets.token_bytes(32).hex())
    result = runner.invoke(args=["matching", "rotate", "--new-key-file", str(path)], input=passphrase + "\n")
    assert result.exit_code == 0, result.output
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        assert set(db.scalars(select(IdentifierIndex.key_version).distinct())) == {2}
    assert _rows(app, first) == rows and _linked(app, first) == {later}


def test_reindex_refuses_a_wrong_passphrase(runner, passphrase):
    result = runner.invoke(args=["matching", "reindex"], input="not the passphrase\n")
    assert result.exit_code != 0 and "does not open the scheme key" in result.output
