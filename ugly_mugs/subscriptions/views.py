"""Subscription pages: sign up without an account, the code, stop, the alert a link opens; the
outreach worker's sign-up on the street; the coordinator's counts.

The public pages are reporter pages: five languages, no cookie, a signed form token and a refusal
of cross-site posts (as the report form), limited per client under a keyed hash of the address.
The outreach and coordinator pages are staff pages behind login with Flask-WTF's CSRF token.
Everything is off (404) unless ``UGLY_MUGS_SUBSCRIPTIONS`` is on. Thin: ``subscriptions.service``
does the work.
"""

from __future__ import annotations

from babel import Locale
from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ugly_mugs.subscriptions import contact, forms, links
from ugly_mugs.subscriptions import service as subs
from ugly_mugs.web import database, errors, form_token, throttling
from ugly_mugs.web.access import public, roles

bp = Blueprint("subscribe", __name__)
staff_bp = Blueprint("subscribe_staff", __name__)

SUBSCRIBE_FORM = "subscribe"
CODE_FORM = "subscribe-code"
STOP_FORM = "subscribe-stop"
PROBLEMS = {
    "empty": _l("Type a mobile number or an email address."),
    "long": _l("That is too long."),
    "unusable": _l("That does not look like a mobile number or an email address."),
    "not_mobile": _l(
        "We can only send texts to a mobile number. Premium-rate, free, short and landline numbers cannot be used."
    ),
    "kind": _l("That does not look like a mobile number or an email address."),
}
# "country" is said with the countries' names (``_problem``).
REFUSED = {
    "client": _l("Too many sign-ups from here for now. Please wait a while and try again."),
    "contact": _l("We have sent several codes to this number or address already. Please wait a while and try again."),
    "cost": _l("We cannot send more texts this month. Please sign up with an email address, or try again later."),
}
# What the coordinator's page calls each kind (staff pages are in English).
KIND_LABELS = {contact.SMS: "Text message", contact.EMAIL: "Email"}
UNAVAILABLE = _l("Signing up is not possible just now. Nothing was sent. Please try again later.")


def _unavailable(_exc):
    return errors.unavailable(render_template("subscriptions/message.html", heading=_("Sorry"), text=UNAVAILABLE))


for _fault in (*database.UNAVAILABLE, subs.SubscriptionsUnavailable):
    bp.register_error_handler(_fault, _unavailable)
    staff_bp.register_error_handler(_fault, _unavailable)


@bp.before_request
def _public_rules():
    if not current_app.config["SUBSCRIPTIONS"]:
        abort(404)
    if request.method == "POST" and form_token.is_cross_site(
        request.headers.get("Sec-Fetch-Site"), request.headers.get("Origin"), request.host_url
    ):
        abort(403)


@staff_bp.before_request
def _staff_rules():
    if not current_app.config["SUBSCRIPTIONS"]:
        abort(404)


def _token(name: str) -> str:
    return form_token.issue(form_token.keys(current_app.config), name)


def _token_valid(name: str) -> bool:
    cfg = current_app.config
    state = form_token.check(form_token.keys(cfg), name, request.form.get("form_token"), cfg["FORM_TOKEN_MAX_AGE"])
    return state is form_token.TokenState.VALID


def _problem(code: str) -> str:
    """What to tell her about a number or address that cannot be used, in her language."""
    if code == "country":
        names = Locale.parse(_current_locale()).territories
        countries = ", ".join(names.get(c, c) for c in subs.Limits.of(current_app.config).countries)
        return _(
            "We can only send texts to mobile numbers from %(countries)s. "
            "Please sign up with an email address instead.",
            countries=countries,
        )
    return str(PROBLEMS.get(code, PROBLEMS["unusable"]))


def _read_contact(raw: str) -> contact.Contact:
    kind = contact.EMAIL if "@" in (raw or "") else contact.SMS
    return contact.parse(kind, raw, current_app.config["PHONE_REGION"])


