"""Reporter pages: thin views over ``service``; no crypto and no SQL here.

Every page is public, sets no cookie and keeps the receipt code out of URLs: it travels
only in POST bodies. A report that cannot be saved is always shown back, filled in.
"""

from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ugly_mugs.consent import reporter as consent_reporter
from ugly_mugs.reporting import forms, lookup
from ugly_mugs.reports import erasure, idempotency, messages, photos, receipts
from ugly_mugs.reports import filing as service
from ugly_mugs.web import database, errors, filing, form_token, helplines, i18n, throttling
from ugly_mugs.web.access import public
from ugly_mugs.web.boundary import accepts_photos

bp = Blueprint("reporting", __name__)

REPORT_FORM = "report"
# How long after filing the same page sent again shows its receipt code again (a second press,
# a retry after a lost answer); after that, whoever sends it again (Back, Reload on a shared
# phone) learns only that the report was received: the code is hers, shown once.
CODE_SHOWN_AGAIN_SECONDS = 120
RECEIPT_FORM = "receipt"
SWITCH_LANGUAGE = i18n.SWITCH_LANGUAGE

# What service.ReportError may say (only after tampered input), so the catalogs hold it.
SERVICE_MESSAGES = (
    _l("Choose what may be passed to the police."),
    _l("Say who the report is for."),
    _l("One of the chosen kinds of incident is not known here."),
    _l("Choose the area where it happened."),
    _l("Unknown part of the report."),
    # What reports.messages may say to her (a deleted report, a full conversation).
    _l("Write the message first."),
    _l("This report was deleted."),
    _l("This conversation is full."),
)


UNAVAILABLE = _l(
    "We could not reach our records just now. Nothing you typed has been lost: "
    "please press the button again in a few minutes."
)
# The receipt actions and the form each shows back (in reporting/try_again.html) when its work fails.
_ACTION_FORMS = {
    "reporting.add_information": ("add", lambda data: forms.AddInformationForm(data)),
    "reporting.change_consent": ("consent", lambda data: forms.ConsentForm(data)),
    "reporting.erase": ("erase", lambda data: forms.EraseForm(data)),
    "reporting.reply": ("reply", lambda data: forms.ReplyForm(data)),
}


def _unavailable(_exc):
    """Any page of the reporter's whose work meets a database that does not answer (or refuses
    to write: read-only during a failover) or a missing key: 503, and the page's form shown back
    with everything typed in it and a fresh token, so pressing the button again later works."""
    posted = request.form if request.method == "POST" else None
    notice = str(UNAVAILABLE)
    if request.endpoint in REPORT_PAGES:
        return errors.unavailable(_show_form(_report_form(posted), notice, slots=_posted_slots()))
    if request.endpoint == "reporting.add_more":
        return errors.unavailable(_more_page(forms.AddMoreForm(posted), notice))
    if request.endpoint in _ACTION_FORMS:
        which, make = _ACTION_FORMS[request.endpoint]
        page = render_template(
            "reporting/try_again.html", which=which, form=make(posted), notice=notice, token=_token(RECEIPT_FORM)
        )
        return errors.unavailable(page)
    page = render_template(
        "reporting/receipt_enter.html", form=forms.ReceiptForm(posted), token=_token(RECEIPT_FORM), notice=notice
    )
    return errors.unavailable(page)


@bp.app_context_processor
def _help_box():
    """``help_lines()`` for the help box (``_help.html``) of any page that shows it."""
    return {"help_lines": helplines.shown}


for _fault in database.UNAVAILABLE:
    bp.register_error_handler(_fault, _unavailable)


@bp.before_request
def _refuse_cross_site_posts():
    if request.method == "POST" and form_token.is_cross_site(
        request.headers.get("Sec-Fetch-Site"),
        request.headers.get("Origin"),
        request.host_url,
    ):
        abort(403)


def _token(name: str) -> str:
    return form_token.issue(form_token.keys(current_app.config), name)


