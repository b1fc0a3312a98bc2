"""``demo seed`` makes a usable development installation: keys, three reports, one login per role,
and a project that covers every area with an email address, so a demo alert has somewhere to go.
``--if-new`` leaves an installation that is already set up alone."""

from __future__ import annotations

from sqlalchemy import func, select

from ugly_mugs.models import Account, Area, Project, ProjectArea, ProjectChannel, Report


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