def _client_refused() -> bool:
    """Count this client's sign-up or stop (committed at once, whatever comes of it); True if refused."""
    refused = throttling.subscribe_refused() is not None
    database.session().commit()
    return refused


def _sign_up(form, page, code_page, staff: bool):
    """The work of both sign-up pages once the form is valid: limits, contact, service, the code page."""
    try:
        typed = _read_contact(form.contact.data)
    except contact.ContactError as exc:
        form.contact.errors = [_problem(exc.code)]
        return page(form, status=400)
    if not staff and _client_refused():
        return page(form, notice=REFUSED["client"], status=429)
    try:
        subs.sign_up(database.session(), typed, form.areas.data, form.language.data, subs.Limits.of(current_app.config))
    except contact.ContactError as exc:
        # A number of a country not allowed: refused before anything was counted or stored.
        form.contact.errors = [_problem(exc.code)]
        return page(form, status=400)
    except subs.Refused as exc:
        # Nothing but the limits' counters was written: kept, so a flood stays refused.
        database.session().commit()
        throttling.wait(exc.seconds)
        return page(form, notice=REFUSED[exc.what], status=429)
    except ValueError:
        form.areas.errors = [_("Choose at least one area.")]
        return page(form, status=400)
    database.session().commit()
    return code_page(typed.value, typed.kind)


# --- public pages -------------------------------------------------------------------------


def _subscribe_page(form, notice=None, status: int = 200):
    return (
        render_template("subscriptions/subscribe.html", form=form, token=_token(SUBSCRIBE_FORM), notice=notice),
        status,
    )


def _code_page(value: str, kind: str, form=None, notice=None, status: int = 200):
    form = form or forms.CodeForm(data={"contact": value})
    return (
        render_template(
            "subscriptions/code.html",
            form=form,
            token=_token(CODE_FORM),
            by_email=kind == contact.EMAIL,
            notice=notice,
            staff=False,
        ),
        status,
    )


def _areas():
    return current_app.config["AREAS"]


@bp.route("/alerts/subscribe", methods=["GET", "POST"])
@public
def subscribe():
    if request.method == "GET":
        return _subscribe_page(forms.SubscribeForm(areas=_areas(), data={"language": _current_locale()}))
    form = forms.SubscribeForm(request.form, areas=_areas())
    if not _token_valid(SUBSCRIBE_FORM):
        return _subscribe_page(form, notice=_("Nothing was sent yet. Please press the button again."), status=400)
    if not form.validate():
        return _subscribe_page(form, status=400)
    return _sign_up(form, _subscribe_page, _code_page, staff=False)


def _current_locale() -> str:
    from ugly_mugs.web import i18n

    return i18n.current().locale


@bp.post("/alerts/subscribe/code")
@public
def confirm():
    form = forms.CodeForm(request.form)
    kind = contact.EMAIL if "@" in (form.contact.data or "") else contact.SMS
    if not _token_valid(CODE_FORM):
        return _code_page(form.contact.data or "", kind, form, notice=_("Please press the button again."), status=400)
    if not form.validate():
        return _code_page(form.contact.data or "", kind, form, status=400)
    return _confirm(form, kind, staff=False)


def _confirm(form, kind: str, staff: bool):
    try:
        typed = _read_contact(form.contact.data)
    except contact.ContactError:
        abort(400)
    if subs.verify(database.session(), typed, form.code.data, subs.Limits.of(current_app.config)):
        database.session().commit()
        return render_template(
            "subscriptions/message.html",
            heading=_("You are signed up"),
            text=_(
                "You will get our warnings for the areas you chose. To stop them, reply STOP to a text, "
                "use the link in an email, or use the stop page."
            ),
            staff=staff,
        )
    database.session().commit()
    form.code.errors = [_("That code is not right, or it is too old. Check it, or sign up again for a new one.")]
    if staff:
        return _outreach_code_page(typed.value, kind, form, status=400)
    return _code_page(typed.value, kind, form, status=400)


