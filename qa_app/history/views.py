"""Who has seen this case: the history's reads and changes of case files, by case and by person,
for the QA lead and the administrator, with a CSV export of the same list."""

import csv
import io

import sqlalchemy as sa
from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_login import current_user

from qa_app.auth.models import Role, User
from qa_app.auth.permissions import roles_required
from qa_app.auth.services import normalise_email
from qa_app.cases.models import CaseFile
from qa_app.extensions import db
from qa_app.history.forms import SeenForm
from qa_app.history.queries import SeenFilter, case_references, seen_query
from qa_app.history.services import display_names, event_label, record

bp = Blueprint("history", __name__, url_prefix="/history")
SEEN_READERS = (Role.QA_LEAD, Role.ADMIN)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _filters(form: SeenForm) -> tuple[SeenFilter | None, CaseFile | None, User | None]:
    """The filter the form asks for; None (with errors on the form) when it names nothing known."""
    if not request.args or not form.validate():
        return None, None, None
    case = user = None
    if form.case.data:
        case = db.session.scalar(sa.select(CaseFile).where(CaseFile.reference == form.case.data.strip().upper()))
        if case is None:
            form.case.errors.append(f"There is no case file with the reference {form.case.data.strip()[:64]}")
    if form.user.data:
        user = db.session.scalar(sa.select(User).where(User.email == normalise_email(form.user.data)))
        if user is None:
            form.user.errors.append("There is no account with that email address")
    if not form.case.data and not form.user.data:
        form.case.errors.append("Enter a case reference, a person's email address, or both")
    if form.date_from.data and form.date_to.data and form.date_from.data > form.date_to.data:
        form.date_to.errors.append("The end date must be the same as or after the start date")
    if form.errors:
        return None, None, None
    return SeenFilter(case_id=case.id if case else None, user_id=user.id if user else None,
                      date_from=form.date_from.data, date_to=form.date_to.data), case, user


@bp.route("/seen")
@roles_required(*SEEN_READERS)
def seen():
    form = SeenForm(request.args)
    filters, case, user = _filters(form)
    page = rows = names = references = None
    if filters is not None:
        page = db.paginate(seen_query(filters), page=_page_number(), per_page=50, error_out=False)
        rows = page.items
        names = display_names({e.actor_id for e in rows if e.actor_id})
        references = case_references(db.session, rows)
        record(current_user, "history.seen_viewed", None, case_ids=[case.id] if case else (),
               filters=filters.describe(), page=page.page)
        db.session.commit()
    return render_template("history/seen.html", form=form, page=page, rows=rows, names=names,
                           references=references, case=case, user=user, label=event_label,
                           query=request.args.to_dict(flat=False)), 400 if form.errors else 200


@bp.route("/seen.csv")
@roles_required(*SEEN_READERS)
def seen_csv():
    form = SeenForm(request.args)
    filters, case, _user = _filters(form)
    if filters is None:
        return render_template("history/seen.html", form=form, page=None, rows=None, case=None, user=None,
                               query={}), 400
    record(current_user, "history.seen_exported", None, case_ids=[case.id] if case else (),
           filters=filters.describe())
    db.session.commit()
    query = seen_query(filters).execution_options(yield_per=500)

    def lines():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["When (UTC)", "Who", "Email", "Roles", "What", "Case files", "Record", "Client address",
                         "Request id"])
        with db.engine.connect() as connection:  # its own connection: the response streams after the request
            from sqlalchemy.orm import Session

            with Session(connection) as session:
                for chunk in session.scalars(query).partitions():
                    people = {row.id: row for row in session.execute(sa.select(User.id, User.email, User.display_name)
                                                                      .where(User.id.in_({e.actor_id for e in chunk})))}
                    references = case_references(session, chunk)
                    for event in chunk:
                        writer.writerow([_cell(v) for v in (
                            event.at.strftime("%Y-%m-%d %H:%M:%S"),
                            people[event.actor_id].display_name if event.actor_id in people else "System",
                            people[event.actor_id].email if event.actor_id in people else "", event.role, event_label(event.action),
                            " ".join(references[event.id]),
                            f"{event.object_type} {event.object_id}" if event.object_id else "",
                            event.client_address, event.request_id)])
                    yield out.getvalue()
                    out.seek(0)
                    out.truncate()
        yield out.getvalue()

    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=who-has-seen.csv"})


def _cell(value: str) -> str:
    """Text a spreadsheet program would run as a formula gets an apostrophe in front."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 100_000))
    except ValueError:
        return 1
