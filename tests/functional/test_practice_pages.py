"""Practice feedback pages: the case's people open the released audit read-only (and nobody else
does), the read is in the history, the home page lists it, and the response and conversation forms
keep what was typed and say what is wrong on the field."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.practice import services
from qa_app.practice.models import WorkerResponse
from tests.conftest import _csrf_from, csrf_token, sign_in
from tests.functional.test_moderation_support import submit

ROLES = ("auditor", "moderator", "qa_lead", "iro", "practitioner", "viewer", "admin")


@pytest.fixture
def case_audit(make_user, make_case, make_audit):
    worker = make_user("practitioner", team="North", email="worker@example.org")
    manager = make_user("auditor", team="North", email="manager@example.org")
    auditor = make_user("auditor", team="South", email="auditor@example.org")
    audit = submit(make_audit(auditor=auditor, case=make_case(team="North", worker=worker, manager=manager)),
                   grade=3, summary="The plan has no dates.")
    return audit, worker, manager, auditor


def _views(audit_id, actor_id):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.action == "audit.viewed", Event.object_id == audit_id, Event.actor_id == actor_id))


@pytest.mark.parametrize("role", ROLES)
def test_every_role_unlinked_is_refused_a_released_audit(app, client, make_user, case_audit, role):
    audit, *_ = case_audit
    services.release(audit, services.ReleaseReason.BY_HAND, actor=None)
    db.session.commit()
    stranger = make_user(role, team="North")   # same team, same role, but not linked to the case
    sign_in(client, stranger)
    response = client.get(f"/audits/{audit.id}")
    assert response.status_code == (200 if role == "qa_lead" else 403)
    assert _views(audit.id, stranger.id) == (1 if role == "qa_lead" else 0)


@pytest.mark.parametrize("who", ["worker", "manager"])
def test_the_case_people_read_the_whole_audit_once_released_and_the_read_is_logged(app, client, case_audit, who):
    audit, worker, manager, _ = case_audit
    person = {"worker": worker, "manager": manager}[who]
    sign_in(client, person)
    assert client.get(f"/audits/{audit.id}").status_code == 403   # not released yet
    services.release(audit, services.ReleaseReason.BY_HAND, actor=None)
    db.session.commit()
    page = client.get(f"/audits/{audit.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The plan has no dates." in body and "Record of the home visit on 3 October." in body   # evidence
    assert 'name="version"' not in body      # read-only: not the audit form
    assert client.post(f"/audits/{audit.id}", data={"csrf_token": csrf_token(client), "version": "1",
                                                    "action": "draft"}).status_code == 403
    assert _views(audit.id, person.id) == 1
    home = client.get("/home").get_data(as_text=True)
    assert f'href="/audits/{audit.id}"' in home and "Audit findings released to you" in home
    assert ("Your response needed" in home) == (who == "worker")


def test_the_worker_responds_and_the_form_keeps_what_was_typed(app, client, case_audit):
    audit, worker, _, auditor = case_audit
    services.release(audit, services.ReleaseReason.BY_HAND, actor=None)
    db.session.commit()
    sign_in(client, worker)
    form = client.get(f"/practice/audits/{audit.id}/response")
    token = _csrf_from(form.get_data(as_text=True))
    bad = client.post(f"/practice/audits/{audit.id}/response",
                      data={"csrf_token": token, "will_do": "", "comments": "I was on leave in <May>."})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert 'href="#agreement"' in body and "Say whether you agree with the findings" in body
    assert "Say what you will do" in body and "I was on leave in &lt;May&gt;." in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkerResponse)) == 0
    good = client.post(f"/practice/audits/{audit.id}/response",
                       data={"csrf_token": token, "agreement": "partly", "will_do": "Date every plan action.",
                             "comments": "I was on leave in <May>."})
    assert good.status_code == 302 and good.headers["Location"].endswith(f"/audits/{audit.id}#practice")
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "Partly agrees with the findings" in page and "Date every plan action." in page
    auditor_client = app.test_client()
    sign_in(auditor_client, auditor)
    assert "Date every plan action." in auditor_client.get(f"/audits/{audit.id}").get_data(as_text=True)


def test_the_team_manager_records_the_conversation_with_messages_on_the_fields(app, client, case_audit):
    audit, _, manager, _ = case_audit
    services.release(audit, services.ReleaseReason.BY_HAND, actor=None)
    db.session.commit()
    sign_in(client, manager)
    token = _csrf_from(client.get(f"/practice/audits/{audit.id}/conversation").get_data(as_text=True))
    tomorrow = date.today() + timedelta(days=1)
    bad = client.post(f"/practice/audits/{audit.id}/conversation", data={
        "csrf_token": token, "held_on": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)],
        "attendees": "Sam (worker) and me", "notes": "Agreed to date the plan."})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "The date of the conversation must be today or in the past" in body
    assert "Choose how the conversation took place" in body
    assert "Sam (worker) and me" in body and "Agreed to date the plan." in body
    today = date.today()
    good = client.post(f"/practice/audits/{audit.id}/conversation", data={
        "csrf_token": token, "held_on": [str(today.day), str(today.month), str(today.year)],
        "attendees": "Sam (worker) and me", "method": "supervision", "notes": ""})
    assert good.status_code == 302
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "In supervision" in page and "Sam (worker) and me" in page


def test_a_qa_lead_releases_by_hand_and_the_people_are_told(app, client, make_user, case_audit):
    audit, worker, manager, _ = case_audit
    sign_in(client, make_user("qa_lead"))
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "Release it now" in page
    response = client.post(f"/practice/audits/{audit.id}/release", data={"csrf_token": _csrf_from(page)},
                           follow_redirects=True)
    body = response.get_data(as_text=True)
    assert f"has been released to {worker.display_name} and {manager.display_name}" in body
    assert "Release it now" not in body
    assert client.post(f"/practice/audits/{audit.id}/release",
                       data={"csrf_token": _csrf_from(body)}).status_code == 403   # once only


def test_the_report_page_shows_the_feedback_to_workers(app, client, make_user, case_audit):
    audit, *_ = case_audit
    services.release(audit, services.ReleaseReason.BY_HAND, actor=None)
    services.record_conversation(audit, actor=audit.auditor, held_on=date.today(), attendees="Worker",
                                 method="phone", notes="", today=date.today(), expected_version=None)
    db.session.commit()
    sign_in(client, make_user("qa_lead"))
    page = client.get(f"/reports/?rounds={audit.round_id}").get_data(as_text=True)
    assert "Released to the case's people: 1. Feedback conversations recorded: 1 (100.0% of released audits)" in page