def _token_state(name: str) -> form_token.TokenState:
    cfg = current_app.config
    return form_token.check(
        form_token.keys(cfg),
        name,
        request.form.get("form_token"),
        cfg["FORM_TOKEN_MAX_AGE"],
    )


# The two report forms: the quick report first, the full one for whoever wants to say everything.
# Endpoint -> (name of the form class in ``forms``, looked up when asked; template).
REPORT_PAGES = {
    "reporting.report": ("ReportForm", "reporting/report.html"),
    "reporting.quick_report": ("QuickReportForm", "reporting/quick.html"),
}


def _report_form(formdata=None) -> forms.DeclaredForm:
    """The form of this request's report page (``REPORT_PAGES``), filled with ``formdata``."""
    cfg = current_app.config
    form_class, _template = REPORT_PAGES.get(request.endpoint, REPORT_PAGES["reporting.report"])
    return getattr(forms, form_class)(formdata, areas=cfg["AREAS"], categories=cfg["CATEGORIES"])


def _photo_limits() -> photos.Limits:
    return photos.Limits.from_config(current_app.config)


def _posted_slots() -> forms.PhotoSlots:
    """The photo slots of the posted form shown back: ticks kept, chosen files to be chosen again."""
    if request.method != "POST":
        return forms.photo_slots(_photo_limits())
    return forms.photo_slots(_photo_limits(), request.form, request.files)


def _show_form(
    form: forms.ReportForm,
    notice: str | None = None,
    status: int = 200,
    token: str | None = None,
    slots: forms.PhotoSlots | None = None,
):
    """The report form, filled with ``form``; a fresh token (with a new idempotency key) unless
    ``token`` is given (the same page shown again, so that pressing Send files it once). A form
    shown back after a post keeps her photo ticks and asks for the photos again."""
    token = token or form_token.issue(form_token.keys(current_app.config), REPORT_FORM, with_key=True)
    slots = slots or _posted_slots()
    _form_class, template = REPORT_PAGES.get(request.endpoint, REPORT_PAGES["reporting.report"])
    return (
        render_template(template, form=form, token=token, notice=notice, photo_slots=slots),
        status,
    )


def _form_attempt(photo_digests: list[str]) -> idempotency.Attempt | None:
    """The idempotency attempt of this report form post, from the key in its token (None for a
    token issued before keys): the same page sent twice has the same key and fields."""
    secret = current_app.config["SECRET_KEY"]
    token = request.form.get("form_token")
    key = form_token.key_of(form_token.keys(current_app.config), token)
    if key is None or not idempotency.valid_key(key):
        return None
    # The photos count too (by digest): the same page sent again with other photos is another report.
    fields = [(k, v) for k, v in request.form.items(multi=True) if k != "form_token"]
    body = idempotency.canonical_form([*fields, *((forms.PHOTO_FIELD, d) for d in photo_digests)])
    return idempotency.Attempt.of(secret.encode(), idempotency.FORM, key, body)


@bp.get("/")
@public
def index():
    return render_template("reporting/index.html")


@bp.route("/report", methods=["GET", "POST"])
@accepts_photos
@public
def report():
    """The full report form, with photos."""
    return _report_page()


@bp.route("/report/quick", methods=["GET", "POST"])
@public
def quick_report():
    """The quick report: when, where, what he did, a line about him, a number or plate, consent.
    Filed, checked and kept like the full form; the rest is added later on the same receipt."""
    return _report_page()


