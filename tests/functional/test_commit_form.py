"""The one write path of every view (qa_app.writes.commit_form): validate, call, commit or roll
back, and put each problem on its field; a stale edit is a conflict, never a half-saved change."""

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired

from qa_app.auth.models import Team
from qa_app.errors import StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.writes import commit_form


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    version = HiddenField()
    name = StringField("Name")
    other = StringField("Other")


@pytest.fixture
def posted(app):
    """Run `body(form)` inside a POST request carrying `data`, as a view would."""
    def run(body, form_class=NameForm, **data):
        with app.test_request_context(method="POST", data=data):
            return body(form_class())
    return run


def teams() -> list[str]:
    return list(db.session.scalars(sa.select(Team.name).order_by(Team.name)))


def test_a_good_change_is_committed_and_its_value_returned(posted):
    written = posted(lambda f: commit_form(f, lambda: db.session.add(Team(name="North")) or "made"), name="North")
    assert (written.ok, written.value, written.conflict) == (True, "made", None)
    db.session.remove()
    assert teams() == ["North"]


def test_problems_go_on_their_fields_and_nothing_is_saved(posted):
    def change():
        db.session.add(Team(name="Half saved"))
        db.session.flush()
        raise ValidationFailed([("name", "Too short"), ("not_a_field", "Somewhere else"), ("", "General")])

    f, written = posted(lambda f: (f, commit_form(f, change, fallback="other")), name="x")
    assert not written.ok and written.status == 400
    assert f.name.errors == ["Too short"] and f.other.errors == ["Somewhere else", "General"]
    assert teams() == []


def test_without_a_fallback_a_stray_problem_goes_on_the_first_visible_field(posted):
    def change():
        raise ValidationFailed([("missing", "Seen")])

    f = posted(lambda f: commit_form(f, change) and f, name="x")
    assert f.name.errors == ["Seen"] and f.version.errors == []


@pytest.mark.parametrize(("error", "message"), [
    (StaleEdit("Ann saved it first."), "Ann saved it first."), (StaleDataError("x"), "Saved at the same time.")])
def test_a_stale_edit_is_a_conflict_or_the_409_page(posted, error, message):
    def change():
        db.session.add(Team(name="Lost"))
        db.session.flush()
        raise error

    written = posted(lambda f: commit_form(f, change, concurrent="Saved at the same time."), name="x")
    assert (written.ok, written.conflict, written.status) == (False, message, 409)
    assert teams() == []
    with pytest.raises(StaleEdit, match=message):
        posted(lambda f: commit_form(f, change, concurrent="Saved at the same time.", conflicts="raise"), name="x")
    assert teams() == []


def test_an_invalid_form_calls_nothing(posted):
    class Required(NameForm):
        name = StringField("Name", validators=[InputRequired(message="Enter a name")])

    called = []
    f, written = posted(lambda f: (f, commit_form(f, lambda: called.append(1))), form_class=Required, name="")
    assert not written.ok and called == [] and f.name.errors == ["Enter a name"]
