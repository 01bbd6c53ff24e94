"""Browser headers on every response, set by the app itself so they hold without the proxy.

- Content-Security-Policy: only this site's own files; no inline script or style, except a
  script carrying this response's nonce (the GOV.UK page template's one-line `js-enabled` script
  reads it from the `cspNonce` template variable); no plugins, no <base>, no framing; forms lead
  only here (and, with single sign-on, to the identity provider's origin).
- X-Content-Type-Options: nosniff; Referrer-Policy: same-origin; X-Frame-Options: DENY for
  browsers that predate frame-ancestors; Cross-Origin-Opener-Policy: same-origin.
- Cache-Control: no-store on every page and download (the GOV.UK assets and static files may be
  cached: they hold nothing private).
- Strict-Transport-Security when HSTS_SECONDS is set (production).
"""

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g, request

CACHEABLE_ENDPOINTS = frozenset({"static", "govuk_asset"})


def content_security_policy(nonce: str, form_targets: str = "") -> str:
    """`form_targets`: other origins a form may lead to (the single sign-on button's POST is
    answered by a redirect to the identity provider, and form-action covers that redirect)."""
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        f"form-action 'self'{' ' + form_targets if form_targets else ''}",
        "frame-ancestors 'none'",
    ])


def csp_nonce() -> str:
    """This response's nonce, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def register(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    form_targets = _origin(app.config.get("OIDC_ISSUER", ""))

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = content_security_policy(csp_nonce(), form_targets)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
            headers.pop("ETag", None)
            headers.pop("Last-Modified", None)
        hsts = app.config.get("HSTS_SECONDS")
        if hsts:
            headers["Strict-Transport-Security"] = f"max-age={int(hsts)}; includeSubDomains"
        return response
