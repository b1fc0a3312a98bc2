"""The Ugly Mugs web application: ``create_app()`` builds it from configuration."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask
from flask.logging import default_handler
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

import config as settings
from ugly_mugs import audit, cli, disclosure, throttle
from ugly_mugs.auth.sessions import ServerSessionInterface, refuse_when_unavailable
from ugly_mugs.dates import local
from ugly_mugs.db import make_engine, make_sessionmaker
from ugly_mugs.keys import channel_secrets, erasure
from ugly_mugs.matching import index as matching_index
from ugly_mugs.ops import logs
from ugly_mugs.reports import erasure as report_erasure
from ugly_mugs.reports import filing
from ugly_mugs.subscriptions import service as subscriptions
from ugly_mugs.web import access, boundary, branding, drafts, errors, headers, i18n, localtime, throttling


def create_app(overrides: Mapping[str, object] | None = None, env: Mapping[str, str] | None = None) -> Flask:
    # The static route is added by ``boundary.init_app``, after its converters are installed.
    app = Flask(__name__, instance_relative_config=False, static_folder=None)
    app.config.update(settings.load(env=env, overrides=overrides))
    # Flask's log handler is one per process: it takes the format of the app made last.
    default_handler.setFormatter(logs.flask_formatter(app.config["LOG_FORMAT"]))
    i18n.init_app(app)
    # Before any blueprint: its routes' segments are read by the boundary's converters.
    boundary.init_app(app)
    localtime.init_app(app)

    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    engine = make_engine(app.config["DATABASE_URL"], pooled=app.config["DATABASE_POOLED"])
    app.extensions["ugly_mugs.engine"] = engine
    store = (
        erasure.ErasureKeyStore(app.config["KEYSTORE_URL"], app.config["DATABASE_POOLED"])
        if app.config["KEYSTORE_URL"]
        else None
    )
    app.extensions["ugly_mugs.keystore"] = store
    app.extensions["ugly_mugs.sessionmaker"] = make_sessionmaker(engine, session_info(app.config, store))
    # After a commit that erased a report, what was deleted is overwritten in the files too.
    report_erasure.install(app.extensions["ugly_mugs.sessionmaker"])

    app.session_interface = ServerSessionInterface(app.extensions["ugly_mugs.sessionmaker"])
    # Before the CSRF check, which reads the session: a session the database could not open is a 503.
    app.before_request(refuse_when_unavailable)
    # Flask-WTF signs with one key; itsdangerous, which it uses, takes a list (newest last) and
    # accepts a signature by any, so a form opened before a secret key rotation still posts.
    app.config.setdefault("WTF_CSRF_SECRET_KEY", [*app.config["SECRET_KEY_FALLBACKS"], app.config["SECRET_KEY"]])
    csrf = CSRFProtect(app)
    from ugly_mugs.admin.views import bp as admin_bp
    from ugly_mugs.api.views import bp as api_bp
    from ugly_mugs.auth.views import bp as auth_bp
    from ugly_mugs.coordinator.views import bp as coordinator_bp
    from ugly_mugs.matching.api import bp as check_api_bp
    from ugly_mugs.matching.public import bp as public_check_bp
    from ugly_mugs.matching.views import bp as matching_bp
    from ugly_mugs.police.views import bp as police_bp
    from ugly_mugs.projects.deliveries import bp as deliveries_bp
    from ugly_mugs.projects.feeds import bp as feeds_bp
    from ugly_mugs.projects.views import bp as projects_bp
    from ugly_mugs.reporting.views import bp as reporting_bp
    from ugly_mugs.staff.views import bp as staff_bp
    from ugly_mugs.stats.views import bp as stats_bp
    from ugly_mugs.subscriptions.gateway_views import bp as sms_gateway_bp
    from ugly_mugs.subscriptions.views import bp as subscribe_bp
    from ugly_mugs.subscriptions.views import staff_bp as subscribe_staff_bp
    from ugly_mugs.web.health import bp as health_bp
    from ugly_mugs.web.metrics import bp as metrics_bp

    for bp in (
        reporting_bp,
        api_bp,
        health_bp,
        auth_bp,
        staff_bp,
        admin_bp,
        stats_bp,
        coordinator_bp,
        police_bp,
        projects_bp,
        deliveries_bp,
        feeds_bp,
        branding.bp,
        matching_bp,
        check_api_bp,
        public_check_bp,
        subscribe_bp,
        subscribe_staff_bp,
        sms_gateway_bp,
        metrics_bp,
    ):
        app.register_blueprint(bp)
    # Reporter forms carry a signed form token instead (no cookie); the API takes JSON from apps.
    csrf.exempt(reporting_bp)
    csrf.exempt(api_bp)
    csrf.exempt(health_bp)
    csrf.exempt(metrics_bp)
    csrf.exempt(branding.bp)
    csrf.exempt(feeds_bp)
    # The check API authenticates by bearer token; the public check page, like the reporter
    # pages, by a signed form token and the Origin check.
    csrf.exempt(check_api_bp)
    csrf.exempt(public_check_bp)
    # The public subscription pages too (form token and Origin); the outreach page keeps CSRF.
    csrf.exempt(subscribe_bp)
    # The SMS gateway's calls are signed by the token in their query.
    csrf.exempt(sms_gateway_bp)

    access.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    drafts.init_app(app)
    throttling.init_app(app)
    cli.init_app(app)
    app.teardown_appcontext(_close_session)
    # The guard keeps the last texts it read for the length of a request only.
    app.teardown_appcontext(_forget_texts)
    return app


def _forget_texts(_exc: BaseException | None = None) -> None:
    disclosure.forget_texts()


def session_info(config: Mapping[str, object], store: erasure.ErasureKeyStore | None = None) -> dict:
    """What every database session of the app carries (``Session.info``): the matching key and
    phone region for the blind indexes, the audit key's derived keys and the checkpoint file, the
    shared store of the throttle, the delivery key that seals channel secrets, the time zone days
    are counted in, and the erasure key store (``store``, else one opened at
    ``config["KEYSTORE_URL"]``)."""
    if store is None and config.get("KEYSTORE_URL"):
        # Behind the same pooler as the database, if it is pooled (UGLY_MUGS_DATABASE_POOLED).
        store = erasure.ErasureKeyStore(str(config["KEYSTORE_URL"]), bool(config.get("DATABASE_POOLED")))
    return {
        **erasure.session_info(store),
        **matching_index.session_info(config["MATCHING_KEY"], config["PHONE_REGION"], config.get("MATCHING_KEY_NEXT")),
        **audit.session_info(
            config["AUDIT_KEY"], config["AUDIT_CHECKPOINT_FILE"], config["AUDIT_CHECKPOINT_MAX_AGE_MINUTES"]
        ),
        **throttle.session_info(config["REDIS_URL"], config["REDIS_PREFIX"]),
        **channel_secrets.session_info(config.get("DELIVERY_KEY")),
        **subscriptions.session_info(config.get("DISPATCH_PUBLIC_KEY"), config.get("SUBSCRIBER_KEY")),
        **local.session_info(config["TIMEZONE"]),
        **filing.session_info(),
    }


def _close_session(_exc: BaseException | None) -> None:
    from flask import g

    session = g.pop("db_session", None)
    if session is not None:
        session.close()
