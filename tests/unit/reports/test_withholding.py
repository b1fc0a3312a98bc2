"""Withholding at filing (``reports.withholding``): her passages leave the sections a unit may
hold and come back, as she wrote them, for whoever opens the identity section."""

from __future__ import annotations

from ugly_mugs.reports import withholding

IDENTITY = {"name": "Zoë Marlowe", "contact": "07700 900123", "place": "9 Fakely Close, LS6 2AB"}
INCIDENT = {"what_happened": "Zoe here, ring 07700 900123. He rang from 07700 900999.", "part_of_day": "night"}
PERPETRATOR = {"phone_numbers": ["07700 900999"], "where_met": "outside 9 Fakely Close", "hair": "dark"}


def written():
    return {"identity": IDENTITY, "incident": INCIDENT, "perpetrator": PERPETRATOR}


def test_split_withholds_her_passages_and_keeps_them_with_her_identity():
    profile = withholding.profile_of({k: [v] for k, v in written().items()}, "GB")
    stored, entries = withholding.split(written(), dict.fromkeys(written(), 1), profile)
    assert stored["incident"]["what_happened"] == "[withheld] here, ring [withheld]. He rang from 07700 900999."
    assert stored["perpetrator"] == {
        "phone_numbers": ["07700 900999"],
        "where_met": "outside [withheld]",
        "hair": "dark",
    }
    assert stored["identity"] == IDENTITY  # split leaves the identity section to the caller
    assert entries == [
        {"section": "incident", "version": 1, "key": "what_happened", "value": INCIDENT["what_happened"]},
        {"section": "perpetrator", "version": 1, "key": "where_met", "value": PERPETRATOR["where_met"]},
    ]


def test_restore_puts_each_field_back_into_its_version_and_drops_the_bookkeeping():
    profile = withholding.profile_of({k: [v] for k, v in written().items()}, "GB")
    stored, entries = withholding.split(written(), dict.fromkeys(written(), 1), profile)
    opened = {
        "identity": [(1, withholding.with_entries(IDENTITY, entries[:1])), (2, {"withheld": entries[1:]})],
        "incident": [(1, stored["incident"])],
        "perpetrator": [(1, stored["perpetrator"])],
    }
    restored, put_back = withholding.restore(opened)
    assert restored == {"identity": [IDENTITY], "incident": [INCIDENT], "perpetrator": [PERPETRATOR]}
    assert put_back == [("incident", 1, "what_happened"), ("perpetrator", 1, "where_met")]
    # Without the identity section nothing comes back: the withheld marks stay.
    below, _ = withholding.restore({k: v for k, v in opened.items() if k != "identity"})
    assert below["incident"] == [stored["incident"]]


def test_below_full_withholds_what_older_reports_stored_and_marks_it():
    shown, marks, _ = withholding.below_full(
        {"incident": [{"what_happened": "ring me on 07700 900555"}], "perpetrator": [{"where_taken": "my flat"}]}, "GB"
    )
    assert shown == {
        "incident": [{"what_happened": "ring me on [withheld]"}],
        "perpetrator": [{"where_taken": "[withheld]"}],
    }
    assert marks == [("incident", 1, "what_happened"), ("perpetrator", 1, "where_taken")]
