"""The request boundary (``web/boundary.py``): one rule for text and one for identifiers, for
every route, on SQLite and PostgreSQL alike.

- Every ``<int:…>`` path segment of the URL map, as the role that may use it, answers 404 (never
  500) for ids no ``integer`` column can hold, and for 0; every ``<name>`` segment answers 404
  for NUL, control, bidirectional-control and zero-width characters and for 201 characters.
- NUL, control and bidirectional controls in form fields and query strings never reach the
  database: a staff form saves what remains and says so, the login page answers like any wrong
  login, filters answer like the same filter without them.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from tests.support.staff import PASSWORD, create, csrf, login, signed_in
from ugly_mugs.models import Account, AuditEntry, Project
from ugly_mugs.reports import text
from ugly_mugs.web import access, boundary

OUT_OF_RANGE = [0, 2**31, 2**32, 2**63 - 1, 2**63, 10**19, 10**30, int("9" * 60)]
BAD_SEGMENTS = [
    quote("UM-AAAAAAA\x00"),
    "UM-1%00",
    "%00",
    "UM%0A1",
    "%1B%5B31m",
    "%E2%80%AEUM-1",
    "%E2%81%A6x",
    "%E2%80%8B",
    "x" * 201,
]
NOT_IN_TEXT = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f", "\u202a", "\u202e", "\u2066", "\u2069"]


@pytest.fixture
def staff(app, passphrase, clock):
    clients = {}
    for role in ("admin", "coordinator", "police"):
        clients[role], _ = signed_in(app, passphrase, f"{role}boundary", role, granted=role != "admin")
    return clients


def _who(app, staff, rule):
    """A client of a role the route allows (deny-by-default would answer the others first)."""
    with app.test_request_context():
        allowed = access.allowed_roles(rule.endpoint) or {"coordinator"}
    return next(staff[role] for role in ("coordinator", "admin", "police") if role in allowed)


def _rules(app, converter: str):
    for rule in app.url_map.iter_rules():
        kinds = {arg: type(rule._converters[arg]).__name__ for arg in rule.arguments}
        if any(kind == converter for kind in kinds.values()):
            yield rule, kinds


def _path(rule, kinds, value, converter: str) -> str:
    path = rule.rule
    for arg, kind in kinds.items():
        placeholder = re.search(rf"<[^>]*\b{arg}>", path).group(0)
        filler = str(value) if kind == converter else ("1" if kind == "IdConverter" else "unlock")
        path = path.replace(placeholder, filler)
    return path


def test_every_path_segment_is_typed(app):
    """Every segment of the map is read by a boundary converter (a new route cannot escape the rule)."""
    converters = {type(c) for rule in app.url_map.iter_rules() for c in rule._converters.values()}
    assert converters <= {boundary.IdConverter, boundary.SegmentConverter, boundary.VisiblePathConverter}
    assert boundary.IdConverter in converters and boundary.SegmentConverter in converters


def test_ids_outside_the_column_range_are_404_on_every_route(app, staff):
    walked = 0
    for rule, kinds in _rules(app, "IdConverter"):
        client = _who(app, staff, rule)
        for value in OUT_OF_RANGE:
            path = _path(rule, kinds, value, "IdConverter")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(path, method=method)
                assert response.status_code == 404, (rule.rule, method, value, response.status_code)
                walked += 1
    assert walked >= 8 * 15


def test_the_largest_id_is_an_ordinary_unknown_id(app, staff):
    for rule, kinds in _rules(app, "IdConverter"):
        if "GET" not in rule.methods:
            continue
        client = _who(app, staff, rule)
        response = client.get(_path(rule, kinds, boundary.ID_MAX, "IdConverter"))
        assert response.status_code == 404, rule.rule


def test_text_segments_refuse_invisible_characters(app, staff):
    walked = 0
    for rule, kinds in _rules(app, "SegmentConverter"):
        client = _who(app, staff, rule)
        for value in BAD_SEGMENTS:
            path = _path(rule, kinds, value, "SegmentConverter")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(path, method=method)
                assert response.status_code == 404, (rule.rule, method, value, response.status_code)
                walked += 1
    assert walked >= 8 * 10


@pytest.mark.parametrize(
    "path",
    ["/static/%00", "/static/site.css%00", "/static/%E2%80%AEsite.css", "/favicon%00", "/police/reports/%EF%BC%91"],
)
def test_other_paths_with_invisible_characters_are_404(client, path):
    assert client.get(path).status_code == 404


def _named(ch: str) -> bool:
    """What the rule names: C0 controls but tab, line feed and carriage return; DEL and C1; bidi controls."""
    code = ord(ch)
    c0 = code < 0x20 and ch not in "\t\n\r"
    return c0 or 0x7F <= code <= 0x9F or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069


@given(value=st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(NOT_IN_TEXT), max_size=40))
def test_the_text_rule_removes_only_what_it_names(value):
    cleaned = text.strip_controls(value)
    assert not text.has_controls(cleaned)
    assert text.strip_controls(cleaned) == cleaned
    assert cleaned == "".join(ch for ch in value if not _named(ch))


def test_login_with_control_characters_is_an_ordinary_wrong_login(app, client, passphrase):
    user = create(app, "realname", "coordinator")
    # Three, not all: wrong passwords count towards the account's lockout.
    for bad in ("\x00", "\u202e", "\x85"):
        response = client.post(
            "/login",
            data={"username": f"real{bad}name", "password": "wrong", "code": "", "csrf_token": csrf(client, "/login")},
        )
        assert response.status_code == 401, repr(bad)
        page = response.get_data(as_text=True)
        assert 'id="input-notice"' in page and 'value="realname"' in page, repr(bad)
    assert login(client, user).status_code == 302


def test_staff_forms_save_text_without_control_characters(app, staff, db_session):
    admin = staff["admin"]
    token = csrf(admin, "/admin/accounts")
    created = admin.post(
        "/admin/accounts",
        data={
            "username": "new\x00user\u202e",
            "display_name": "Maria\x00 \x1bIonescu\u2066",
            "role": "outreach",
            "police_unit": "",
            "project": "",
            "csrf_token": token,
        },
    )
    assert created.status_code == 200 and 'id="input-notice"' in created.get_data(as_text=True)
    account = db_session.scalar(select(Account).where(Account.username == "newuser"))
    assert account is not None and account.display_name == "Maria Ionescu"

    made = admin.post("/projects", data={"name": "Basis\x00 Yorkshire\x85", "csrf_token": csrf(admin, "/projects")})
    assert made.status_code == 302
    assert db_session.scalar(select(Project.name)) == "Basis Yorkshire"


AUDIT_QUERIES = [
    "action=%00",
    "actor=admin%00boundary",
    "report=UM-%00%01",
    "before=%00",
    "before=99999999999999999999999",
    "before=-1",
    "before=%EF%BC%91",
    "from=2026-01-01%00",
    "action=login%E2%80%AE",
]
INBOX_QUERIES = ["status=%00", "area=%00holbeck", "after=%00garbage", "category=rob%1Bbery", "to=2026-01-01%00"]


def test_filters_with_control_characters_or_huge_ids(app, staff, db_session):
    for query in AUDIT_QUERIES:
        response = staff["admin"].get(f"/admin/audit?{query}")
        assert response.status_code in (200, 400), (query, response.status_code)
        assert "The chain of" in response.get_data(as_text=True), query
    newest = db_session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()))
    page = staff["admin"].get("/admin/audit?before=" + "9" * 40).get_data(as_text=True)
    assert f'<tr><td data-label="#">{newest}</td>' in page
    for query in INBOX_QUERIES:
        response = staff["coordinator"].get(f"/coordinator/reports?{query}")
        assert response.status_code in (200, 400), (query, response.status_code)
        assert 'id="input-notice"' in response.get_data(as_text=True), query


def test_password_is_unchanged_by_the_rule():
    assert text.strip_controls(PASSWORD) == PASSWORD


# A multipart body with a part that names no field (Werkzeug reads its name as None) beside one
# that does: the nameless part is left out wherever the form is read (the CSRF check first).
NAMELESS_PART = (
    b"--XX\r\nContent-Disposition: form-data\r\n\r\nv\r\n"
    b"--XX\r\nContent-Disposition: form-data\r\nContent-Type: text/plain\r\n\r\nw\r\n"
    b'--XX\r\nContent-Disposition: form-data; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\nx\r\n'
    b'--XX\r\nContent-Disposition: form-data; name="what_happened"\r\n\r\nHe hit me.\r\n--XX--\r\n'
)


def test_a_part_without_a_name_is_left_out_on_every_post_route(app, staff, client):
    walked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        kinds = {arg: type(rule._converters[arg]).__name__ for arg in rule.arguments}
        path = _path(rule, kinds, "1", "IdConverter")
        with app.test_request_context():
            allowed = access.allowed_roles(rule.endpoint) or {"coordinator"}
        staff_client = next((staff[role] for role in ("coordinator", "admin", "police") if role in allowed), None)
        for who in (client, staff_client):
            if who is None:
                continue
            response = who.post(path, data=NAMELESS_PART, content_type="multipart/form-data; boundary=XX")
            assert response.status_code < 500, (rule.rule, response.status_code)
            walked += 1
    assert walked >= 2 * 40


def test_the_read_form_holds_only_named_fields(app):
    with app.test_request_context(
        "/report", method="POST", data=NAMELESS_PART, content_type="multipart/form-data; boundary=XX"
    ) as ctx:
        assert list(ctx.request.form.items(multi=True)) == [("what_happened", "He hit me.")]
        assert list(ctx.request.files) == []


# Entry numbers of a list of subforms (``web.forms.ListField``) that are no entry: digits that
# int() refuses (superscript, circled, too many), other scripts' digits, signs and nothing.
ENTRY_KEYS = ["²", "①", "9" * 5000, "٣", "-1", "+1", "1_0", " 1", "", "99999"]


@pytest.mark.parametrize("index", ENTRY_KEYS, ids=[repr(k[:8]) for k in ENTRY_KEYS])
def test_a_subform_entry_number_that_names_no_entry_is_left_out(app, staff, index):
    admin = staff["admin"]
    response = admin.post(
        "/admin/help",
        data={
            "emergency": "999",
            f"services-{index}-name": "Typed by the admin",
            "services-0-name": "Basis Yorkshire",
            "csrf_token": csrf(admin, "/admin/help"),
        },
    )
    assert response.status_code < 500, response.status_code
    assert admin.get("/admin/help").status_code == 200


# Host headers Werkzeug refuses (a label over 63 characters, an empty label, a name too long): no
# address of the site can be made for the error page.
BAD_HOSTS = ["a" * 64, "a..b", "x" * 3000, "a." + "b" * 64 + ".org", ".", "a..", "..b"]


@pytest.mark.parametrize("host", BAD_HOSTS, ids=[repr(h[:10]) for h in BAD_HOSTS])
def test_a_host_the_server_refuses_is_a_plain_400_page(app, host):
    from werkzeug.test import create_environ

    for path in ("/", "/report", "/api/v1/reports", "/no-such-page"):
        environ = create_environ(path, "http://localhost/")
        environ["HTTP_HOST"] = host
        started: list[str] = []

        def start(status, _headers, _exc_info=None, started=started):
            started.append(status)

        body = b"".join(app.wsgi_app(environ, start))
        assert started[0].startswith("400"), (host[:20], path, started)
        assert b"Traceback" not in body
