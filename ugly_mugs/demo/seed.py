"""Demonstration data: the installation's keys, three example reports, one login per staff role,
and a project that covers every area and receives alerts by email (in the demo, at the local
mail sink of ``ugly_mugs.demo.serve``). No Flask: the command line prints what this returns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.delivery.channels import email as email_channel
from config import Choice, UnitSetting
from ugly_mugs import consent
from ugly_mugs.auth import accounts
from ugly_mugs.keys import groups, keystore
from ugly_mugs.models import Area, PoliceUnit, Project, ProjectArea, ProjectChannel
from ugly_mugs.models.people import PROJECT_ROLES, ROLE_LABELS
from ugly_mugs.reports.filing import Filed, NewReport, file_report

PROJECT_NAME = "Demo Project"
# The demo project's email channel: the worker sends each alert here, and the demo's mail sink
# catches every address, so no mail leaves the machine.
PROJECT_EMAIL = "alerts@demo-project.example"

# Who the demo reporter is: nothing of it may be in an alert, so it shares no word with what
# happened or with him (a name "Demo reporter" beside the plate "DEMO 123" would block every
# demo alert at the anonymity check).
REPORTER = {"name": "Jess", "contact": "jess@example.org"}
# (category, consent level, what happened), filed two, three and four days ago.
EXAMPLES = (
    ("physical-assault", consent.FULL_REPORT, "Punched me in the car and drove off."),
    ("refused-to-pay", consent.ALERT_ONLY, "Refused to pay and threatened me."),
    ("threats", consent.ANONYMOUS_INTELLIGENCE, "Followed me for three nights."),
)

# One login per role (username, role); the coordinator and the officer receive their group keys.
ROLES = (
    ("admin", "admin"),
    ("coordinator", "coordinator"),
    ("outreach", "outreach"),
    ("officer", "police"),
    ("project", "project_member"),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    password: str
    totp_secret: str  # base32, as an authenticator app (or pyotp, or ``oathtool --totp -b``) takes it


@dataclass(frozen=True)
class Seeded:
    passphrase: str  # the demo installation's recovery passphrase
    reports: list[Filed]
    logins: list[DemoLogin]


def seed(
    session: Session, areas: tuple[Choice, ...], categories: Iterable[Choice], units: tuple[UnitSetting, ...]
) -> Seeded:
    """Set the installation up and add the demo data; the caller commits.

    Raises ``keystore.SetupError`` when the installation is already set up.
    """
    passphrase = keystore.set_up(session, areas, units)
    codes = {c.code for c in categories}
    area_codes = [a.code for a in areas]
    reports = [
        file_report(
            session,
            NewReport(
                incident_date=date.today() - timedelta(days=2 + i),
                area_code=area_codes[i % len(area_codes)],
                categories=[category] if category in codes else [],
                consent_level=level,
                reporter_type="self",
                identity=dict(REPORTER),
                incident={"part_of_day": "night", "what_happened": what},
                perpetrator={"sex": "man", "vehicle": {"colour": "silver", "registration": "DEMO 123"}},
            ),
            codes,
        )
        for i, (category, level, what) in enumerate(EXAMPLES)
    ]
    return Seeded(passphrase, reports, _staff(session, passphrase))


def _staff(session: Session, passphrase: str) -> list[DemoLogin]:
    project = Project(name=PROJECT_NAME)
    session.add(project)
    session.flush()
    # Covers every area and has one email address, so a published demo alert has somewhere to go.
    session.add_all(ProjectArea(project_id=project.id, area_id=a) for a in session.scalars(select(Area.id)))
    session.add(ProjectChannel(project_id=project.id, kind=email_channel.KIND, target=PROJECT_EMAIL))
    unit_id = session.scalar(select(PoliceUnit.id).order_by(PoliceUnit.id))
    logins = []
    for username, role in ROLES:
        # Known passwords are for the demo only; real staff accounts are invitations (auth.invitations).
        password = accounts.generated_password()
        account, uri = accounts.create_account(
            session,
            username,
            f"Demo {ROLE_LABELS[role].lower()}",
            role,
            password,
            police_unit_id=unit_id if role == "police" else None,
            project_id=project.id if role in PROJECT_ROLES else None,
        )
        if groups.group_for(session, account) is not None:
            member = groups.invite(session, account, None)
            groups.claim_with_recovery(session, member, passphrase, None)
        logins.append(DemoLogin(username, role, password, parse_qs(urlsplit(uri).query)["secret"][0]))
    return logins
