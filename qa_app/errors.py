"""Domain exceptions and their HTTP mapping, in one place."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from qa_app.history.web import refuse


class DomainError(Exception):
    """A rule of the service was broken; the message is shown to the user as it is."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotPermitted(DomainError):
    status_code = 403


class InvalidTransition(DomainError):
    status_code = 409


class StaleEdit(DomainError):
    """Someone else saved the record since this user loaded it."""

    status_code = 409


class ValidationFailed(DomainError):
    """Input broke one or more rules; `problems` maps a field name (or "") to its message."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


def register_errorhandlers(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if error.status_code == 403:
            refuse(403, error.message)
        return page(error.status_code, "This cannot be done", error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        refuse(400, f"form token: {error.description}")
        return page(400, "Your form has expired",
                    "Nothing was saved. Go back, reload the page and try again.")

    @app.errorhandler(403)
    def forbidden(_error):
        return page(403, "You do not have access to this page",
                    "Your account does not allow this. If you think it should, ask your QA lead.")

    @app.errorhandler(404)
    def not_found(_error):
        return page(404, "Page not found", "If you typed the web address, check it is correct.")

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return page(405, "This cannot be done", "The page does not accept that kind of request.")

    @app.errorhandler(413)
    def too_large(_error):
        limit = app.config["MAX_CONTENT_LENGTH"]
        size = f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{max(1, limit // 1024)} KB"
        return page(413, "The file is too large", f"The file must be smaller than {size}.")

    @app.errorhandler(429)
    def too_many(_error):
        return page(429, "Too many attempts", "Wait a few minutes, then try again.")

    @app.errorhandler(500)
    def server_error(_error):
        return page(500, "Sorry, there is a problem with the service",
                    "Try again later. Nothing you entered on the last page was saved.")