def _report_page():
    """The report page of this request (``REPORT_PAGES``): shown (GET), or filed (POST)."""
    if request.method == "GET":
        return _show_form(_report_form())
    form = _report_form(request.form)
    if SWITCH_LANGUAGE in request.form:
        # The switcher sent what was typed to this page in another language (``?lang=`` of its
        # button): shown back as it was, not checked and not filed, with a fresh token.
        return _show_form(form, _("Nothing has been sent yet. Everything you typed is still here."))
    if _token_state(REPORT_FORM) is not form_token.TokenState.VALID:
        form.validate()
        return _show_form(
            form,
            _("Nothing has been sent yet. Please check your report and press Send again."),
            400,
        )
    valid = form.validate()
    read = forms.read_photos(_photo_limits(), request.form, request.files, request.photos_over_limit)
    if not valid or read.slots.error:
        return _show_form(
            form,
            _("Please fix the points marked below. Nothing you typed has been lost."),
            400,
            slots=read.slots,
        )
    attempt = _form_attempt(read.digests)
    if attempt is None:
        return _file(form, None, read.photos)
    try:
        with idempotency.holding(database.session(), attempt):
            return _file(form, attempt, read.photos)
    except idempotency.InFlight:
        # A second press while the first is being saved: the same page and token again, so that
        # pressing Send once more shows the receipt of the one report.
        return _show_form(
            form,
            _("Your report is still being sent. Wait a few seconds, then press Send again: it will not be sent twice."),
            409,
            token=request.form.get("form_token"),
        )


def _replayed(form: forms.ReportForm, attempt: idempotency.Attempt):
    """The receipt page of the report this page already filed, the form back for a page sent
    again with other answers, or None if it was not sent before."""
    try:
        answer = idempotency.replay(database.session(), attempt)
    except idempotency.Mismatch:
        return _show_form(
            form,
            _(
                "This page was already sent once, with other answers. Nothing new has been sent: "
                "if this is another report, press Send again."
            ),
            409,
        )
    if answer is None:
        return None
    if answer.shown_until is not None and time.time() > answer.shown_until:
        # Sent again later — Back or Reload on a shared phone, perhaps by someone else: the
        # report stands and nothing is filed twice, but its code is not shown a second time.
        return render_template("reporting/receipt.html", filed=answer, code_withheld=True)
    return render_template("reporting/receipt.html", filed=answer, token=_token(RECEIPT_FORM))


