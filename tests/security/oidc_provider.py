"""A small but real OpenID Connect provider for the tests, served over HTTP on a loopback port in a
thread: discovery, JWKS, an authorization endpoint that signs in the person the test chooses
(no login page), and a token endpoint that checks the client's secret, the code, the redirect URI
and the PKCE verifier, and issues an RS256-signed ID token. `mode` makes the next ID token wrong
in one way, to prove the app refuses it."""

import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID = "qa-app-test"
CLIENT_SECRET = "a-client-secret-for-the-tests"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class Provider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "provider-key", "use": "sig", "alg": "RS256"})
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": "provider-key"})
        self.person = {"sub": "subject-0001", "email": "someone@example.org", "email_verified": True}
        self.mode = "good"
        self.codes: dict[str, dict] = {}
        self.authorize_requests: list[dict] = []
        self.token_requests: list[dict] = []
        self.base = ""
        self._server = None
        self._thread = None

    # --- serving ---
    def start(self) -> "Provider":
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True, request_handler=_Quiet)
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name="oidc-provider")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wsgi(self, environ, start_response):
        request = Request(environ)
        handler = {
            "/.well-known/openid-configuration": self.discovery,
            "/jwks": self.jwks,
            "/authorize": self.authorize,
            "/token": self.token,
        }.get(request.path)
        response = handler(request) if handler else Response("not found", status=404)
        return response(environ, start_response)

    # --- endpoints ---
    def discovery(self, _request):
        return _json({
            "issuer": self.base,
            "authorization_endpoint": f"{self.base}/authorize",
            "token_endpoint": f"{self.base}/token",
            "jwks_uri": f"{self.base}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"],
        })

    def jwks(self, _request):
        return _json({"keys": [self.key.as_dict(private=False)]})

    def authorize(self, request):
        args = request.args.to_dict()
        self.authorize_requests.append(args)
        redirect_uri = args.get("redirect_uri", "")
        if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code" or "openid" not in args.get(
                "scope", "").split():
            return Response("bad request", status=400)
        if args.get("code_challenge_method") != "S256" or len(args.get("code_challenge", "")) < 43:
            return _redirect(redirect_uri, error="invalid_request", state=args.get("state", ""))
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"nonce": args.get("nonce"), "challenge": args["code_challenge"],
                            "redirect_uri": redirect_uri, "person": dict(self.person), "used": False}
        return _redirect(redirect_uri, code=code, state=args.get("state", ""))

    def token(self, request):
        form = request.form.to_dict()
        self.token_requests.append(form)
        auth = request.authorization
        client_id = auth.username if auth else form.get("client_id")
        secret = auth.password if auth else form.get("client_secret")
        if client_id != CLIENT_ID or secret != CLIENT_SECRET:
            return _json({"error": "invalid_client"}, 401)
        grant = self.codes.get(form.get("code", ""))
        if form.get("grant_type") != "authorization_code" or grant is None or grant["used"]:
            return _json({"error": "invalid_grant"}, 400)
        grant["used"] = True
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _json({"error": "invalid_grant", "error_description": "redirect_uri"}, 400)
        verifier = form.get("code_verifier", "")
        expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or expected != grant["challenge"]:
            return _json({"error": "invalid_grant", "error_description": "PKCE verifier"}, 400)
        access_token = secrets.token_urlsafe(24)
        return _json({"access_token": access_token, "token_type": "Bearer", "expires_in": 300,
                      "id_token": self.id_token(grant, access_token)})

    def id_token(self, grant, access_token) -> str:
        now = int(time.time())
        claims = {"iss": self.base, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "auth_time": now,
                  "nonce": grant["nonce"], **grant["person"]}
        digest = hashlib.sha256(access_token.encode()).digest()
        claims["at_hash"] = base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
        key = self.key
        if self.mode == "wrong_signature":
            key = self.rogue_key
        elif self.mode == "wrong_audience":
            claims["aud"] = "another-application"
        elif self.mode == "wrong_nonce":
            claims["nonce"] = "not-the-nonce-the-app-sent"
        elif self.mode == "expired":
            claims["iat"], claims["exp"], claims["auth_time"] = now - 7200, now - 3600, now - 7200
        elif self.mode == "wrong_issuer":
            claims["iss"] = "https://impostor.example"
        elif self.mode == "unsigned":
            header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
            import json

            body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
            return f"{header}.{body}."
        return jwt.encode({"alg": "RS256", "kid": "provider-key", "typ": "JWT"}, claims, key)


def _json(data, status=200):
    import json

    return Response(json.dumps(data), status=status, mimetype="application/json")


def _redirect(uri, **params):
    return Response("", status=302, headers={"Location": f"{uri}?{urlencode(params)}"})
