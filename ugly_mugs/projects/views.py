"""Project pages: admins and coordinators manage projects; project staff print their sheet.

The one-time secrets (a new webhook's secret, a new feed token) are shown in the response to the
POST that made them, never stored readable in a session or a log.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, url_for

from alerts.delivery import render
from ugly_mugs.models import Project
from ugly_mugs.projects import service
from ugly_mugs.projects.forms import MemberForm, NewProjectForm, SettingsForm, channel_form
from ugly_mugs.web import database
from ugly_mugs.web.access import current_account, roles
from ugly_mugs.web.forms import ConfirmForm, options

bp = Blueprint("projects", __name__, url_prefix="/projects")

MANAGERS = ("admin", "coordinator")


def _actor() -> int:
    return current_account().id


def _project(project_id: int) -> Project:
    return service.project(database.session(), project_id) or abort(404)


@bp.route("", methods=["GET", "POST"])
@roles(*MANAGERS)
def list_projects():
    db = database.session()
    form = NewProjectForm()
    if form.validate_on_submit():
        try:
            project = service.create(db, form.name.data, _actor())
        except service.ProjectError as exc:
            db.rollback()
            form.name.errors = [str(exc)]
        else:
            db.commit()
            return redirect(url_for("projects.project", project_id=project.id))
    page = service.projects_page(db)
    return render_template(
        "projects/list.html",
        form=form,
        projects=page.projects,
        channel_counts=page.channel_counts,
        area_counts=page.area_counts,
        languages=page.languages,
    ), 400 if form.errors else 200


def _settings_form(page: service.ProjectPage, formdata: bool) -> SettingsForm:
    if formdata:
        form = SettingsForm()
    else:
        project = page.project
        form = SettingsForm(
            formdata=None,
            name=project.name,
            language=project.language,
            active=project.active,
            areas=sorted(page.area_ids),
        )
    form.areas.choices = page.areas
    return form


def _member_form(page: service.ProjectPage) -> MemberForm:
    form = MemberForm()
    form.account.choices = options(
        (str(a.id), f"{a.username} ({page.role_labels.get(a.role, a.role)})") for a in page.candidates
    )
    return form


def _page(project: Project, status: int = 200, page: service.ProjectPage | None = None, **extra):
    """The project page; ``extra`` holds the form shown back with its errors, or a one-time secret."""
    page = page or service.project_page(database.session(), project)
    return render_template(
        "projects/project.html",
        project=page.project,
        role_labels=page.role_labels,
        settings=extra.pop("settings", None) or _settings_form(page, formdata=False),
        member_form=extra.pop("member_form", None) or _member_form(page),
        **_channel_forms(extra.pop("channel_form", None)),
        members=page.members,
        channels=page.channels,
        confirm=ConfirmForm(),
        **extra,
    ), status


@bp.get("/<int:project_id>")
@roles(*MANAGERS)
def project(project_id: int):
    return _page(_project(project_id))


@bp.post("/<int:project_id>/settings")
@roles(*MANAGERS)
def settings(project_id: int):
    subject = _project(project_id)
    db = database.session()
    page = service.project_page(db, subject)
    form = _settings_form(page, formdata=True)
    if not form.validate_on_submit():
        return _page(subject, 400, page=page, settings=form)
    try:
        service.update_settings(
            db, subject, form.name.data, form.language.data, form.active.data, set(form.areas.data or []), _actor()
        )
    except service.ProjectError as exc:
        db.rollback()
        form.name.errors = [str(exc)]
        return _page(_project(project_id), 400, settings=form)
    db.commit()
    return redirect(url_for("projects.project", project_id=subject.id))


@bp.post("/<int:project_id>/members")
@roles(*MANAGERS)
def add_member(project_id: int):
    subject = _project(project_id)
    db = database.session()
    page = service.project_page(db, subject)
    form = _member_form(page)
    if not form.validate_on_submit():
        return _page(subject, 400, page=page, member_form=form)
    account = service.account(db, int(form.account.data))
    try:
        service.assign_member(db, subject, account, _actor())
    except service.ProjectError as exc:
        db.rollback()
        form.account.errors = [str(exc)]
        return _page(subject, 400, member_form=form)
    db.commit()
    return redirect(url_for("projects.project", project_id=subject.id))


@bp.post("/<int:project_id>/members/<int:account_id>/remove")
@roles(*MANAGERS)
def remove_member(project_id: int, account_id: int):
    subject = _project(project_id)
    db = database.session()
    account = service.account(db, account_id)
    if account is None or not ConfirmForm().validate_on_submit():
        abort(404)
    try:
        service.remove_member(db, subject, account, _actor())
    except service.ProjectError:
        abort(404)
    db.commit()
    return redirect(url_for("projects.project", project_id=subject.id))


# --- channels: one route for every registered kind ----------------------------------------------


def _channel_forms(submitted: tuple[str, object] | None) -> dict:
    """The page's add-a-channel forms, one per registered kind (the submitted one as it was sent)."""
    types = service.channel_kinds()
    forms = {t.kind: channel_form(t, formdata=False) for t in types}
    if submitted is not None:
        forms[submitted[0]] = submitted[1]
    return {"channel_types": types, "channel_forms": forms, "secret_kinds": {t.kind for t in types if t.has_secret}}


