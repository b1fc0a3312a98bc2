"""Every error of every API operation is one RFC 9457 problem object, table-driven.

Every operation of the OpenAPI document is sent each kind of bad request — an unknown path
below it, a wrong method, a body that is not JSON, not an object or too large, unknown fields,
too many requests, the database out of reach — and every answer must be
``application/problem+json`` with the one shape (type, title, status, detail; errors by field
for field errors) that the document's Problem schema states, with its status declared for the
operation when it has one, and Retry-After on 429 and 503. Refusals Flask raises outside the
views (deny-by-default's 403, a 500) are problem objects too. The reporter form's filing limit
shows the form back filled in with Retry-After.
"""

from __future__ import annotations

import secrets

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.support.alerting import make_project
from tests.support.app import TEST_DATABASE_URL, form_token, make_app, minimal_report
from ugly_mugs.matching import check
from ugly_mugs.web.access import public

WRONG = "AAAA-AAAA-AAAA-AAAA-AAAA"
LIMITS = {
    "MAX_CONTENT_LENGTH": 2000,
    # The routes that take photos (the report filing) have their own, larger, body limit.
    "PHOTO_REQUEST_BYTES": 3000,
    "FILING_CLIENT_LIMIT": 1,
    "RECEIPT_CLIENT_FAILURES": 1,
    "CHECK_API_LIMIT": 1,
}


@pytest.fixture
def api(database_url, passphrase):
    """(app with tiny limits, its OpenAPI document, a project token)."""
    app = make_app(database_url, **LIMITS)
    with app.app_context():
        session = app.extensions["ugly_mugs.sessionmaker"]()
        project = make_project(session, "Problem Project", areas=["holbeck"])
        token = check.issue_token(session, project)
        session.commit()
        session.close()
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    yield app, document, token
    app.extensions["ugly_mugs.engine"].dispose()


def _operations(document: dict) -> list[str]:
    return sorted(path for path, item in document["paths"].items() if "post" in item)


