from tests.support.app import form_token, minimal_report


def test_report_then_status(client, passphrase):
    data = minimal_report(form_token=form_token(client))
    response = client.post("/report", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Your receipt code" in page
