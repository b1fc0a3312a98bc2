"""``demo seed`` makes a usable development installation: keys, three reports, one login per role,
and a project that covers every area with an email address, so a demo alert has somewhere to go.
``--if-new`` leaves an installation that is already set up alone. The demo coordinator can
publish the prefilled alert of every demo report as it stands (nothing in the demo data trips the
anonymity check), and each reaches the demo project's email address."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.support import staff
from ugly_mugs.demo import seed
from ugly_mugs.models import Account, Area, Delivery, Project, ProjectArea, ProjectChannel, Report


def invoke(app, runner, *args: str):
    with app.app_context():
        return runner.invoke(args=list(args))


def test_demo_seed_makes_reports_logins_and_a_project_that_receives_alerts(app, runner, db_session):
    result = invoke(app, runner, "demo", "seed")
    assert result.exit_code == 0, result.output
    assert result.output.count("receipt code") == 3
    assert "TOTP secret" in result.output
    assert db_session.scalar(select(func.count()).select_from(Report)) == 3
    roles = set(db_session.scalars(select(Account.role)))
    assert roles == {"admin", "coordinator", "outreach", "project_member", "police"}
    project = db_session.scalar(select(Project))
    covered = set(db_session.scalars(select(ProjectArea.area_id).where(ProjectArea.project_id == project.id)))
    assert covered == set(db_session.scalars(select(Area.id)))
    channel = db_session.scalar(select(ProjectChannel).where(ProjectChannel.project_id == project.id))
    assert (channel.kind, channel.active) == ("email", True)

    again = invoke(app, runner, "demo", "seed", "--if-new")
    assert again.exit_code == 0 and "already set up" in again.output
    assert db_session.scalar(select(func.count()).select_from(Report)) == 3


def test_the_demo_coordinator_publishes_each_demo_reports_alert_as_prefilled(app, db_session, clock):
    """What a newcomer does first: log in as the demo coordinator, start an alert from a demo
    report and publish it unchanged. The anonymity check passes and the demo project's email
    address gets a delivery each time."""
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        seeded = seed.seed(session, app.config["AREAS"], app.config["CATEGORIES"], app.config["POLICE_UNITS"])
        session.commit()
    demo = next(login for login in seeded.logins if login.role == "coordinator")
    client = app.test_client()
    assert (
        staff.login(client, staff.StaffUser(0, demo.username, demo.role, demo.password, demo.totp_secret)).status_code
        == 302
    )
    for filed in seeded.reports:
        page = f"/coordinator/reports/{filed.reference}"
        started = client.post(f"{page}/alerts", data={"csrf_token": staff.csrf(client, page)})
        assert started.status_code == 302, started.get_data(as_text=True)
        alert = started.headers["Location"]
        shown = staff.form_values(client.get(alert).get_data(as_text=True), "draft-form")
        published = client.post(f"{alert}/publish", data=shown)
        assert published.status_code == 302, published.get_data(as_text=True)
    db_session.expire_all()
    targets = db_session.scalars(select(ProjectChannel.target).join(Delivery, Delivery.channel_id == ProjectChannel.id))
    assert list(targets) == [seed.PROJECT_EMAIL] * len(seeded.reports)
