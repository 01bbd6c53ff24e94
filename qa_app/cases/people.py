"""The case's people by identity: which account is a case file's allocated worker and which its
team manager.

The case list names them in its "Allocated worker" and "Team manager" columns, by email address
or by name. An email address is matched to the account with that email. A name is matched only
through a link an administrator confirmed (`users link`), never by comparing it with the names
of accounts: two people can share a name, and a name can be spelled two ways. Whatever cannot be
matched is left unlinked and listed, so it can be linked.
"""

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from qa_app.auth.models import Role, User
from qa_app.auth.services import normalise_email
from qa_app.cases.models import CaseFile, NameLink, PersonColumn, name_key
from qa_app.errors import ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record

# The role a linked person needs for the link to mean anything: the worker's pages are a
# practitioner's, the manager's an auditor's (team managers audit other teams' files).
ROLE_FOR = {PersonColumn.WORKER: Role.PRACTITIONER, PersonColumn.MANAGER: Role.AUDITOR}
_FIELDS = {PersonColumn.WORKER: ("allocated_worker", "worker_id"),
           PersonColumn.MANAGER: ("team_manager", "manager_id")}


def is_email(text: str) -> bool:
    text = (text or "").strip()
    return "@" in text and " " not in text and not text.startswith("@") and not text.endswith("@")


@dataclass
class Resolver:
    """Matches the names and emails of a case list to accounts, with two queries for the whole list."""

    by_email: dict[str, User]
    by_name: dict[tuple[str, str], User]

    @classmethod
    def load(cls, emails: set[str], names: set[tuple[str, str]]) -> "Resolver":
        by_email = {}
        wanted = sorted({normalise_email(e) for e in emails})
        for start in range(0, len(wanted), 500):
            for user in db.session.scalars(sa.select(User).where(User.email.in_(wanted[start:start + 500]))):
                by_email[user.email] = user
        by_name = {}
        if names:
            for link in db.session.scalars(sa.select(NameLink)):
                by_name[(link.kind, link.name_key)] = link.user
        return cls(by_email, by_name)

    def user_for(self, kind: PersonColumn, text: str) -> User | None:
        text = (text or "").strip()
        if not text:
            return None
        if is_email(text):
            return self.by_email.get(normalise_email(text))
        return self.by_name.get((kind.value, name_key(text)))


def shown_name(user: User | None, text: str) -> str:
    """What the case file shows for a person: the account's name once linked by email, else the text."""
    if user is not None and is_email(text):
        return user.display_name
    return " ".join((text or "").split())


def people_fields(kind: PersonColumn) -> tuple[str, str]:
    """The case file's columns for `kind`: the name shown and the linked account's id."""
    return _FIELDS[kind]


def set_person(case: CaseFile, kind: PersonColumn, text: str, user: User | None) -> bool:
    """Record who the case list names in `kind`'s column; True when anything changed."""
    text_field, id_field = _FIELDS[kind]
    wanted = (shown_name(user, text), user.id if user is not None else None)
    if (getattr(case, text_field), getattr(case, id_field)) == wanted:
        return False
    setattr(case, text_field, wanted[0])
    setattr(case, id_field, wanted[1])
    return True


def unmatched(rows: list[tuple[PersonColumn, str, User | None]]) -> list[tuple[PersonColumn, str, int]]:
    """(column, name, case files) for every name or email given but matched to no account."""
    counts = Counter((kind, " ".join(text.split())) for kind, text, user in rows if text.strip() and user is None)
    return sorted(((kind, name, n) for (kind, name), n in counts.items()), key=lambda item: (item[0] != PersonColumn.WORKER, item[1].casefold()))


def unlinked_names() -> list[tuple[PersonColumn, str, int]]:
    """(column, name, open and closed case files) for every name the case files hold that is
    linked to no account, most case files first."""
    counts: Counter = Counter()
    spelling: dict[tuple[PersonColumn, str], str] = {}
    for kind, (text_field, id_field) in _FIELDS.items():
        text, ident = getattr(CaseFile, text_field), getattr(CaseFile, id_field)
        for name, n in db.session.execute(sa.select(text, sa.func.count()).where(text != "", ident.is_(None))
                                          .group_by(text).order_by(text)):
            key = (kind, name_key(name))   # spellings that differ only in case and spaces are one name
            spelling.setdefault(key, name)
            counts[key] += n
    result = [(kind, spelling[(kind, key)], n) for (kind, key), n in counts.items()]
    return sorted(result, key=lambda item: (-item[2], item[0] != PersonColumn.WORKER, item[1].casefold()))


def cases_naming(kind: PersonColumn, name: str) -> list[CaseFile]:
    text_field, _ = _FIELDS[kind]
    column = getattr(CaseFile, text_field)
    key = name_key(name)
    return [case for case in db.session.scalars(sa.select(CaseFile).where(sa.func.lower(column) == key.lower()))
            if name_key(getattr(case, text_field)) == key]


def link_name(kind: PersonColumn, name: str, user: User, *, actor) -> int:
    """Confirm that `name` in `kind`'s column is `user`: the case files naming it are linked now,
    and later imports link it too. Returns how many case files changed.

    ValidationFailed when the name is empty or an email address (those link by themselves), or the
    account is inactive or lacks the role the link is for (practitioner for a worker, auditor for a
    team manager).
    """
    kind = PersonColumn(kind)
    name = " ".join((name or "").split())
    problems = []
    if not name:
        problems.append(("name", "Give the name as the case list spells it."))
    elif is_email(name):
        problems.append(("name", "An email address in the case list links to its account by itself: "
                                 "import the list again once the account exists."))
    elif len(name) > 120:
        problems.append(("name", "The name must be 120 characters or fewer."))
    if not user.active:
        problems.append(("email", f"{user.email} cannot sign in (the account is inactive)."))
    elif not user.has_role(ROLE_FOR[kind]):
        problems.append(("email", f"{user.email} does not have the {ROLE_FOR[kind].label.lower()} role, which "
                                  f"{'an allocated worker' if kind == PersonColumn.WORKER else 'a team manager'} "
                                  "needs to see the audits of their cases."))
    if problems:
        raise ValidationFailed(problems)
    key = name_key(name)
    link = db.session.scalar(sa.select(NameLink).where(NameLink.kind == kind.value, NameLink.name_key == key))
    previous = link.user.email if link is not None else None
    if link is None:
        link = NameLink(kind=kind.value, name_key=key, name=name, user_id=user.id,
                        confirmed_by_id=getattr(actor, "id", None))
        db.session.add(link)
    else:
        link.user_id, link.name, link.confirmed_by_id = user.id, name, getattr(actor, "id", None)
    _, id_field = _FIELDS[kind]
    changed = 0
    for case in cases_naming(kind, name):
        if getattr(case, id_field) != user.id:
            setattr(case, id_field, user.id)
            changed += 1
    db.session.flush()
    record(actor, "cases.person_linked", link, column=kind.value, name=name, user=user.email,
           previous=previous, case_files=changed)
    return changed
