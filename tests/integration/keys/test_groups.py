"""Key groups (DESIGN.md §4): an admin invites a coordinator; a coordinator who holds the scheme
key approves on the keys page, which seals it to the newcomer so that their personal key opens
it (a hybrid personal key, an HPKE seal); a coordinator without the key cannot approve. The
first coordinator receives the key with the recovery passphrase (a wrong one seals nothing).
Taking the key away or deactivating the account deletes the sealed copy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.staff import PASSWORD, create, csrf, grant, login
from ugly_mugs.auth import accounts
from ugly_mugs.crypto import sealing
from ugly_mugs.keys import groups, keystore
from ugly_mugs.models import Account, AuditEntry, GroupMembership


def memberships(app, user) -> list[GroupMembership]:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        rows = db.scalars(select(GroupMembership).where(GroupMembership.account_id == user.id)).all()
        db.expunge_all()
    return rows


def open_scheme_key(app, user, password: str = PASSWORD):
    """What the person's own password opens: their copy of the scheme key pair."""
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        account = db.get(Account, user.id)
        personal = accounts.unlock(account, password).personal
        scheme = keystore.scheme_key(db)
        return groups.open_group_key(db, account.id, personal, scheme.id), scheme.public_key


def invite(app, user) -> None:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        groups.invite(db, db.get(Account, user.id), None)
        db.commit()


def admin_action(admin_client, user, action: str):
    token = csrf(admin_client, f"/admin/accounts/{user.id}")
    return admin_client.post(f"/admin/accounts/{user.id}/{action}", data={"csrf_token": token})


def test_invited_coordinator_is_approved_by_a_key_holder(app, passphrase, clock):
    admin = create(app, "ada", "admin")
    holder = create(app, "carla", "coordinator")
    grant(app, holder, passphrase)
    keyless = create(app, "cora", "coordinator")
    invite(app, keyless)
    newcomer = create(app, "nina", "coordinator")
    admin_client, holder_client, keyless_client = app.test_client(), app.test_client(), app.test_client()
    for client, user in ((admin_client, admin), (holder_client, holder), (keyless_client, keyless)):
        assert login(client, user).status_code == 302

    assert admin_action(admin_client, newcomer, "invite").status_code == 302
    [member] = memberships(app, newcomer)
    assert member.sealed is None and member.invited_by == admin.id
    with pytest.raises(groups.GroupError):
        open_scheme_key(app, newcomer)

    # Invited but holding no copy: cora is not asked, and a forged approval is refused.
    assert "nina" not in keyless_client.get("/staff/keys").get_data(as_text=True)
    token = csrf(keyless_client, "/staff/keys")
    assert keyless_client.post(f"/staff/keys/{member.id}/approve", data={"csrf_token": token}).status_code == 404
    assert memberships(app, newcomer)[0].sealed is None

    page = holder_client.get("/staff/keys").get_data(as_text=True)
    assert "Nina (nina)" in page and "Cora (cora)" in page
    # An approval without the CSRF token changes nothing.
    assert holder_client.post(f"/staff/keys/{member.id}/approve", data={}).status_code in (400, 404)
    assert memberships(app, newcomer)[0].sealed is None
    token = csrf(holder_client, "/staff/keys")
    response = holder_client.post(f"/staff/keys/{member.id}/approve", data={"csrf_token": token})
    assert response.status_code == 302
    [member] = memberships(app, newcomer)
    assert member.sealed is not None and member.approved_by == holder.id
    # A new person's key pair is hybrid, and the copy is an HPKE (version 2) seal to it.
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        assert sealing.kind_of(db.get(Account, newcomer.id).public_key) == sealing.HYBRID
    assert member.sealed[0] == sealing.SEAL_V2

    pair, scheme_public = open_scheme_key(app, newcomer)
    assert pair.public == scheme_public
    # The copy is sealed to nina's personal key alone: another person's key cannot open it.
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        carla_personal = accounts.unlock(db.get(Account, holder.id), PASSWORD).personal
        with pytest.raises(groups.GroupError):
            groups.open_group_key(db, newcomer.id, carla_personal, keystore.scheme_key(db).id)


