"""The one path every writing view takes: validate the form, call one service, commit or roll back,
and put what went wrong on the form's fields.

    result = commit_form(form, lambda: services.do_it(thing, actor=current_user, ...))
    if result.ok:
        flash(...); return redirect(...)
    return render_template(..., form=form, conflict=result.conflict), result.status

Services flush and never commit, so a change is all or nothing: the view commits once here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from qa_app.errors import StaleEdit, ValidationFailed
from qa_app.extensions import db

CONCURRENT_SAVE = ("Someone else saved this at the same moment. Nothing you entered has been saved: "
                   "check it as it is now, then try again.")


@dataclass(frozen=True)
class Written:
    """What happened: `ok` with the service's return `value`; or not, with the problems already on
    the form's fields, or a `conflict` message when someone else saved first."""

    ok: bool
    value: Any = None
    conflict: str | None = None

    @property
    def status(self) -> int:
        """The HTTP status to answer with when the form is shown again."""
        return 409 if self.conflict else 400


def commit_form(form, change: Callable[[], Any], *, validate: bool = True, fallback: str | None = None,
                concurrent: str = CONCURRENT_SAVE, conflicts: str = "show") -> Written:
    """Validate `form` (unless `validate` is False: the caller has), call `change()`, commit.

    ValidationFailed: rolled back, and each problem added to its field's errors; a problem for a
    field the form does not have goes on `fallback` (a field name), else on the form's first
    visible field, so no message is ever lost. A stale edit (the service's StaleEdit, or the
    database's version check when two saves cross): rolled back; with `conflicts="show"` its
    message is returned in `conflict` (`concurrent` for the database's), with `conflicts="raise"`
    it is raised as StaleEdit (the 409 page). Any other DomainError rolls back and propagates to
    the error pages.
    """
    if validate and not form.validate_on_submit():
        return Written(False)
    try:
        value = change()
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        attach_problems(form, error.problems, fallback)
        return Written(False)
    except (StaleEdit, StaleDataError) as error:
        db.session.rollback()
        message = error.message if isinstance(error, StaleEdit) else concurrent
        if conflicts == "raise":
            raise StaleEdit(message) from None
        return Written(False, conflict=message)
    except Exception:
        db.session.rollback()
        raise
    return Written(True, value)


def attach_problems(form, problems: list[tuple[str, str]], fallback: str | None = None) -> None:
    """Add each (field name, message) to the field's errors (see `commit_form` for unknown names);
    a message a field already shows is not added twice."""
    for name, message in problems:
        field = form._fields.get(name) or (form._fields.get(fallback) if fallback else None) or next(
            f for f in form if f.type not in ("CSRFTokenField", "HiddenField"))
        if message not in field.errors:
            field.errors = list(field.errors) + [message]


def upload_status(form, problems: list[str]) -> int:
    """The status of an upload page shown again: 422 when the file was read and refused, 400 when
    the form itself was wrong (no file chosen), 200 when it is simply shown."""
    if problems:
        return 422
    return 400 if form.errors else 200
