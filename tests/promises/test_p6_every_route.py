"""P6 on every route: whatever is sent to any route of the URL map, by anyone, the answer is
never a 5xx, and no report content sent along is ever stored in plaintext (P1).

Walks every rule of ``app.url_map`` with every method it takes, as every role — an anonymous
visitor, an admin, a coordinator, an outreach worker, a project member, an officer of the unit
the report was passed to and an officer of another unit. First, for each route and each role that
may use it, one request per kind of bad input (invisible characters with NUL, huge numbers,
calendar-edge days, 10,000-character Cyrillic) in every field its forms send and every query
argument the app reads, so that every kind reaches every route; then Hypothesis generates, for
each route and role:

- path values for each segment: real ids and references of an installation in use (a report
  passed to police, an alert draft, a published alert with deliveries, a project with a feed and
  a channel, a pending consent, a key invitation, an identifier's digest), ids beyond every
  column's range and below it, and text with NUL, control, bidirectional and zero-width
  characters, 10,000 characters, every script of the five languages;
- query strings and form bodies, by the names the route's own forms send (learnt by reading the
  pages every role can open) and by others, each request of one kind: invisible characters put
  into real values, huge and tiny numbers, calendar-edge days, 10,000-character text, every
  script, any text, or the values the forms offer; with the page's valid CSRF or form token
  mostly, and without it or with a wrong one sometimes (so expired-token handling is walked too);
  the JSON API with JSON bodies of the same values.

Every text sent to a route that stores report content (the report form and API, additions, the
outreach form, case and covering notes, crime references) carries a canary, which is then looked
for in every byte of the SQLite file or every row of every PostgreSQL table.

Bounded: a few examples per rule and role that may use it and one for each that may not
(Hypothesis, no deadline), a long value in one query argument at most, one app and one
logged-in client per role for the whole walk: about a minute on either database.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from wtforms import Form
from wtforms.fields.core import UnboundField

from config import Choice, UnitSetting
from tests.support.alerting import make_project, publish_message
from tests.support.app import make_app, minimal_report
from tests.support.dbscan import find_plaintext
from tests.support.staff import create, csrf, grant, login
from ugly_mugs.keys import groups, keystore
from ugly_mugs.models import (
    Account,
    Alert,
    Delivery,
    IdentifierIndex,
    PoliceRelease,
    PoliceUnit,
    ProjectChannel,
    StaffConsent,
)
from ugly_mugs.projects import service as projects
from ugly_mugs.reports import fields
from ugly_mugs.web import access, boundary, form_token

CANARY = f"ZqRouteCanary{secrets.token_hex(5)}"
ROLES = ("anonymous", "admin", "coordinator", "outreach", "project_member", "police", "police_other")
EXAMPLES = 4
REFUSED_EXAMPLES = 1
# Two units, so that an officer of the other one is a role of its own.
AREAS = (Choice("city-centre", "City Centre"), Choice("holbeck", "Holbeck"), Choice("harehills", "Harehills"))
UNITS = (
    UnitSetting("north", "North unit", ("city-centre", "holbeck")),
    UnitSetting("east", "East unit", ("harehills",)),
)
# Ending a walker's own session would leave its role unwalked: logout is walked anonymously only.
SKIP = {("auth.logout", "POST", role) for role in ROLES if role != "anonymous"}
# Routes that keep report content (encrypted): every text sent to them carries the canary.
CANARY_ENDPOINTS = {
    "reporting.report",
    "reporting.quick_report",
    "reporting.add_information",
    "reporting.add_more",
    "reporting.reply",
    "coordinator.send_message",
    "api.submit_report",
    "staff.outreach_report",
    "coordinator.add_note",
    "coordinator.pass_on",
    "police.outcome",
}
TEXT_NAMES = (
    set(fields.text_fields())
    | {f.name for f in fields.all_fields() if f.kind in fields.TEXT_KINDS}
    | {"text", "note", "crime_reference", "passphrase", "answer"}
)
QUERY_NAMES = [
    "status",
    "area",
    "category",
    "reporter_type",
    "consent_level",
    "from",
    "to",
    "after",
    "before",
    "kind",
    "start",
    "action",
    "actor",
    "report",
    "token",
    "lang",
    "note",
]

SCRIPTS = [
    "Нападателят караше черна кола",
    "Șoferul țipa în mașină, Iași",
    "Łódź, żółta łódka, źle",
    "Ele não pagou, coração",
    "He hit me by the canal",
]
INVISIBLE = [
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m",
    "\u202eevil\u202c",
    "\u2066x\u2069",
    "\ufeff",
    "\u200b",
    "\x85",
    "\r\n\t",
]
NUMBERS = [
    "-1",
    "0",
    "1",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775807",
    "9223372036854775808",
    "9" * 40,
    "1e309",
    "NaN",
    "١٢٣",
]
DAYS = [
    "0001-01-01",
    "9999-12-31",
    "9999-06-01",
    "1899-12-31",
    "1900-01-01",
    "2100-12-31",
    "2101-01-01",
    "2024-02-29",
    "2023-02-29",
    "0000-00-00",
    "31/12/9999",
    "99999-01-01",
]
LONG = ["x" * fields.LONG, "word " * (fields.LONG // 5), "Ș" * fields.LONG]
ID_EDGES = [0, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 10**20, 10**30]

texts = st.one_of(
    st.sampled_from(SCRIPTS + INVISIBLE + NUMBERS + DAYS + LONG),
    st.builds(lambda a, b, c: a + b + c, st.sampled_from(SCRIPTS), st.sampled_from(INVISIBLE), st.sampled_from(DAYS)),
    st.text(max_size=40),
)


@dataclass
class World:
    """One installation in use, a logged-in client per role, and the real values of its pages."""

    app: object
    clients: dict[str, object]
    csrf: dict[str, str]
    real: dict[str, list] = field(default_factory=dict)
    form_names: list[str] = field(default_factory=list)
    # What each POST route's forms send (learnt from the pages), and the values they offer.
    fields: dict[str, set[str]] = field(default_factory=dict)
    options: dict[str, set[str]] = field(default_factory=dict)
    answered: Counter = field(default_factory=Counter)


class _Forms(HTMLParser):
    """The forms of a page: (action, method, {field name: values offered}) for each."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, str, dict[str, set[str]]]] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action") or "", (attrs.get("method") or "get").upper(), {}))
        elif self.forms and tag in ("input", "textarea", "select", "button") and attrs.get("name"):
            values = self.forms[-1][2].setdefault(attrs["name"], set())
            if attrs.get("type") in ("radio", "checkbox", "hidden", "submit") or tag == "button":
                values.add(attrs.get("value") or "")
            self._select = attrs["name"] if tag == "select" else None
        elif tag == "option" and self.forms and self._select:
            self.forms[-1][2].setdefault(self._select, set()).add(attrs.get("value") or "")


