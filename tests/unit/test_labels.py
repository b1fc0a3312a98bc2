"""Each set of codes is declared once with its labels, and every reader uses that declaration:
a label map that misses a code (or names one that does not exist) fails here, and so does a
second spelling of the roles."""

from __future__ import annotations

import click
import pytest

from ugly_mugs import cli, consent
from ugly_mugs.models import people
from ugly_mugs.reports import statuses
from ugly_mugs.web import access

LABEL_MAPS = [
    ("roles", people.ROLES, people.ROLE_LABELS),
    ("statuses", statuses.ALL, statuses.LABELS),
    ("consent labels", consent.LEVELS, consent.LABELS),
    ("consent explanations", consent.LEVELS, consent.EXPLANATIONS),
    ("consent, reporter's words", consent.LEVELS, consent.REPORTER_WORDING),
    ("consent, outreach worker's words", consent.LEVELS, consent.OUTREACH_WORDING),
]


@pytest.mark.parametrize(("codes", "labels"), [(c, m) for _, c, m in LABEL_MAPS], ids=[n for n, _, _ in LABEL_MAPS])
def test_every_code_has_one_non_empty_label(codes, labels):
    assert set(labels) == set(codes)
    assert all(isinstance(text, str) and text.strip() for text in labels.values())
    assert len(set(labels.values())) == len(labels), "two codes read the same"


def test_project_roles_are_roles():
    assert set(people.PROJECT_ROLES) <= set(people.ROLES)


def test_access_rules_and_command_line_read_the_one_list_of_roles():
    assert access.ALL_STAFF is people.ROLES
    role = next(p for p in cli.accounts_create.params if p.name == "role")
    assert isinstance(role.type, click.Choice)
    assert tuple(role.type.choices) == people.ROLES


def test_the_admin_form_offers_every_role_with_its_label():
    from ugly_mugs.admin.forms import AccountForm

    offered = [(choice.value, choice.label) for choice in AccountForm.role.kwargs["choices"]]
    assert offered == [(r, people.ROLE_LABELS[r]) for r in people.ROLES]
