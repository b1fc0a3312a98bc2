"""Hypothesis-generated submissions, through the form and the API: huge, empty, control
characters, HTML and script, odd Unicode and (for JSON) wrong types. None may cause a 500,
and nothing submitted may be found in plaintext in the database afterwards (P1, P6).
"""

from __future__ import annotations

import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.promises.test_p1_stolen_database import TEXT_FIELDS
from tests.support.app import form_token
from tests.support.dbscan import find_plaintext
from ugly_mugs.reports import fields

# Every field of the declaration, so that a field added later is fuzzed too.
ALL_FIELDS = [f.name for f in fields.REPORT_FIELDS]

nasty_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "\x00\x01\x1b[31m\u202e\ufeff",
            "=cmd|' /C calc'!A0",
            "Ω≈ç√∫ 🙂 ﷽ \U0001f9d1\u200d\U0001f91d\u200d\U0001f9d1",
            "'; DROP TABLE report; --",
            "x" * 20_000,
            "",
            "   ",
            "2026-02-30",
            "holbeck",
            "full",
        ]
    ),
)

json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), nasty_text),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def marked(marker: str, value):
    return marker + value if isinstance(value, str) else value


@FUZZ
@given(fields=st.dictionaries(st.sampled_from(ALL_FIELDS), nasty_text, max_size=len(ALL_FIELDS)))
def test_form_fuzz(client, passphrase, database_url, fields):
    marker = f"FuzzForm{uuid.uuid4().hex[:10]}"
    data = {name: marked(marker, value) if name in TEXT_FIELDS else value for name, value in fields.items()}
    data["form_token"] = form_token(client)
    response = client.post("/report", data=data)
    assert response.status_code in (200, 400, 413), response.status_code
    assert find_plaintext(database_url, [marker]) == []


@FUZZ
@given(
    body=st.one_of(
        st.dictionaries(st.sampled_from(ALL_FIELDS + ["extra"]), json_value, max_size=len(ALL_FIELDS)),
        json_value,
    )
)
def test_api_fuzz(client, passphrase, database_url, body):
    marker = f"FuzzApi{uuid.uuid4().hex[:10]}"
    if isinstance(body, dict):
        body = {k: marked(marker, v) if k in TEXT_FIELDS else v for k, v in body.items()}
        body.setdefault("incident_date", "2026-11-20")
        body.setdefault("area", "holbeck")
    response = client.post("/api/v1/reports", data=json.dumps(body), content_type="application/json")
    # 429: the filing limit (FILING_CLIENT_LIMIT) reached by the examples filed before.
    assert response.status_code in (201, 400, 413, 422, 429), response.status_code
    assert response.is_json
    assert find_plaintext(database_url, [marker]) == []


@FUZZ
@given(code=json_value, level=json_value)
def test_receipt_api_fuzz(client, passphrase, code, level):
    for path, body in (
        ("/api/v1/receipt/status", {"receipt_code": code}),
        ("/api/v1/receipt/consent", {"receipt_code": code, "consent_level": level}),
    ):
        response = client.post(path, json=body)
        assert response.status_code in (200, 404, 422, 429), (path, response.status_code)


@FUZZ
@given(code=nasty_text, extra=nasty_text)
def test_receipt_pages_fuzz(client, passphrase, code, extra):
    token = form_token(client, "/receipt")
    for path, data in (
        ("/receipt", {"receipt_code": code}),
        ("/receipt/add", {"receipt_code": code, "more_incident": extra}),
        ("/receipt/consent", {"receipt_code": code, "consent_level": extra}),
        ("/receipt/delete", {"receipt_code": code, "confirm": extra}),
    ):
        response = client.post(path, data={**data, "form_token": token})
        assert response.status_code in (200, 400, 404, 429), (path, response.status_code)