def _learn_forms(world: World, page) -> None:
    """Record which fields each POST route's forms send, and the values they offer, from ``page``."""
    parser = _Forms()
    parser.feed(page.get_data(as_text=True))
    adapter = world.app.url_map.bind("localhost")
    for action, method, found in parser.forms:
        if method != "POST":
            continue
        try:
            endpoint, _ = adapter.match(action.split("?", 1)[0], method="POST")
        except HTTPException:
            continue
        world.fields.setdefault(endpoint, set()).update(found)
        for name, values in found.items():
            if name != "csrf_token":
                world.options.setdefault(name, set()).update(v for v in values if v)


def _crawl(world: World) -> None:
    """Every page each role can fetch, with the installation's real values, for its forms."""
    for rule in world.app.url_map.iter_rules():
        if "GET" not in rule.methods or any(not world.real.get(arg) for arg in rule.arguments):
            continue
        # Each real value of the first segment (a reference may be a report's or an alert's).
        first = rule.arguments and sorted(rule.arguments)[0]
        for value in world.real[first] if first else [None]:
            values = {arg: world.real[arg][0] for arg in rule.arguments} | ({first: value} if first else {})
            for client in world.clients.values():
                page = client.get(_path(rule, values))
                if page.status_code == 200 and page.mimetype == "text/html":
                    _learn_forms(world, page)
    reporter = world.clients["anonymous"]
    code = world.real["receipt_code"][0]
    status = reporter.post(
        "/receipt",
        data={"receipt_code": code, "form_token": form_token.issue(world.app.config["SECRET_KEY"], "receipt")},
    )
    _learn_forms(world, status)


def _form_names() -> list[str]:
    """Every field name of every form class of the app, and the hidden fields pages carry."""
    names = {"csrf_token", "form_token", "switch_language", "_draft", "_draft_to"}
    pending = [Form]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        names.update(
            value.kwargs.get("name") or attribute
            for attribute, value in vars(cls).items()
            if isinstance(value, UnboundField)
        )
    names.update(f.name for f in fields.all_fields())
    return sorted(names)


