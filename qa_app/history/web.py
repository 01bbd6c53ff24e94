"""What the history knows about each request, and refused requests in the history.

- The client address: `request.remote_addr`, which is the browser's own address when the app is
  told how many proxies stand in front of it (`TRUSTED_PROXIES`, werkzeug's ProxyFix reads their
  X-Forwarded-For); see docs/deployment.md.
- A request id: taken from the proxy's `X-Request-Id` when the proxy is trusted, else made here; it
  is sent back in the `X-Request-Id` response header (so the access log line shows it), is in every
  log line the app writes during the request, and is kept with every event the request records.
- Every page that shows case files records the read: a view records its own event naming the case
  files it shows (`record(..., case_ids=...)`); as a safety net, any other case file loaded while
  a page is built (a page that answers 200, 400, 409 or 422) is recorded as `page.viewed` with the
  route, so no page shows a case reference unrecorded.
- Every refused request (401 not signed in, 403, 404 on a record, a failed form token, 429
  throttling) is recorded as `request.refused` with who, the method, path and route, the status and
  why. The query string is never kept (it could hold a token), nor anything the user typed.
"""

import logging
import re
import secrets

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler
from flask_login import current_user
from flask_login.signals import user_unauthorized
from werkzeug.middleware.proxy_fix import ProxyFix

import sqlalchemy as sa

from qa_app.db import Base
from qa_app.extensions import db

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,40}$")
REASONS = {401: "not signed in", 403: "no access", 404: "no such record", 429: "too many requests"}
_NOT_RECORDS = {"static", "govuk_asset"}  # a missing stylesheet or image is not a refused record
_SHOWN = (200, 400, 409, 422)  # answers that show a page (not a redirect, a refusal or an error)


def _note_loaded_case(target, _context) -> None:
    if target.__tablename__ == "case_files" and has_request_context():
        g.setdefault("cases_loaded", set()).add(target.id)


sa.event.listen(Base, "load", _note_loaded_case, propagate=True)


def note_recorded(case_ids) -> None:
    """The request's own events already name these case files (called by `record`)."""
    if has_request_context():
        g.setdefault("cases_recorded", set()).update(case_ids)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("history_context", {}).get("request_id", "-") if has_request_context() else "-"
        return True


def refuse(status: int, reason: str) -> None:
    """Say why the request is being refused (the response's status says that it is)."""
    g.refusal = (status, reason)


def register(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)
    app.logger.addFilter(_RequestIdFilter())
    default_handler.setFormatter(logging.Formatter(
        "[%(asctime)s] %(levelname)s request=%(request_id)s in %(module)s: %(message)s"))

    @app.before_request
    def identify_request():
        given = request.headers.get("X-Request-Id", "")
        request_id = given if proxies and _REQUEST_ID.match(given) else secrets.token_hex(8)
        g.history_context = {"client": (request.remote_addr or "")[:64], "request_id": request_id}

    @user_unauthorized.connect_via(app)
    def not_signed_in(_sender, **_extra):
        refuse(401, REASONS[401])

    @app.after_request
    def record_refusals(response):
        status, reason = g.pop("refusal", (response.status_code, None))
        if status in REASONS and (status != 404 or (request.url_rule is not None
                                                    and request.endpoint not in _NOT_RECORDS)):
            _record_refusal(app, status, reason or REASONS[status])
        elif reason is not None:
            _record_refusal(app, status, reason)
        if response.status_code in _SHOWN and g.get("refusal") is None:
            unrecorded = g.get("cases_loaded", set()) - g.get("cases_recorded", set())
            if unrecorded:
                _record_page_read(app, unrecorded)
        context = g.get("history_context")
        if context:
            response.headers["X-Request-Id"] = context["request_id"]
        return response


def _record_refusal(app: Flask, status: int, reason: str) -> None:
    from qa_app.history.services import record

    user = current_user._get_current_object() if current_user and current_user.is_authenticated else None
    app.logger.warning("refused %s %s %s (%s) for user %s", status, request.method, request.path, reason,
                       getattr(user, "id", "-"))
    try:
        db.session.rollback()  # a refused request changes nothing, and records no read
        record(user, "request.refused", None, status=status, reason=reason, method=request.method,
               path=request.path[:300], endpoint=request.endpoint, record=request.view_args or {})
        db.session.commit()
    except Exception:  # the refusal must still be answered: say so in the log instead
        db.session.rollback()
        app.logger.exception("could not record a refused request in the history")


def _record_page_read(app: Flask, case_ids: set[int]) -> None:
    from qa_app.history.services import record

    user = current_user._get_current_object() if current_user and current_user.is_authenticated else None
    try:
        db.session.rollback()  # whatever the view left uncommitted is not part of the read
        record(user, "page.viewed", None, case_ids=sorted(case_ids), endpoint=request.endpoint,
               record=request.view_args or {})
        db.session.commit()
    except Exception:
        db.session.rollback()
        app.logger.exception("could not record the case files a page showed")