def _stop_page(form, notice=None, status: int = 200, done: bool = False):
    return (
        render_template("subscriptions/stop.html", form=form, token=_token(STOP_FORM), notice=notice, done=done),
        status,
    )


@bp.route("/alerts/stop", methods=["GET", "POST"])
@public
def stop():
    if request.method == "GET":
        return _stop_page(forms.StopForm())
    form = forms.StopForm(request.form)
    if not _token_valid(STOP_FORM):
        return _stop_page(form, notice=_("Please press the button again."), status=400)
    if not form.validate():
        return _stop_page(form, status=400)
    try:
        typed = _read_contact(form.contact.data)
    except contact.ContactError as exc:
        form.contact.errors = [_problem(exc.code)]
        return _stop_page(form, status=400)
    if _client_refused():
        return _stop_page(form, notice=REFUSED["client"], status=429)
    subs.stop(database.session(), typed, subs.Limits.of(current_app.config))
    database.session().commit()
    # The same answer whether or not it was subscribed: the page tells nobody who is.
    return _stop_page(forms.StopForm(), done=True)


@bp.route("/alerts/stop/<string:token>", methods=["GET", "POST"])
@public
def stop_link(token: str):
    public_id = links.open_stop_token(form_token.keys(current_app.config), token)
    if public_id is None:
        abort(404)
    if request.method == "GET":
        # A mail scanner that opens links must not stop her alerts: stopping takes the button.
        return render_template("subscriptions/stop_link.html", token=_token(STOP_FORM))
    if not _token_valid(STOP_FORM):
        return render_template("subscriptions/stop_link.html", token=_token(STOP_FORM)), 400
    subs.stop_by_public_id(database.session(), public_id, subs.Limits.of(current_app.config))
    database.session().commit()
    form = forms.StopForm()
    return _stop_page(form, done=True)


@bp.get("/a/<string:token>")
@public
def alert(token: str):
    message_id = links.open_alert_token(form_token.keys(current_app.config), token)
    thread = subs.alert_thread(database.session(), message_id) if message_id is not None else None
    if not thread:
        return render_template(
            "subscriptions/message.html",
            heading=_("This link no longer works"),
            text=_("Links in our messages work for a few weeks. Ask your project for the current warnings."),
        ), 404
    return render_template("subscriptions/alert.html", thread=thread)


# --- staff pages --------------------------------------------------------------------------


def _outreach_page(form, notice=None, status: int = 200):
    return render_template("subscriptions/outreach.html", form=form, notice=notice), status


def _outreach_code_page(value: str, kind: str, form=None, notice=None, status: int = 200):
    form = form or forms.OutreachCodeForm(data={"contact": value})
    return (
        render_template(
            "subscriptions/code.html", form=form, token=None, by_email=kind == contact.EMAIL, notice=notice, staff=True
        ),
        status,
    )


@staff_bp.route("/outreach/subscribe", methods=["GET", "POST"])
@roles("outreach")
def outreach_subscribe():
    if request.method == "GET":
        return _outreach_page(forms.OutreachSubscribeForm(areas=_areas(), data={"language": "en"}))
    form = forms.OutreachSubscribeForm(request.form, areas=_areas())
    if not form.validate():
        return _outreach_page(form, status=400)
    return _sign_up(form, _outreach_page, _outreach_code_page, staff=True)


@staff_bp.post("/outreach/subscribe/code")
@roles("outreach")
def outreach_confirm():
    form = forms.OutreachCodeForm(request.form)
    kind = contact.EMAIL if "@" in (form.contact.data or "") else contact.SMS
    if not form.validate():
        return _outreach_code_page(form.contact.data or "", kind, form, status=400)
    return _confirm(form, kind, staff=True)


@staff_bp.get("/coordinator/subscribers")
@roles("coordinator")
def counts():
    return render_template("subscriptions/counts.html", counts=subs.counts(database.session()), labels=KIND_LABELS)
