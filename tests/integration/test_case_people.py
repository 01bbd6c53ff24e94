"""The case's people by identity: the case list import links the allocated worker and the team
manager to accounts by email, or by a name an administrator confirmed (`users link`); nothing is
matched by comparing names, and whatever is not matched is listed."""

import sqlalchemy as sa
import pytest

from qa_app.cases.importing import import_cases
from qa_app.cases.models import CaseFile, NameLink, PersonColumn
from qa_app.cases.people import link_name, unlinked_names
from qa_app.errors import ValidationFailed
from qa_app.extensions import db
from qa_app.history.models import Event

HEADER = "Case reference,Case type,Team,Allocated worker,Team manager\n"


def run(*rows: str, header: str = HEADER):
    result = import_cases((header + "".join(r + "\n" for r in rows)).encode(), "cases.csv", actor=None)
    db.session.commit()
    return result


def case(reference: str) -> CaseFile:
    db.session.expire_all()
    return db.session.scalar(sa.select(CaseFile).where(CaseFile.reference == reference))


@pytest.fixture
def worker(make_user):
    user = make_user("practitioner", team="North", email="sam.worker@example.org")
    user.display_name = "Sam Worker"
    db.session.commit()
    return user


@pytest.fixture
def manager(make_user):
    return make_user("auditor", team="North", email="tess.manager@example.org")


def test_emails_link_the_worker_and_the_manager_and_show_their_names(worker, manager):
    result = run("P1,CP,North,SAM.Worker@example.org,tess.manager@example.org")
    linked = case("P1")
    assert (linked.worker_id, linked.manager_id) == (worker.id, manager.id)
    assert linked.allocated_worker == "Sam Worker"   # the account's name, not the address
    assert result.unmatched == []


def test_a_name_is_never_matched_to_an_account_by_itself(worker):
    """'Sam Worker' is exactly the practitioner's display name, yet nothing links: names are not identity."""
    result = run("P1,CP,North,Sam Worker,", "P2,CP,North,Sam Worker,", "P3,CP,North,nobody@example.org,Ann Boss")
    assert case("P1").worker_id is None and case("P1").allocated_worker == "Sam Worker"
    assert result.unmatched == [(PersonColumn.WORKER, "nobody@example.org", 1), (PersonColumn.WORKER, "Sam Worker", 2),
                                (PersonColumn.MANAGER, "Ann Boss", 1)]
    assert result.unmatched_lines()[1] == "Allocated worker 'Sam Worker' (2 case files) is not linked to an account"
    event = db.session.scalar(sa.select(Event).where(Event.action == "cases.imported"))
    assert ["worker", "Sam Worker", 2] in event.detail["unmatched"]


def test_a_confirmed_name_links_now_and_in_every_later_import(worker, make_user):
    admin = make_user("admin")
    run("P1,CP,North,Sam  Worker,", "P2,CP,North,sam worker,", "P3,CP,North,Other Person,")
    assert unlinked_names() == [(PersonColumn.WORKER, "Sam Worker", 2), (PersonColumn.WORKER, "Other Person", 1)]
    changed = link_name(PersonColumn.WORKER, "Sam Worker", worker, actor=admin)
    db.session.commit()
    assert changed == 2   # both spellings differ only in case and spaces
    assert case("P1").worker_id == case("P2").worker_id == worker.id and case("P3").worker_id is None
    result = run("P4,CP,North,SAM WORKER,")
    assert case("P4").worker_id == worker.id and result.unmatched == []
    event = db.session.scalar(sa.select(Event).where(Event.action == "cases.person_linked"))
    assert (event.actor_id, event.detail["user"], event.detail["case_files"]) == (admin.id, worker.email, 2)
    # Moving a file to someone the link does not know unlinks it (a new worker is not the old one).
    run("P1,CP,North,Someone New,")
    assert case("P1").worker_id is None


def test_a_list_without_the_columns_leaves_the_links_alone_and_an_empty_cell_clears_them(worker, manager):
    run("P1,CP,North,sam.worker@example.org,tess.manager@example.org")
    run("P1,CP,North", header="Case reference,Case type,Team\n")
    assert (case("P1").worker_id, case("P1").manager_id) == (worker.id, manager.id)
    run("P1,CP,North,,")
    assert (case("P1").worker_id, case("P1").manager_id, case("P1").allocated_worker) == (None, None, "")


@pytest.mark.parametrize(("kind", "who", "message"), [
    (PersonColumn.WORKER, "manager", "does not have the practitioner role"),
    (PersonColumn.MANAGER, "worker", "does not have the auditor role"),
    (PersonColumn.WORKER, "inactive", "the account is inactive"),
])
def test_a_link_needs_an_active_account_with_the_right_role(make_user, worker, manager, kind, who, message):
    users = {"worker": worker, "manager": manager, "inactive": make_user("practitioner", active=False)}
    with pytest.raises(ValidationFailed) as info:
        link_name(kind, "Sam Worker", users[who], actor=None)
    assert message in info.value.problems[0][1]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NameLink)) == 0


def test_an_email_is_not_linked_by_name(worker):
    with pytest.raises(ValidationFailed) as info:
        link_name(PersonColumn.WORKER, "sam.worker@example.org", worker, actor=None)
    assert "links to its account by itself" in info.value.problems[0][1]