def assert_problem(response, status: int, document: dict, path: str | None = None) -> dict:
    assert response.status_code == status, (path, response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json", (path, status, response.mimetype)
    body = response.get_json()
    registry = Registry().with_resource("urn:doc", Resource.from_contents(document, default_specification=DRAFT202012))
    Draft202012Validator({"$ref": "urn:doc#/components/schemas/Problem"}, registry=registry).validate(body)
    assert body["status"] == status and body["type"] == "about:blank" and body["detail"]
    if status in (429, 503):
        assert response.headers["Retry-After"].isdigit() and int(response.headers["Retry-After"]) >= 1
    if path is not None:
        declared = document["paths"][path]["post"]["responses"]
        assert str(status) in declared, f"{path} answered {status}, not declared"
        assert "application/problem+json" in declared[str(status)]["content"]
        if status in (429, 503):
            assert "Retry-After" in declared[str(status)]["headers"]
    return body


def _post(client, path, token, address="203.0.113.1", **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if path.endswith("/check") else {}
    return client.post(path, headers=headers, environ_base={"REMOTE_ADDR": address}, **kwargs)


KINDS = [
    ("not json", {"data": "identifier=1", "content_type": "text/plain"}, 415),
    ("bad json", {"data": "{not json", "content_type": "application/json"}, 400),
    ("not an object", {"data": "[1, 2]", "content_type": "application/json"}, 400),
    ("too large", {"data": '{"x": "' + "x" * 5000 + '"}', "content_type": "application/json"}, 413),
    ("unknown field", {"json": {"zz_unknown": "1"}}, 422),
    # A name given twice means one thing to one parser and another to the next (RFC 8259 §4).
    ("a key given twice", {"data": '{"zz": "1", "zz": "2"}', "content_type": "application/json"}, 400),
    ("a key twice inside", {"data": '{"zz": {"a": 1, "a": 2}}', "content_type": "application/json"}, 400),
    # JSON is UTF-8 (RFC 8259 §8.1): another charset is refused, not read as UTF-8 anyway.
    ("labelled latin-1", {"data": '{"zz": "1"}', "content_type": "application/json; charset=latin-1"}, 415),
    ("labelled utf-16", {"data": '{"zz": "1"}', "content_type": "application/json; charset=utf-16"}, 415),
    ("labelled UTF-8", {"data": '{"zz_unknown": "1"}', "content_type": "application/json; charset=UTF-8"}, 422),
]


@pytest.mark.parametrize(("kwargs", "status"), [(k, s) for _, k, s in KINDS], ids=[n for n, _, _ in KINDS])
def test_every_operation_answers_each_bad_body_with_a_problem(api, kwargs, status):
    app, document, token = api
    client = app.test_client()
    for path in _operations(document):
        body = assert_problem(_post(client, path, token, **kwargs), status, document, path)
        if status == 422:
            assert body["errors"], path


def test_every_operation_answers_a_wrong_method_and_an_unknown_path_below_it(api):
    app, document, _ = api
    client = app.test_client()
    for path in _operations(document):
        wrong = client.get(path)
        assert_problem(wrong, 405, document)
        assert "POST" in wrong.headers["Allow"]
        assert_problem(client.post(path + "/nothing", json={}), 404, document)
    for path in ("/api/v1/nothing", "/api/v2/reports", "/api/"):
        assert_problem(client.get(path), 404, document)


def test_every_operation_answers_too_many_requests_with_a_problem_and_retry_after(api):
    app, document, token = api
    client = app.test_client()
    firsts = {
        "/api/v1/reports": (minimal_report(), 201),
        "/api/v1/check": ({"identifier": "07700 900123"}, 200),
    }
    for n, path in enumerate(_operations(document)):
        address = f"198.51.100.{n + 1}"
        body, status = firsts.get(
            path, ({"receipt_code": WRONG, "consent_level": "full", "confirm": "yes", "more_incident": "More."}, 404)
        )
        if path.startswith("/api/v1/receipt/"):
            body = {k: v for k, v in body.items() if k in document_fields(document, path)}
        first = _post(client, path, token, address, json=body)
        assert first.status_code == status, (path, first.get_data(as_text=True))
        assert_problem(_post(client, path, token, address, json=body), 429, document, path)


def document_fields(document: dict, path: str) -> set[str]:
    ref = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return set(document["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"])


def test_every_operation_answers_an_unreachable_database_with_503(api, tmp_path):
    _, document, token = api
    url = (
        "postgresql+psycopg://postgres@127.0.0.1:1/nothing"
        if TEST_DATABASE_URL
        else f"sqlite:///{tmp_path}/no/such/folder/x.sqlite3"
    )
    down = make_app(url)
    try:
        client = down.test_client()
        bodies = {
            "/api/v1/reports": minimal_report(),
            "/api/v1/check": {"identifier": "07700 900123"},
            "/api/v1/receipt/status": {"receipt_code": WRONG},
            "/api/v1/receipt/consent": {"receipt_code": WRONG, "consent_level": "full"},
            "/api/v1/receipt/add": {"receipt_code": WRONG, "more_incident": "More."},
            "/api/v1/receipt/erase": {"receipt_code": WRONG, "confirm": "yes"},
        }
        assert set(bodies) == set(_operations(document))
        for path, body in bodies.items():
            assert_problem(_post(client, path, token, json=body), 503, document, path)
    finally:
        down.extensions["ugly_mugs.engine"].dispose()


def test_refusals_and_faults_outside_the_views_are_problems(database_url):
    app = make_app(database_url)

    def closed():
        return "never"

    @public
    def boom():
        raise RuntimeError("a fault")

    # A route with no access rule: deny-by-default refuses it; a route that fails: a 500.
    app.add_url_rule("/api/v1/_closed", "closed", closed, methods=["POST"])
    app.add_url_rule("/api/v1/_boom", "boom", boom, methods=["POST"])
    app.extensions["csrf"].exempt(closed)
    app.extensions["csrf"].exempt(boom)
    client = app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    assert_problem(client.post("/api/v1/_closed", json={}), 403, document)
    fault = assert_problem(client.post("/api/v1/_boom", json={}), 500, document)
    assert "a fault" not in fault["detail"] and "Traceback" not in fault["detail"]
    app.extensions["ugly_mugs.engine"].dispose()


def test_field_errors_name_their_fields(api):
    app, document, _ = api
    body = assert_problem(
        app.test_client().post("/api/v1/reports", json={"area": "holbeck"}), 422, document, "/api/v1/reports"
    )
    assert "incident_date" in body["errors"] and all(isinstance(m, list) for m in body["errors"].values())


# --- the receipt actions ------------------------------------------------------------------


def test_add_information_and_erase_through_the_api(api):
    app, document, _ = api
    client = app.test_client()
    filed = client.post("/api/v1/reports", json=minimal_report()).get_json()
    code = filed["receipt_code"]
    added = client.post("/api/v1/receipt/add", json={"receipt_code": code.lower(), "more_perpetrator": "Blue van"})
    assert added.status_code == 200 and added.get_json()["reference"] == filed["reference"]
    empty = assert_problem(
        client.post("/api/v1/receipt/add", json={"receipt_code": code}), 422, document, "/api/v1/receipt/add"
    )
    assert "more_incident" in empty["errors"]
    unconfirmed = client.post("/api/v1/receipt/erase", json={"receipt_code": code, "confirm": "no"})
    assert_problem(unconfirmed, 422, document, "/api/v1/receipt/erase")
    erased = client.post("/api/v1/receipt/erase", json={"receipt_code": code, "confirm": "yes"})
    assert erased.status_code == 200 and erased.get_json() == {"reference": filed["reference"], "status": "erased"}
    for path, body in (
        ("/api/v1/receipt/status", {"receipt_code": code}),
        ("/api/v1/receipt/add", {"receipt_code": code, "more_incident": "More."}),
        ("/api/v1/receipt/erase", {"receipt_code": code, "confirm": "yes"}),
    ):
        assert_problem(client.post(path, json=body), 410, document, path)


def test_wrong_codes_on_the_new_actions_count_with_the_receipt_pages(api):
    """One limit of wrong codes per client, whichever door they are tried at."""
    app, document, _ = api
    client = app.test_client()
    address = {"REMOTE_ADDR": "192.0.2.77"}
    wrong = client.post("/api/v1/receipt/add", json={"receipt_code": WRONG, "more_incident": "x"}, environ_base=address)
    assert_problem(wrong, 404, document, "/api/v1/receipt/add")
    token = form_token(client, "/receipt")
    page = client.post("/receipt", data={"receipt_code": WRONG, "form_token": token}, environ_base=address)
    assert page.status_code == 429
    refused = client.post("/api/v1/receipt/erase", json={"receipt_code": WRONG, "confirm": "yes"}, environ_base=address)
    assert_problem(refused, 429, document, "/api/v1/receipt/erase")


def test_the_reporter_form_is_limited_too_and_shown_back_filled_in(database_url, passphrase):
    app = make_app(database_url, FILING_CLIENT_LIMIT=1)
    try:
        client = app.test_client()
        assert client.post("/report", data=minimal_report(form_token=form_token(client))).status_code == 200
        story = "Kept when refused " + secrets.token_hex(4)
        refused = client.post("/report", data=minimal_report(what_happened=story, form_token=form_token(client)))
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert story in refused.get_data(as_text=True)
    finally:
        app.extensions["ugly_mugs.engine"].dispose()


NESTED = [
    "[" * 5000 + "]" * 5000,
    '{"a":' + "[" * 5000 + "]" * 5000 + "}",
    '{"a":' + '{"b":' * 3000 + "1" + "}" * 3001,
    '{"x": ' + "[" * 20000,  # unclosed as well
]


@pytest.mark.parametrize("raw", NESTED, ids=["array", "in-object", "objects", "unclosed"])
def test_json_nested_too_deeply_is_bad_json_on_every_operation(database_url, passphrase, raw):
    app = make_app(database_url)  # the default body limit: the nesting, not the size, is refused
    client = app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    for path in _operations(document):
        response = client.post(path, data=raw, content_type="application/json", headers={"Authorization": "Bearer x"})
        assert response.status_code in (400, 401), (path, response.status_code)
        assert response.mimetype == "application/problem+json", path
    app.extensions["ugly_mugs.engine"].dispose()


RECEIPT_ACTIONS = {
    "/api/v1/receipt/status": {},
    "/api/v1/receipt/consent": {"consent_level": "alert_only"},
    "/api/v1/receipt/add": {"more_incident": "More."},
}


@pytest.mark.parametrize("path", RECEIPT_ACTIONS)
@pytest.mark.parametrize(
    ("written", "extra", "status"),
    [
        pytest.param(lambda code: code + "\u0000", {}, 200, id="a NUL after the code"),
        pytest.param(lambda code: "\u0007" + code, {}, 200, id="a control character before it"),
        pytest.param(lambda code: f"  {code.lower()}\t", {}, 200, id="spaced and lower-case"),
        pytest.param(lambda code: code + "-" + "A" * 60, {}, 422, id="too long for a code"),
        pytest.param(lambda code: code, {"zz": 1}, 422, id="an unknown key"),
        pytest.param(lambda code: "", {}, 422, id="empty"),
        pytest.param(lambda code: " \u0000 ", {}, 422, id="nothing but blanks"),
    ],
)
def test_every_receipt_action_reads_the_code_as_the_receipt_page_does(api, path, written, extra, status):
    # The receipt page cleans what was typed (control characters dropped, spacing and case
    # forgiven) and refuses what cannot be a code; every API action must answer the same.
    app, document, _ = api
    client = app.test_client()
    code = client.post("/api/v1/reports", json=minimal_report()).get_json()["receipt_code"]
    answer = client.post(path, json={"receipt_code": written(code), **RECEIPT_ACTIONS[path], **extra})
    if status == 200:
        assert answer.status_code == 200, answer.get_data(as_text=True)
    else:
        assert_problem(answer, status, document, path)
