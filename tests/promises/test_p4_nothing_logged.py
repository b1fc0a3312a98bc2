"""P4 inside the process: with every logger at DEBUG (SQLAlchemy's included), filing a report
and using its receipt code write no client address, user agent, receipt code or content.
The live-server counterpart in tests/e2e checks gunicorn's own logs.
"""

from __future__ import annotations

import logging
import re

from tests.promises.test_p1_stolen_database import canaries, full_report
from tests.support.app import form_token

ADDRESS = "203.0.113.77"
AGENT = "CanaryAgentZq/1.0"
ENV = {"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": AGENT}


def test_nothing_about_the_reporter_is_logged(client, passphrase, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    data = dict(full_report("Log"), form_token=form_token(client))
    page = client.post("/report", data=data, environ_base=ENV).get_data(as_text=True)
    code = re.search(r'id="receipt-code">([0-9A-Z-]+)<', page).group(1)
    api = client.post("/api/v1/reports", json=full_report("LogApi"), environ_base=ENV).get_json()
    token = form_token(client, "/receipt")
    client.post("/receipt", data={"receipt_code": code, "form_token": token}, environ_base=ENV)
    client.post(
        "/receipt/add",
        data={"receipt_code": code, "form_token": token, "more_incident": "LogAddedCanaryZq"},
        environ_base=ENV,
    )
    client.post("/api/v1/receipt/status", json={"receipt_code": api["receipt_code"]}, environ_base=ENV)
    client.post("/receipt", data={"receipt_code": "WRNG-C0DE-WRNG-C0DE-WRNG", "form_token": token}, environ_base=ENV)

    logged = caplog.text
    assert logged, "nothing was captured: the test would pass vacuously"
    secrets_ = [ADDRESS, AGENT, "LogAddedCanaryZq", "WRNGC0DE", "WRNG-C0DE"]
    for c in (code, api["receipt_code"]):
        secrets_ += [c, c.replace("-", "")]
    secrets_ += list(canaries("Log").values()) + list(canaries("LogApi").values())
    assert [s for s in secrets_ if s in logged] == []