@bp.post("/<int:project_id>/channels/<kind>")
@roles(*MANAGERS)
def add_channel(project_id: int, kind: str):
    subject = _project(project_id)
    db = database.session()
    try:
        channel_type = service.channel_kind(kind)
    except service.ProjectError:
        abort(404)
    form = channel_form(channel_type)
    field = form[channel_type.field.name]
    if form.validate_on_submit():
        try:
            channel, secret = service.add_channel(db, subject, kind, field.data, _actor(), current_app.config)
        except service.ProjectError as exc:
            db.rollback()
            field.errors = [str(exc)]
        else:
            db.commit()
            if secret is not None:
                return _page(subject, shown_secret={"channel": channel, "secret": secret})
            return redirect(url_for("projects.project", project_id=subject.id))
    return _page(subject, 400, channel_form=(kind, form))


CHANNEL_ACTIONS = ("on", "off", "new-secret")


@bp.post("/<int:project_id>/channels/<int:channel_id>/<action>")
@roles(*MANAGERS)
def channel_action(project_id: int, channel_id: int, action: str):
    subject = _project(project_id)
    db = database.session()
    channel = service.channel_of(db, subject, channel_id)
    if channel is None or action not in CHANNEL_ACTIONS:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if action == "new-secret":
        try:
            secret = service.renew_secret(db, channel, _actor())
        except service.KeyUnavailable as exc:
            db.rollback()
            return _page(_project(project_id), 503, secret_error=str(exc))
        except service.ProjectError:
            abort(404)
        db.commit()
        return _page(subject, shown_secret={"channel": channel, "secret": secret})
    service.set_channel_active(db, channel, action == "on", _actor())
    db.commit()
    return redirect(url_for("projects.project", project_id=subject.id))


@bp.post("/<int:project_id>/feed/<action>")
@roles(*MANAGERS)
def feed_action(project_id: int, action: str):
    subject = _project(project_id)
    db = database.session()
    if action not in ("new", "stop"):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if action == "stop":
        service.stop_feed(db, subject, _actor())
        db.commit()
        return redirect(url_for("projects.project", project_id=subject.id))
    token = service.new_feed_token(db, subject, _actor())
    db.commit()
    return _page(subject, feed_token=token)


# --- the printable sheet, for the project's own people and coordinators ------------------------


def sheet_context(project: Project) -> dict:
    """What the printable sheet shows (shared with the token's public sheet)."""
    printed = service.sheet(database.session(), project, int(current_app.config["BULLETIN_DAYS"]))
    return {
        "project": printed.project,
        "groups": printed.groups,
        "w": printed.w,
        "today": printed.today,
        "render": render,
    }


def sheet_pdf_response(project: Project) -> Response:
    printed = service.sheet(database.session(), project, int(current_app.config["BULLETIN_DAYS"]))
    response = Response(service.sheet_as_pdf(printed), mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'inline; filename="bulletin.pdf"'
    return response


def _viewable(project_id: int) -> Project:
    """Coordinators see every project's sheet; outreach workers and project members only their own."""
    subject = _project(project_id)
    account = current_account()
    if account.role != "coordinator" and account.project_id != subject.id:
        abort(404)
    return subject


@bp.get("/<int:project_id>/bulletin")
@roles("coordinator", "outreach", "project_member")
def bulletin(project_id: int):
    subject = _viewable(project_id)
    return render_template(
        "projects/bulletin.html",
        pdf_url=url_for("projects.bulletin_pdf", project_id=subject.id),
        **sheet_context(subject),
    )


@bp.get("/<int:project_id>/bulletin.pdf")
@roles("coordinator", "outreach", "project_member")
def bulletin_pdf(project_id: int):
    return sheet_pdf_response(_viewable(project_id))
