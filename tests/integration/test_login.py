"""Two-factor login: first login enrols the authenticator, later logins need password and a
fresh code; a code is never accepted twice; failures look the same whatever failed."""

from __future__ import annotations

from tests.staff import code_for, create, csrf, login


def test_first_login_enrols_then_logs_in(app, client, passphrase, clock):
    user = create(app, "carla", "coordinator")
    response = login(client, user)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/keys")
    assert client.get("/staff/keys").status_code == 200


def test_code_cannot_be_replayed_after_logout(app, client, passphrase, clock):
    user = create(app, "olga", "outreach", project="Basis")
    code = code_for(user.secret)
    assert login(client, user, code).status_code == 302
    token = csrf(client, "/outreach/reports")
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/outreach/reports").status_code == 302
    response = login(client, user, code)
    assert response.status_code == 401
    assert "The username, password or code is not right." in response.get_data(as_text=True)
