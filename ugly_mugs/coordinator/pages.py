"""The coordinators' blueprint and the report page, shared by the report views (``views``) and
the alert views (``alert_pages``), which both answer some of their requests with it."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from ugly_mugs import consent
from ugly_mugs.consent import staff as consent_staff
from ugly_mugs.coordinator import casework
from ugly_mugs.coordinator.forms import (
    ActionForm,
    DecisionForm,
    ErasureForm,
    MessageForm,
    NoteForm,
    PassOnForm,
    ReasonForm,
    StaffConsentForm,
    StatusForm,
)
from ugly_mugs.models import Report
from ugly_mugs.models.erasure import ERASURE_REASON_LABELS
from ugly_mugs.models.police import OUTCOME_LABELS
from ugly_mugs.reports import messages, reporter_types, statuses
from ugly_mugs.web import database
from ugly_mugs.web.access import current_account
from ugly_mugs.web.forms import typed_text

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")


def category_labels() -> dict[str, str]:
    """The configured kinds of incident: code → label."""
    return {c.code: c.label for c in current_app.config["CATEGORIES"]}


def report_or_404(reference: str) -> Report:
    report = casework.report_by_reference(database.session(), reference)
    if report is None:
        abort(404)
    return report


# The report page's forms of typed text, each offered only in some states of the report: one sent
# back after the report changed meanwhile (consent narrowed, passed on, deleted) is shown read-only.
_KEPT_HEADINGS = {
    "pass_form": "Your covering note for the police",
    "note_form": "Your case note",
    "message_form": "Your message to the reporter",
}


def report_response(
    report: Report,
    *,
    pair=None,
    opened=None,
    conversation=None,
    passed_messages=(),
    status: int = 200,
    notice: str | None = None,
    **forms,
):
    """The report page as (html, status). ``pair``: the scheme key the caller already opened, to
    read notes with; ``opened``: what the caller just read (an audited read); ``conversation``:
    the messages with the reporter read with it (also audited); ``forms``: a form
    sent back with its errors, by its name in the template (``reason_form``, ``status_form``…)."""
    page = casework.report_page(database.session(), report, current_account(), pair, opened)
    can_message = messages.can_write_to(report)
    offered = {"pass_form": page.can_pass, "note_form": report.status != statuses.ERASED, "message_form": can_message}
    kept = [
        (_KEPT_HEADINGS[name], fields)
        for name, shown in offered.items()
        if not shown and forms.get(name) is not None and (fields := typed_text(forms[name]))
    ]
    return (
        render_template(
            "coordinator/report.html",
            **vars(page),
            kept=kept,
            outcome_labels=OUTCOME_LABELS,
            status_labels=statuses.LABELS,
            reporter_labels=reporter_types.LABELS,
            consent_words=consent.EXPLANATIONS,
            given_by_labels=consent_staff.GIVEN_BY_LABELS,
            category_labels=category_labels(),
            me=current_account(),
            reason_form=forms.get("reason_form") or ReasonForm(),
            pass_form=forms.get("pass_form") or PassOnForm(),
            consent_form=forms.get("consent_form") or StaffConsentForm(data={"level": report.consent_level}),
            decision_form=DecisionForm(),
            status_form=forms.get("status_form") or StatusForm(data={"status": report.status}),
            note_form=forms.get("note_form") or NoteForm(),
            erasure_form=forms.get("erasure_form") or ErasureForm(),
            message_form=forms.get("message_form") or MessageForm(),
            conversation=conversation,
            passed_messages=passed_messages,
            can_message=can_message,
            erasure_reasons=ERASURE_REASON_LABELS,
            action_form=ActionForm(),
            notice=notice,
        ),
        status,
    )
