"""The OpenID Connect client (Authlib), made for each app when OIDC_ISSUER is set.

Authlib fetches the provider's discovery document and keys, sends the PKCE challenge (S256), a
state and a nonce, and on the way back checks the state, exchanges the code with the verifier, and
checks the ID token's signature (the provider's published keys, and only the algorithms it
declares), issuer, audience, expiry and nonce. Plain-HTTP providers are refused unless the
AUTHLIB_INSECURE_TRANSPORT environment variable is set (the tests' own provider only)."""

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

NAME = "council"


def register(app: Flask) -> None:
    if not app.config.get("OIDC_ISSUER"):
        return
    oauth = OAuth(app)
    issuer = app.config["OIDC_ISSUER"].rstrip("/")
    oauth.register(
        NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256", "timeout": 10},
    )
    app.extensions["qa_sso"] = oauth


def enabled() -> bool:
    return "qa_sso" in current_app.extensions


def provider():
    return current_app.extensions["qa_sso"].create_client(NAME)
