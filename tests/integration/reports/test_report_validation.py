"""The JSON API's plain validator (``reports.intake``) reads a report exactly as the web form
(WTForms, ``reporting.forms``) does: on generated form values, the same answers, the same
messages in the same order, and the same report to file. Both are built from the one field
declaration; this proves the API, which runs no form, did not drift from the pages.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from ugly_mugs.reporting import forms
from ugly_mugs.reports import fields, intake

TODAY = date.today()
ODD_TEXT = st.sampled_from(["", "   ", "\t\n", "\x00", "\x00 x", " x ", "x" * 200, "x" * 201, "x" * 10_001])
SPELLINGS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d/%m/%y", "%d-%m-%Y", "%m/%d/%Y")
DATES = st.one_of(
    st.builds(
        date.strftime,
        st.dates(min_value=TODAY - timedelta(days=4000), max_value=TODAY + timedelta(days=30)),
        st.sampled_from(SPELLINGS),
    ),
    st.sampled_from(["", " ", "31/02/2026", "2026-13-01", "yesterday", "20/11/2026 "]),
)


ITEM = st.one_of(st.sampled_from(["07700 900123", "a@b.example", "x" * 201]), st.text(max_size=8))
LIST_TEXT = st.builds(str.join, st.sampled_from(["\n", ",", "; "]), st.lists(ITEM, max_size=24))


def _value(declared: fields.Field, codes: dict[str, list[str]]):
    """A strategy for what a browser or an API client might send for ``declared``."""
    if declared.kind == fields.DATE:
        return DATES
    if declared.kind in (fields.SELECT, fields.RADIO):
        offered = codes.get(declared.choices_from) or [v for v, _ in declared.choices]
        return st.one_of(st.sampled_from([*offered, "", " ", "nope", offered[0].upper()]), st.text(max_size=4))
    if declared.kind == fields.CHECKBOXES:
        return st.lists(st.sampled_from([*codes[declared.choices_from], "", "nope", "zz"]), max_size=4)
    if declared.kind == fields.LIST:
        return st.one_of(LIST_TEXT, ODD_TEXT)
    return st.one_of(ODD_TEXT, st.text(max_size=40))


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_the_api_validator_reads_a_report_as_the_form_does(app, data):
    config = app.config
    codes = {fields.AREAS: [a.code for a in config["AREAS"]], fields.CATEGORIES: [c.code for c in config["CATEGORIES"]]}
    sent = [f for f in fields.REPORT_FIELDS if data.draw(st.booleans())]
    values = {f.name: data.draw(_value(f, codes), label=f.name) for f in sent}
    formdata = MultiDict()
    for name, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            formdata.add(name, item)

    with app.test_request_context("/api/v1/reports"):  # English, as the API always is
        form = forms.ReportForm(formdata, areas=config["AREAS"], categories=config["CATEGORIES"])
        valid = form.validate()
        form_errors = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
        answers, errors = intake.validate(values, codes)

    assert list(errors.items()) == list(form_errors.items())
    assert answers == {f.name: form.data[f.name] for f in fields.REPORT_FIELDS}
    assert valid == (not errors)
    if valid:
        assert intake.new_report(answers, "ro") == forms.to_new_report(form, "ro")
