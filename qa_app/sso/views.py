"""Signing in with the council's identity provider."""

from authlib.common.errors import AuthlibBaseError
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from joserfc.errors import JoseError

from qa_app.auth.forms import EmptyForm
from qa_app.auth.signing_in import client_address, establish
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.sso import client, services

bp = Blueprint("sso", __name__)


@bp.route("/sign-in/sso", methods=["POST"])
def start():
    if not client.enabled():
        abort(404)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("auth.sign_in"))
    next_path = request.args.get("next") or ""
    session["sso_next"] = next_path if next_path.startswith("/") and not next_path.startswith("//") else ""
    return client.provider().authorize_redirect(url_for("sso.callback", _external=True))


@bp.route("/sign-in/sso/callback")
def callback():
    if not client.enabled():
        abort(404)
    provider = client.provider()
    try:
        token = provider.authorize_access_token(leeway=60)
        claims = token.get("userinfo")
        if not claims:
            raise ValueError("no ID token")
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        reason = getattr(error, "error", "") or type(error).__name__
        record(None, "auth.single_sign_on_failed", None, reason=str(reason)[:100], address=client_address())
        db.session.commit()
        return _refused("Single sign-on did not work, so you have not been signed in. Try again, and if it "
                        "happens again tell your administrator.")
    config = current_app.config
    issuer = provider.load_server_metadata().get("issuer", config["OIDC_ISSUER"])
    found = services.match(dict(claims), issuer=issuer, email_claim=config["OIDC_EMAIL_CLAIM"],
                           require_verified=config["OIDC_REQUIRE_VERIFIED_EMAIL"],
                           allowed_domains=tuple(config["OIDC_EMAIL_DOMAINS"]))
    if isinstance(found, services.Refused):
        record(None, "auth.single_sign_on_failed", None, reason=found.reason, address=client_address())
        db.session.commit()
        return _refused(found.message)
    next_path = session.pop("sso_next", "") or url_for("dashboard.home")
    establish(found, method="single sign-on")
    return redirect(next_path)


def _refused(message: str):
    return render_template("sso/refused.html", message=message), 403