def _staff(app, passphrase: str, username: str, role: str, **account):
    user = create(app, username, role, **account)
    if role in ("coordinator", "police"):
        grant(app, user, passphrase)
    client = app.test_client()
    assert login(client, user).status_code == 302, username
    return client, user


@pytest.fixture
def world(database_url, clock) -> World:
    app = make_app(database_url, AREAS=AREAS, POLICE_UNITS=UNITS, PUBLIC_CHECK=True)
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        passphrase = keystore.set_up(db, app.config["AREAS"], app.config["POLICE_UNITS"])
        project = make_project(db, "Basis", areas=["holbeck"], emails=["drop-in@basis.example"])
        feed = projects.new_feed_token(db, project, None)
        db.commit()
        units = {u.code: u.id for u in db.scalars(select(PoliceUnit))}
    clients, users = {"anonymous": app.test_client()}, {}
    for role, extra in (
        ("admin", {}),
        ("coordinator", {}),
        ("outreach", {"project": "Basis"}),
        ("project_member", {"project": "Basis"}),
        ("police", {"unit_id": units["north"]}),
        ("police_other", {"unit_id": units["east"]}),
    ):
        clients[role], users[role] = _staff(
            app, passphrase, role.replace("_", ""), "police" if role.startswith("police") else role, **extra
        )

    # Reports: one passed to the north unit, one with a consent waiting for a second coordinator.
    reporter = app.test_client()
    passed = reporter.post(
        "/api/v1/reports",
        json=minimal_report(consent_level="full", phone_numbers=["07700 900111 / 07700 900222"]),
    ).get_json()
    waiting = reporter.post("/api/v1/reports", json=minimal_report(vehicle_registration="AB12 CDE")).get_json()
    coordinator = clients["coordinator"]
    page = f"/coordinator/reports/{passed['reference']}"
    assert coordinator.post(f"{page}/pass", data={"csrf_token": csrf(coordinator, page)}).status_code == 302
    drafted = coordinator.post(f"{page}/alerts", data={"csrf_token": csrf(coordinator, page)})
    page = f"/coordinator/reports/{waiting['reference']}"
    consent = {"level": "anonymous_intel", "given_by": "phone", "csrf_token": csrf(coordinator, page)}
    assert coordinator.post(f"{page}/consent", data=consent).status_code == 302
    victim = create(app, "victim", "coordinator")
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        message = publish_message(db, ["holbeck"], "Grey Ford", "Refuses to pay.")
        invited = groups.invite(db, db.get(Account, victim.id), None)
        db.commit()
        real = {
            "reference": [passed["reference"], waiting["reference"], drafted.headers["Location"].rsplit("/", 1)[-1]]
            + list(db.scalars(select(Alert.reference))),
            "release_id": list(db.scalars(select(PoliceRelease.id))),
            "request_id": list(db.scalars(select(StaffConsent.id))),
            "account_id": [victim.id],
            "project_id": [project.id],
            "membership_id": [invited.id],
            "delivery_id": list(db.scalars(select(Delivery.id))),
            "channel_id": list(db.scalars(select(ProjectChannel.id))),
            "digest": list(db.scalars(select(IdentifierIndex.digest).limit(3))),
            "kind": ["email", "webhook", "phone", "vehicle", "vehicle_part", "username", "csv", "pdf"],
            "action": ["on", "off", "new-secret", "new", "stop", "deactivate", "reset-two-factor", "unlock"],
            "filename": ["site.css", "quick-exit.js", "favicon.svg"],
            # Query and form values that lead somewhere: a receipt code as typed, the feed's token.
            "receipt_code": [passed["receipt_code"], passed["receipt_code"].replace("-", "\u2013")],
            "token": [feed],
        }
        # Ordinary days too, so that forms taking a day are also filled in acceptably.
        days = [date.today().isoformat(), (date.today() - timedelta(days=3)).isoformat()]
        real |= {name: days for name in ("incident_date", "outcome_date", "start", "from", "to", "incident_week")}
        assert message.id
    world = World(app, clients, {role: csrf(client, "/login") for role, client in clients.items()}, real)
    world.form_names = _form_names()
    _crawl(world)
    # The JSON API's names, from the field declaration and its document.
    world.fields["api.submit_report"] = {f.name for f in fields.REPORT_FIELDS} | {"language"}
    world.fields["api.receipt_status"] = {"receipt_code"}
    world.fields["api.receipt_consent"] = {"receipt_code", "consent_level"}
    world.fields["check_api.check_identifier"] = {"identifier", "kind"}
    yield world
    app.extensions["ugly_mugs.engine"].dispose()


