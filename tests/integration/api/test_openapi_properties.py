"""The JSON API against its own OpenAPI document, by a tool that reads the document: schemathesis
generates requests for every operation of ``/api/v1/openapi.json`` (schema-valid ones, and
schema-invalid ones) and sends them through the WSGI app, on SQLite and PostgreSQL.

Proves, for every operation and both kinds of request: no answer is a 5xx; every status code,
content type, header and body is the one the document declares for it; every schema-invalid
request is refused with a 4xx; an operation that declares a security scheme refuses a request
without it. The check of an identifier is sent with a project's real token, so that its answers
beyond 401 are generated and checked too, and without one.

One of schemathesis's default checks is left out, on purpose: ``positive_data_acceptance``
expects every schema-valid request to be accepted, but the API applies rules JSON Schema cannot
state (a day of the incident within the last ten years and not in the future, what happened or
a kind of incident, a receipt code that exists and is not only spaces or control characters)
and answers them with the 422 and 404 the document declares.
"""

from __future__ import annotations

import base64
from collections import Counter
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support import images
from tests.support.alerting import make_project
from ugly_mugs.matching import check

EXAMPLES = 25


@pytest.fixture
def schema(app, passphrase):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def project_token(app, db_session, passphrase) -> str:
    project = make_project(db_session, "Api Project", areas=["holbeck"])
    token = check.issue_token(db_session, project)
    db_session.commit()
    return token


def _operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def test_the_document_names_every_api_route(app, schema):
    documented = {(op.method.upper(), op.path) for op in _operations(schema)}
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == routes


PHOTO = base64.b64encode(images.encoded("JPEG")).decode()


def _recent(case):
    """A generated report dated today, its photos real images: still schema-valid, and inside the
    ten years the API takes and decodable, so that reports are filed and the 201 answer is checked
    too (random base64 is never an image, and a report with one is refused)."""
    if isinstance(case.body, dict) and isinstance(case.body.get("incident_date"), str):
        case.body["incident_date"] = date.today().isoformat()
    if isinstance(case.body, dict) and isinstance(case.body.get("photos"), list):
        for photo in case.body["photos"]:
            if isinstance(photo, dict):
                photo["image"] = PHOTO
    return case


def _exchanges(operation, mode: GenerationMode, headers: dict | None, answered: Counter):
    """A Hypothesis test sending ``operation``'s generated requests and checking each answer."""
    cases = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE:
        cases = cases.map(_recent)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(case=cases)
    def exchange(case):
        response = case.call(headers=headers)
        answered[(operation.path, response.status_code)] += 1
        case.validate_response(response, excluded_checks=[positive_data_acceptance], headers=headers)

    return exchange


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_every_operation_keeps_to_the_document(schema, project_token, mode):
    answered: Counter = Counter()
    for operation in _operations(schema):
        secured = bool(operation.definition.raw.get("security"))
        headers = {"Authorization": f"Bearer {project_token}"} if secured else None
        _exchanges(operation, mode, headers, answered)()
    # Something got through to the real work, not only refusals: a filed report, a status, a check.
    if mode is GenerationMode.POSITIVE:
        statuses = {status for (_path, status) in answered}
        assert {200, 201} <= statuses <= {200, 201, 400, 404, 413, 415, 422, 429}
    assert not [key for key in answered if key[1] >= 500]


def test_a_secured_operation_without_its_token_is_refused(schema):
    for operation in _operations(schema):
        if not operation.definition.raw.get("security"):
            continue

        @settings(max_examples=5, deadline=None, database=None)
        @given(case=operation.as_strategy())
        def without_token(case):
            response = case.call()
            assert response.status_code == 401
            case.validate_response(response, excluded_checks=[positive_data_acceptance])

        without_token()
