"""qa_app: case-file audit and quality assurance for children's social care."""

import os
from datetime import timedelta
from functools import lru_cache

from flask import Flask, send_from_directory

from config import CONFIGS


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the app. `config_name` defaults to $QA_ENV ("development", "production" or "test")."""
    config_name = config_name or os.environ.get("QA_ENV", "development")
    if config_name not in CONFIGS:
        raise RuntimeError(f"QA_ENV must be one of {', '.join(CONFIGS)}, not '{config_name}'.")
    config_class = CONFIGS[config_name]
    if hasattr(config_class, "check"):
        config_class.check()

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_class)
    app.config.update(overrides or {})
    # Flask refuses a session cookie signed longer ago than this, whatever the server holds.
    app.permanent_session_lifetime = timedelta(hours=float(app.config["SESSION_MAX_HOURS"]))
    os.makedirs(app.instance_path, exist_ok=True)
    use_bytecode_cache(app)

    if app.config.get("TRUSTED_PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = int(app.config["TRUSTED_PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    register_extensions(app)
    from qa_app import inputs

    inputs.register(app)
    from qa_app.history import web as history_web

    history_web.register(app)
    register_blueprints(app)
    from qa_app.security.headers import register as register_security_headers

    register_security_headers(app)
    from qa_app.features import register_features

    register_features()
    register_template_helpers(app)
    from qa_app.errors import register_errorhandlers

    register_errorhandlers(app)
    from qa_app.cli import register_commands

    register_commands(app)
    check_templates_on_start(app)
    return app


def register_extensions(app: Flask) -> None:
    from qa_app.extensions import csrf, db, login_manager, migrate
    from qa_app import models  # noqa: F401  (every model registered before Alembic looks)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "strong"

    from qa_app.sso.client import register as register_single_sign_on

    register_single_sign_on(app)
    from qa_app.auth.services import load_user

    login_manager.user_loader(load_user)

    @login_manager.unauthorized_handler
    def sign_in_first():
        from flask import flash, redirect, request
        from flask_login.utils import login_url

        from qa_app.auth.signing_in import signed_out_message

        flash(signed_out_message(), "info")
        return redirect(login_url("auth.sign_in", request.url))


def register_blueprints(app: Flask) -> None:
    from qa_app.account.views import bp as account_bp
    from qa_app.admin.views import bp as admin_bp, invitations as invitations_bp
    from qa_app.mfa.views import bp as mfa_bp
    from qa_app.sso.views import bp as sso_bp
    from qa_app.actions.views import bp as actions_bp
    from qa_app.audits.views import bp as audits_bp
    from qa_app.auth.views import bp as auth_bp
    from qa_app.cases.views import bp as cases_bp
    from qa_app.challenges.views import bp as challenges_bp
    from qa_app.dashboard import bp as dashboard_bp
    from qa_app.disputes.views import bp as disputes_bp
    from qa_app.escalations.views import bp as escalations_bp
    from qa_app.exchange.views import bp as exchange_bp
    from qa_app.feedback.views import bp as feedback_bp
    from qa_app.learning.views import bp as learning_bp
    from qa_app.jobs.views import bp as jobs_bp
    from qa_app.history.views import bp as history_bp
    from qa_app.retention.views import bp as retention_bp
    from qa_app.moderation.views import bp as moderation_bp
    from qa_app.practice.views import bp as practice_bp
    from qa_app.reports.views import bp as reports_bp
    from qa_app.reviews.views import bp as reviews_bp
    from qa_app.rounds.views import bp as rounds_bp

    for blueprint in (auth_bp, dashboard_bp, cases_bp, rounds_bp, audits_bp, moderation_bp, actions_bp,
                      reviews_bp, escalations_bp, challenges_bp, reports_bp, exchange_bp, practice_bp,
                      feedback_bp, disputes_bp, learning_bp, jobs_bp,
                      history_bp, retention_bp, account_bp, mfa_bp, admin_bp, invitations_bp, sso_bp):
        app.register_blueprint(blueprint)
    from qa_app.programme.views import bp as programme_bp
    from qa_app.template_editor.views import bp as template_editor_bp

    app.register_blueprint(programme_bp)
    app.register_blueprint(template_editor_bp)

    govuk_assets = os.path.join(app.root_path, "static", "govuk", "assets")

    @app.route("/assets/<path:filename>")
    def govuk_asset(filename: str):
        # GOV.UK Frontend's stylesheet asks for its fonts and images under /assets.
        return send_from_directory(govuk_assets, filename, max_age=86400)


def use_bytecode_cache(app: Flask) -> None:
    """Keep compiled templates in JINJA_BYTECODE_CACHE_DIR when it is set (before the first page).

    Jinja checks each cached entry against the template's source, so a changed template is compiled
    again; the cache only saves compiling the same source twice.
    """
    directory = app.config.get("JINJA_BYTECODE_CACHE_DIR")
    if not directory:
        return
    app.jinja_options = {**app.jinja_options, "bytecode_cache": _bytecode_cache(os.path.abspath(directory))}


@lru_cache(maxsize=4)
def _bytecode_cache(directory: str):
    from jinja2 import FileSystemBytecodeCache

    os.makedirs(directory, mode=0o700, exist_ok=True)
    return FileSystemBytecodeCache(directory)


def register_template_helpers(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers
    from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

    from qa_app.presentation import register

    app.jinja_loader = ChoiceLoader([
        app.jinja_loader,
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    WTFormsHelpers(app)
    register(app)


def check_templates_on_start(app: Flask) -> None:
    """Name every bad template file when the app starts; the good ones still work."""
    directory = app.config["TEMPLATES_DIR"]
    _templates, problems = _load_templates(directory, _folder_signature(directory))
    app.config["TEMPLATE_PROBLEMS"] = problems
    for problem in problems:
        app.logger.error("Audit template problem: %s", problem)


def _folder_signature(directory: str) -> tuple:
    try:
        return tuple(sorted((entry.name, entry.stat().st_mtime_ns, entry.stat().st_size)
                            for entry in os.scandir(directory) if entry.is_file()))
    except OSError:
        return ()


@lru_cache(maxsize=8)
def _load_templates(directory: str, _signature: tuple):
    """Parsing every template takes a moment; an unchanged folder is parsed once per process."""
    from qa_app.audit_forms.schema import load_directory

    return load_directory(directory)