def _segment(world: World, rule, arg: str):
    converter = type(rule._converters[arg])
    real = world.real.get(arg, [])
    if converter is boundary.IdConverter:
        return st.one_of(
            st.sampled_from(real) if real else st.nothing(),
            st.sampled_from(ID_EDGES),
            st.integers(1000, 10**9),
        )
    return st.one_of(st.sampled_from(real) if real else st.nothing(), texts)


def _path(rule, values: dict) -> str:
    path = rule.rule
    for arg, value in values.items():
        placeholder = next(part for part in path.split("<")[1:] if part.split(">")[0].split(":")[-1] == arg)
        path = path.replace("<" + placeholder.split(">")[0] + ">", quote(str(value), safe=""))
    return path


# The kinds of bad input, one per request: every field of the request gets a value of that kind.
KINDS = ("invisible", "numbers", "days", "long", "scripts", "text", "real")


def _value(world: World, endpoint: str, name: str, kind: str):
    real = sorted(set(map(str, world.real.get(name, []))) | world.options.get(name, set()))
    if endpoint == "reporting.erase" and name == "receipt_code":
        real = []  # the walk must not erase the report it walks on
    plain = st.sampled_from(real) if real else st.sampled_from(SCRIPTS)
    if kind == "invisible":
        # A real value (or words) with an invisible character at its start, inside or at its end.
        return st.builds(
            lambda text, bad, at: text[: at % (len(text) + 1)] + bad + text[at % (len(text) + 1) :],
            plain,
            st.sampled_from(INVISIBLE),
            st.integers(0, 50),
        )
    return {
        "numbers": st.sampled_from(NUMBERS),
        "days": st.sampled_from(DAYS),
        "long": st.sampled_from(LONG),
        "scripts": st.sampled_from(SCRIPTS),
        "text": st.text(max_size=40),
        "real": plain,
    }[kind]


@st.composite
def _pairs(draw, world: World, endpoint: str, own: list[str], kind: str, most: int, query: bool = False):
    """(name, value) pairs of one request: some of the route's own names (learnt from its forms)
    and a few others, each with a value of ``kind``."""
    any_name = st.sampled_from(world.form_names + QUERY_NAMES) | st.text(min_size=1, max_size=12)
    names = draw(st.lists(st.sampled_from(own), unique=True, max_size=most)) if own else []
    names += draw(st.lists(any_name, max_size=2))
    if query and kind == "long":
        names = names[:1]  # as in the sweep: one long query argument is enough to be long
    return [(name, draw(_value(world, endpoint, name, kind))) for name in names]