def test_first_coordinator_receives_the_key_with_the_recovery_passphrase(app, passphrase, clock):
    carla = create(app, "carla", "coordinator")
    invite(app, carla)
    client = app.test_client()
    assert login(client, carla).status_code == 302
    page = client.get("/staff/keys").get_data(as_text=True)
    assert "Recovery passphrase" in page

    token = csrf(client, "/staff/keys")
    wrong = "AAAA-" + passphrase[5:] if not passphrase.startswith("AAAA") else "BBBB-" + passphrase[5:]
    response = client.post("/staff/keys/recover", data={"passphrase": wrong, "csrf_token": token})
    assert response.status_code == 400
    assert "That recovery passphrase does not open the keys." in response.get_data(as_text=True)
    assert memberships(app, carla)[0].sealed is None

    token = csrf(client, "/staff/keys")
    response = client.post("/staff/keys/recover", data={"passphrase": passphrase, "csrf_token": token})
    assert response.status_code == 302
    pair, scheme_public = open_scheme_key(app, carla)
    assert pair.public == scheme_public
    assert "You hold your group's key." in client.get("/staff/keys").get_data(as_text=True)
    # Once held, the form is gone.
    token = csrf(client, "/staff/keys")
    assert client.post("/staff/keys/recover", data={"passphrase": passphrase, "csrf_token": token}).status_code == 404


def test_removal_and_deactivation_delete_the_sealed_copy(app, passphrase, clock):
    admin = create(app, "ada", "admin")
    removed = create(app, "carla", "coordinator")
    deactivated = create(app, "dora", "coordinator")
    for user in (removed, deactivated):
        grant(app, user, passphrase)
        pair, scheme_public = open_scheme_key(app, user)
        assert pair.public == scheme_public
    admin_client = app.test_client()
    assert login(admin_client, admin).status_code == 302

    answer = admin_action(admin_client, removed, "remove-key")
    assert answer.status_code == 302
    # Rotation is advised at once: a copy the person kept would open every later report.
    page = admin_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'id="rotation-advised"' in page and "keys rotate scheme" in page
    assert memberships(app, removed) == []
    with pytest.raises(groups.GroupError):
        open_scheme_key(app, removed)

    answer = admin_action(admin_client, deactivated, "deactivate")
    assert answer.status_code == 302 and "rotate=keys" in answer.headers["Location"]
    assert memberships(app, deactivated) == []
    # Nothing held, nothing advised; the address cannot make the page say anything else.
    answer = admin_action(admin_client, removed, "remove-key")
    assert "rotate" not in answer.headers["Location"]
    page = admin_client.get(f"/admin/accounts/{removed.id}?rotate=run+rm+-rf&rotate=keys+rotate+unit+<b>")
    assert 'id="rotation-advised"' not in page.get_data(as_text=True)
    with pytest.raises(groups.GroupError):
        open_scheme_key(app, deactivated)


def test_resets_withdraw_the_copies_and_keep_the_invitation(app, passphrase, clock):
    admin = create(app, "ada", "admin")
    holder = create(app, "carla", "coordinator")
    grant(app, holder, passphrase)
    nina = create(app, "nina", "coordinator")
    grant(app, nina, passphrase)
    admin_client, nina_client = app.test_client(), app.test_client()
    assert login(admin_client, admin).status_code == 302
    assert login(nina_client, nina).status_code == 302

    for action in ("reset-two-factor", "invitation"):
        if action == "invitation":
            # Hold the key again first: only a holder's approval gives it back.
            holder_client = app.test_client()
            assert login(holder_client, holder).status_code == 302
            [member] = memberships(app, nina)
            token = csrf(holder_client, "/staff/keys")
            assert holder_client.post(f"/staff/keys/{member.id}/approve", data={"csrf_token": token}).status_code == 302
            assert memberships(app, nina)[0].sealed is not None
        assert admin_action(admin_client, nina, action).status_code in (200, 302)
        [member] = memberships(app, nina)
        assert member.sealed is None and member.approved_by is None, action
        assert nina_client.get("/staff/keys").status_code == 302, f"{action}: the session did not end"
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        account = db.get(Account, nina.id)
        # The password reset destroyed the key pair and everything wrapped under the password.
        assert (
            account.public_key == b"" and account.encrypted_private_key == b"" and account.recovery_private_key == b""
        )
        assert account.encrypted_totp_secret is None and not account.totp_confirmed
        assert accounts.open_with_password(account, PASSWORD) is None
        # Nothing can be sealed to it until the invitation is accepted.
        with pytest.raises(groups.GroupError, match="not accepted their invitation"):
            groups.claim_with_recovery(db, memberships(app, nina)[0], passphrase, None)
        actions = list(db.scalars(select(AuditEntry.action).where(AuditEntry.subject_account_id == nina.id)))
    assert actions.count("group_key_withdrawn") == 2
    assert "two_factor_reset" in actions and "password_reset" in actions