def _too_many(form: forms.ReportForm, seconds: int):
    return _show_form(
        form,
        _(
            "Too many reports are being sent just now. Nothing you typed has been lost: "
            "please press Send again in %(minutes)s minutes.",
            minutes=max(1, -(-seconds // 60)),
        ),
        429,
    )


def _answer(filed: service.Filed) -> idempotency.Answer:
    """What a retry of this filing is answered with: a second press, or a retry after a lost
    answer, within a short while shows the code again; later, only that the report was received
    (``_replayed``)."""
    return idempotency.Answer(filed.reference, filed.receipt_code, time.time() + CODE_SHOWN_AGAIN_SECONDS)


def _file(form: forms.ReportForm, attempt: idempotency.Attempt | None, cleaned: list[photos.Photo]):
    session = database.session()
    if attempt is not None:
        replayed = _replayed(form, attempt)
        if replayed is not None:
            return replayed
    # Past the limits already: refused before anything is encrypted. Otherwise the filing is
    # counted once it is ready to be stored, so the count's lock is held only while it is stored.
    refused = throttling.filing_refused_already()
    if refused is not None:
        session.commit()
        return _too_many(form, refused)
    try:
        new = forms.to_new_report(form, language=i18n.current().locale)
        new.photos = cleaned
        filed = filing.file_within_limits(
            session, new, {c.code for c in current_app.config["CATEGORIES"]}, attempt, _answer
        )
        session.commit()
        if isinstance(filed, int):
            return _too_many(form, filed)
    except service.ReportError as exc:
        session.rollback()
        return _show_form(form, _("%(problem)s Nothing you typed has been lost.", problem=_(str(exc))), 400)
    except idempotency.Conflict:
        # Another process saved this page first: its report stands, this one was rolled back.
        session.rollback()
        return _replayed(form, attempt) or _show_form(form, status=409, token=request.form.get("form_token"))
    except database.UNAVAILABLE:
        session.rollback()
        current_app.logger.error("a report could not be saved; the form was shown back to the reporter")
        return _show_form(
            form,
            _(
                "We could not save your report just now. Nothing you typed has been lost: "
                "please press Send again in a few minutes."
            ),
            503,
        )
    return render_template("reporting/receipt.html", filed=filed, token=_token(RECEIPT_FORM))


@bp.route("/receipt", methods=["GET", "POST"])
@public
def receipt():
    """Enter a receipt code (GET), then see the report's status and what can be done (POST)."""
    if request.method == "GET":
        return render_template(
            "reporting/receipt_enter.html",
            form=forms.ReceiptForm(),
            token=_token(RECEIPT_FORM),
        )
    form = forms.ReceiptForm(request.form)
    if not form.validate() or _token_state(RECEIPT_FORM) is not form_token.TokenState.VALID:
        return render_template("reporting/receipt_enter.html", form=form, token=_token(RECEIPT_FORM)), 400
    found = lookup.open_report(form.receipt_code.data)
    if isinstance(found, lookup.Refusal):
        return _refused(form, found)
    return _status_page(found, form.receipt_code.data)


def _refused(form: forms.ReceiptForm, refusal: lookup.Refusal):
    form.receipt_code.errors = [_(refusal.message)]
    return render_template("reporting/receipt_enter.html", form=form, token=_token(RECEIPT_FORM)), refusal.status


def _status_page(
    report,
    code: str,
    notice: str | None = None,
    add_form=None,
    consent_form=None,
    erase_form=None,
    reply_form=None,
    status=200,
):
    session = database.session()
    state = receipts.status_of(session, report)
    conversation = messages.for_reporter(session, report, code)
    news = messages.has_news_for_reporter(report)
    # She has now been shown the conversation; a report filed before messages gets her key.
    messages.ensure_receipt_key(report, code)
    messages.seen_by_reporter(report)
    try:
        session.commit()
    except database.UNAVAILABLE:
        # Only the "you have a message" mark is lost: it shows again next time.
        session.rollback()
    reply_form = reply_form or forms.ReplyForm(data={"receipt_code": code})
    add_form = add_form or forms.AddInformationForm(data={"receipt_code": code})
    consent_form = consent_form or forms.ConsentForm(data={"receipt_code": code, "consent_level": state.consent_level})
    erase_form = erase_form or forms.EraseForm(data={"receipt_code": code})
    return (
        render_template(
            "reporting/status.html",
            state=state,
            notice=notice,
            add_form=add_form,
            consent_form=consent_form,
            erase_form=erase_form,
            reply_form=reply_form,
            conversation=conversation,
            news=news,
            token=_token(RECEIPT_FORM),
        ),
        status,
    )


def _kept_notice(refusal: lookup.Refusal) -> str:
    """The refusal of a receipt action whose form is shown back filled in."""
    return _("%(problem)s Nothing you typed has been lost.", problem=_(refusal.message))


def _action_refused(form, refusal: lookup.Refusal):
    """A receipt action refused before its code opened the report (too many wrong codes from her
    connection, the report deleted meanwhile): the action's own form shown back with what she
    typed in it, the refusal's status (429 keeps its Retry-After) and a fresh token, as when the
    database does not answer (``_unavailable``). Nothing of it is stored or logged."""
    which, _make = _ACTION_FORMS[request.endpoint]
    if which == "erase" and refusal.message == lookup.ERASED:
        # Deleted already (Delete pressed again, or by the scheme meanwhile): what she asked for.
        return render_template("reporting/erased.html"), refusal.status
    page = render_template(
        "reporting/try_again.html", which=which, form=form, notice=_kept_notice(refusal), token=_token(RECEIPT_FORM)
    )
    return page, refusal.status


def _receipt_action(form_class, action):
    form = form_class(request.form)
    found = lookup.open_report(form.receipt_code.data or "")
    if isinstance(found, lookup.Refusal):
        return _action_refused(form, found)
    code = form.receipt_code.data
    forms_kw = {form_class.__name__: form}
    kw = {
        "add_form": forms_kw.get("AddInformationForm"),
        "consent_form": forms_kw.get("ConsentForm"),
        "erase_form": forms_kw.get("EraseForm"),
        "reply_form": forms_kw.get("ReplyForm"),
    }
    if _token_state(RECEIPT_FORM) is not form_token.TokenState.VALID:
        form.validate()
        return _status_page(
            found,
            code,
            _("Nothing has been changed yet. Please press the button again."),
            status=400,
            **kw,
        )
    if not form.validate():
        return _status_page(found, code, _("Please fix the point marked below."), status=400, **kw)
    session = database.session()
    try:
        result = action(session, found, code, form)
        session.commit()
    except database.UNAVAILABLE:
        session.rollback()
        current_app.logger.error("a receipt action could not be saved")
        return _status_page(
            found,
            code,
            _("We could not save that just now. Please try again."),
            status=503,
            **kw,
        )
    return result


@bp.post("/receipt/add")
@public
def add_information():
    def action(session, report, code, form):
        receipts.add_information(session, report, code, form.additions())
        return _status_page(report, code, _("Thank you. What you added has been saved."))

    return _receipt_action(forms.AddInformationForm, action)


def _more_page(form: forms.AddMoreForm, notice: str | None = None, status: int = 200):
    """The "add more" page: the rest of the report's questions, her code hidden in the form."""
    return render_template("reporting/more.html", form=form, notice=notice, token=_token(RECEIPT_FORM)), status


@bp.post("/receipt/more")
@public
def add_more():
    """The rest of the report, added to the same report with her receipt code: opened from the
    receipt page or the status page (``open`` in the form), then saved like any addition, its
    details withheld and sealed as filing does (``receipts.add_information``)."""
    form = forms.AddMoreForm(request.form)
    found = lookup.open_report(form.receipt_code.data or "")
    if isinstance(found, lookup.Refusal):
        if "open" in request.form:  # nothing typed yet: the receipt code page says why
            return _refused(forms.ReceiptForm(request.form), found)
        return _more_page(form, _kept_notice(found), found.status)
    code = form.receipt_code.data
    if "open" in request.form:
        return _more_page(forms.AddMoreForm(data={"receipt_code": code}))
    if SWITCH_LANGUAGE in request.form:
        return _more_page(form, _("Nothing has been sent yet. Everything you typed is still here."))
    if _token_state(RECEIPT_FORM) is not form_token.TokenState.VALID:
        form.validate()
        return _more_page(form, _("Nothing has been changed yet. Please press the button again."), 400)
    if not form.validate():
        return _more_page(form, _("Please fix the points marked below. Nothing you typed has been lost."), 400)
    session = database.session()
    try:
        receipts.add_information(session, found, code, form.additions())
        session.commit()
    except database.UNAVAILABLE:
        session.rollback()
        current_app.logger.error("a receipt action could not be saved")
        return _more_page(form, str(UNAVAILABLE), 503)
    return _status_page(found, code, _("Thank you. What you added has been saved."))


@bp.post("/receipt/consent")
@public
def change_consent():
    def action(session, report, code, form):
        consent_reporter.change(session, report, code, form.consent_level.data)
        return _status_page(report, code, _("Your choice has been saved. It applies from now on."))

    return _receipt_action(forms.ConsentForm, action)


@bp.post("/receipt/delete")
@public
def erase():
    def action(session, report, code, form):
        erasure.erase(session, report, erasure.BY_REPORTER)
        return render_template("reporting/erased.html")

    return _receipt_action(forms.EraseForm, action)


@bp.post("/receipt/reply")
@public
def reply():
    """Her answer to the scheme's messages, with her receipt code."""

    def action(session, report, code, form):
        try:
            messages.reply(session, report, code, form.answer.data)
        except messages.MessageError as exc:
            session.rollback()
            form.answer.errors = [_(str(exc))]
            return _status_page(report, code, _("Please fix the point marked below."), reply_form=form, status=400)
        return _status_page(report, code, _("Thank you. Your answer has been sent."))

    return _receipt_action(forms.ReplyForm, action)