def _with_canary(endpoint: str, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if endpoint not in CANARY_ENDPOINTS:
        return pairs
    return [(name, CANARY + " " + value if name in TEXT_NAMES else value) for name, value in pairs]


def _token_pairs(world: World, role: str, endpoint: str, how: str) -> list[tuple[str, str]]:
    if how == "none":
        return []
    if how == "wrong":
        return [("csrf_token", "not-a-token"), ("form_token", "not-a-token")]
    secret = world.app.config["SECRET_KEY"]
    name = (
        "public-check"
        if endpoint.startswith("public_check")
        else ("report" if endpoint in ("reporting.report", "reporting.quick_report") else "receipt")
    )
    return [("csrf_token", world.csrf[role]), ("form_token", form_token.issue(secret, name))]


def _own(world: World, endpoint: str) -> list[str]:
    """The names the route's own forms send, but the tokens (``_token_pairs`` adds those)."""
    return sorted(set(world.fields.get(endpoint, ())) - {"csrf_token", "form_token"})


# One request per kind for each route and role that may use it, every field and every query
# argument holding a value of that kind: so that each kind reaches each route, whatever the
# random walk draws.
SWEEP = {
    "invisible": lambda real: (real or "Șoferul") + "\x00\u202e\x1b",
    "numbers": lambda real: "9223372036854775808",
    "days": lambda real: "9999-12-31",
    "long": lambda real: "Нападател " * (fields.LONG // 10),
}


# Health reports whose 503 is their answer ("no dispatch worker is alive", "not ready"), by design
# and documented in docs/operating.md; any other 5xx from them still fails.
HEALTH_REPORTS = {"health.delivery", "health.readyz"}


def _send(world: World, rule, method: str, role: str, path_values: dict, query, body, token: str) -> None:
    """One request, its answer recorded; a 5xx fails the test, naming what was sent."""
    client = world.clients[role]
    path = _path(rule, path_values)
    query_string = urlencode(query, quote_via=quote)
    kwargs: dict = {"query_string": query_string}
    if method == "POST":
        pairs = _with_canary(rule.endpoint, body) + _token_pairs(world, role, rule.endpoint, token)
        if rule.rule.startswith("/api/"):
            document = {name: value for name, value in pairs if name not in ("csrf_token", "form_token")}
            if rule.endpoint == "api.submit_report":
                document = {**minimal_report(what_happened=CANARY), **document}
            kwargs["data"] = json.dumps(document)
            kwargs["content_type"] = "application/json"
        else:
            kwargs["data"] = MultiDict(pairs)
    response = client.open(path, method=method, **kwargs)
    world.answered[(rule.endpoint, method, role, response.status_code)] += 1
    answered_unhealthy = rule.endpoint in HEALTH_REPORTS and response.status_code == 503
    assert response.status_code < 500 or answered_unhealthy, (
        role,
        method,
        path[:200],
        query_string[:200],
        response.status_code,
    )


def _sweep(world: World, rule, method: str, role: str) -> None:
    path_values = {arg: (world.real.get(arg) or ["x"])[0] for arg in rule.arguments}
    for kind, make in SWEEP.items():
        # Long text in one query argument only: a query string of 17 of them is a megabyte.
        names = ["note"] if kind == "long" else QUERY_NAMES
        query = [(name, make(str((world.real.get(name) or [""])[0]))) for name in names]
        body = []
        if method == "POST":
            for name in _own(world, rule.endpoint):
                offered = sorted(world.options.get(name, ())) or [str(v) for v in world.real.get(name, [])]
                body.append((name, make(offered[0] if offered else "")))
        _send(world, rule, method, role, path_values, query, body, "valid")


def _may_use(world: World, endpoint: str, role: str) -> bool:
    """Whether ``role`` gets past deny-by-default on ``endpoint`` (public, or one of its roles)."""
    with world.app.test_request_context():
        allowed = access.allowed_roles(endpoint)
        public = access.is_public(endpoint)
    return public or (allowed is not None and ("police" if role.startswith("police") else role) in allowed)


def _walk(world: World, rule, method: str, role: str) -> None:
    segments = {arg: _segment(world, rule, arg) for arg in rule.arguments}
    own = _own(world, rule.endpoint)
    # Those who may use the route get the deep walk; the others are refused before any work.
    examples = EXAMPLES if _may_use(world, rule.endpoint, role) else REFUSED_EXAMPLES

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(
        data=st.data(),
        path_values=st.fixed_dictionaries(segments),
        kind=st.sampled_from(KINDS),
        token=st.sampled_from(["valid", "valid", "valid", "none", "wrong"]),
    )
    def send(data, path_values, kind, token):
        query = data.draw(_pairs(world, rule.endpoint, QUERY_NAMES, kind, 3, query=True), label="query")
        body = data.draw(_pairs(world, rule.endpoint, own, kind, len(own)), label="body") if method == "POST" else []
        _send(world, rule, method, role, path_values, query, body, token)

    send()


def test_every_route_as_every_role_answers_without_a_5xx_and_stores_no_canary(world, database_url):
    walked = set()
    for rule in sorted(world.app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role in ROLES:
                if (rule.endpoint, method, role) in SKIP:
                    continue
                if _may_use(world, rule.endpoint, role):
                    _sweep(world, rule, method, role)
                _walk(world, rule, method, role)
                walked.add((rule.endpoint, method, role))
    endpoints = {rule.endpoint for rule in world.app.url_map.iter_rules()}
    assert {endpoint for endpoint, _, _ in walked} == endpoints
    assert {role for _, _, role in walked} == set(ROLES)
    # The walk reached the real work: pages shown and forms taken, not only refusals.
    statuses = Counter(status for (_, _, _, status) in world.answered)
    assert statuses[200] > 100 and statuses[302] > 10 and statuses[400] > 10, statuses
    assert not [key for key in world.answered if key[3] >= 500 and not (key[0] in HEALTH_REPORTS and key[3] == 503)]
    assert find_plaintext(database_url, [CANARY]) == []
