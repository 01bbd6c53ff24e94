"""Accounts a results import made for people it did not know, merged into their real accounts.

A results workbook names auditors, moderators and action owners by email. When an address
belongs to nobody here, the import makes an inactive account marked as imported (see
auth.services.create_imported_user). Once the person has an account of their own (or it turns
out the address was an old one), the administrator merges the imported account into it: its
audits, moderations and actions move, it is closed, and the history says so.
"""

import sqlalchemy as sa

from qa_app.actions.models import Action
from qa_app.audits.models import Audit
from qa_app.auth.models import User
from qa_app.db import Base
from qa_app.errors import DomainError
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.moderation.models import Moderation

# What an import can give an account, and so what a merge moves.
MOVED = ((Audit, "auditor_id"), (Moderation, "moderator_id"), (Action, "owner_id"), (Action, "verified_by_id"))


def merge_imported_account(source: User, into: User, *, actor) -> dict[str, int]:
    """Move everything an imported account holds to `into`, and close it. Returns how many rows
    moved, per kind. DomainError when `source` is not an imported account, is `into`, is already
    merged, or is referred to by anything a merge does not move (then nothing changes)."""
    if not source.imported_from:
        raise DomainError(f"{source.email} was not made by an import, so it cannot be merged into another account.")
    if source.id == into.id:
        raise DomainError("An account cannot be merged into itself.")
    if source.merged_into_id is not None:
        raise DomainError(f"{source.email} has already been merged.")
    if into.merged_into_id is not None:
        raise DomainError(f"{into.email} has itself been merged into another account.")
    elsewhere = _other_references(source)
    if elsewhere:
        raise DomainError(f"{source.email} is also named in {', '.join(elsewhere)}, which a merge does not move: "
                          "nothing was changed.")
    moved: dict[str, int] = {}
    for model, column in MOVED:
        result = db.session.execute(sa.update(model).where(getattr(model, column) == source.id)
                                    .values({column: into.id}).execution_options(synchronize_session=False))
        if result.rowcount:
            moved[f"{model.__tablename__}.{column}"] = result.rowcount
    source.merged_into_id = into.id
    source.active = False
    db.session.flush()
    db.session.expire_all()   # the moved rows were changed in the database, not through the session
    record(actor, "user.merged", source, into=into.email, moved=moved)
    record(actor, "user.merged_in", into, imported_account=source.email, moved=moved)
    return moved


def _other_references(user: User) -> list[str]:
    """Columns outside MOVED that refer to `user` (the history and the account's own rows aside)."""
    moved = {(model.__tablename__, column) for model, column in MOVED}
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name in ("events", "user_roles", "users"):
            continue
        for column in table.columns:
            if (table.name, column.name) in moved:
                continue
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                if db.session.scalar(sa.select(sa.func.count()).select_from(table).where(column == user.id)):
                    found.append(f"{table.name}.{column.name}")
    return found
