"""Actions and reflections over HTTP: adding an action from a submitted audit, the owner completing
it, the auditor verifying it, the lists, the reflection page; refusals and CSRF."""

import re
from datetime import date, timedelta

import sqlalchemy as sa

from qa_app.actions.models import Action, Reflection
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.presentation import uk_date
from tests.conftest import _csrf_from, sign_in
from tests.integration.test_actions_services import cast, new_action

TODAY = date.today()


def date_parts(day):
    return [str(day.day), str(day.month), str(day.year)]


def test_auditor_adds_an_action_from_the_audit_page(app, client, make_user, make_audit):
    people = cast(make_user)
    audit = make_audit(auditor=people.auditor, status="submitted", overall_grade=3)
    audit.case_file.worker_id = people.worker.id   # the case is linked to its allocated worker's account
    db.session.commit()
    sign_in(client, people.auditor)
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert 'id="actions"' in page and f'href="/actions/audits/{audit.id}/new"' in page

    form = client.get(f"/actions/audits/{audit.id}/new")
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    assert f'<option value="{people.worker.id}" selected>' in html   # the allocated worker is suggested
    token = _csrf_from(html)
    data = {"csrf_token": token, "question_key": "plan_smart", "description": "Add dates to every plan objective.",
            "owner_id": str(people.worker.id), "due_date": date_parts(TODAY - timedelta(days=1))}
    refused = client.post(f"/actions/audits/{audit.id}/new", data=data)
    assert refused.status_code == 400
    assert "The due date must be today or in the future" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Action)) == 0

    due = TODAY + timedelta(days=14)
    response = client.post(f"/actions/audits/{audit.id}/new", data={**data, "due_date": date_parts(due)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/audits/{audit.id}#actions")
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "Add dates to every plan objective." in page
    assert uk_date(due) in page and re.search(r"\d+ [A-Z][a-z]+ \d{4}", uk_date(due))
    assert "Worker A" in page


def test_no_add_link_on_an_audit_not_yet_submitted(app, client, make_user, make_audit):
    people = cast(make_user)
    audit = make_audit(auditor=people.auditor, status="in_progress")
    sign_in(client, people.auditor)
    assert "/actions/audits/" not in client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert client.get(f"/actions/audits/{audit.id}/new").status_code == 400


def test_owner_marks_done_practitioner_cannot_verify_auditor_verifies(app, make_user, make_audit):
    people = cast(make_user)
    audit = make_audit(auditor=people.auditor, status="submitted", overall_grade=3)
    action = new_action(audit, owner=people.worker)
    action_id = action.id
    owner, auditor, stranger = app.test_client(), app.test_client(), app.test_client()
    sign_in(owner, people.worker)
    sign_in(auditor, people.auditor)
    sign_in(stranger, people.other_worker)

    home = owner.get("/home").get_data(as_text=True)
    assert "Your actions: <strong>1 open</strong>, <strong>0 overdue</strong>" in home
    assert "Make the plan SMART." in owner.get("/actions/mine").get_data(as_text=True)
    page = owner.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "Record what was done" in page and "Verify" not in page
    token = _csrf_from(page)

    # Someone else's action: not even visible.
    assert stranger.get(f"/actions/{action_id}").status_code == 403
    stranger_token = _csrf_from(stranger.get("/home").get_data(as_text=True))
    assert stranger.post(f"/actions/{action_id}/done", data={"csrf_token": stranger_token, "note": "Me"}).status_code == 403

    empty = owner.post(f"/actions/{action_id}/done", data={"csrf_token": token, "note": "", "version": "1"})
    assert empty.status_code == 400 and "Say what was done" in empty.get_data(as_text=True)
    done = owner.post(f"/actions/{action_id}/done", data={"csrf_token": token, "note": "Plan updated 4 May.",
                                                         "version": "1"})
    assert done.status_code == 302
    # The owner (a practitioner) cannot verify, even with a valid token.
    assert owner.post(f"/actions/{action_id}/verify", data={"csrf_token": token, "version": "2"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Action, action_id).status == "done"

    page = auditor.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "Plan updated 4 May." in page and "Verify: the change is in place" in page
    verified = auditor.post(f"/actions/{action_id}/verify", data={"csrf_token": _csrf_from(page), "version": "2"})
    assert verified.status_code == 302
    db.session.expire_all()
    assert db.session.get(Action, action_id).status == "verified"
    actions = db.session.scalars(sa.select(Event.action).where(Event.object_type == "actions")).all()
    assert actions == ["action.created", "action.viewed", "action.done", "action.viewed", "action.verified"]


def test_reopen_from_the_page_and_a_stale_form_is_refused(app, client, make_user, make_audit):
    people = cast(make_user)
    audit = make_audit(auditor=people.auditor, status="submitted", overall_grade=3)
    action = new_action(audit, owner=people.worker)
    from qa_app.actions.services import mark_done

    mark_done(action, actor=people.worker, note="Done.", expected_version=None)
    db.session.commit()
    action_id = action.id
    sign_in(client, people.auditor)
    token = _csrf_from(client.get(f"/actions/{action_id}").get_data(as_text=True))
    no_reason = client.post(f"/actions/{action_id}/reopen", data={"csrf_token": token, "reason": "", "version": "2"})
    assert no_reason.status_code == 400 and "Say why the action is being reopened" in no_reason.get_data(as_text=True)
    stale = client.post(f"/actions/{action_id}/reopen", data={"csrf_token": token, "reason": "x", "version": "1"})
    assert stale.status_code == 409
    ok = client.post(f"/actions/{action_id}/reopen", data={"csrf_token": token, "reason": "No dates yet.",
                                                          "version": "2"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Action, action_id).status == "reopened"


def test_a_post_without_a_csrf_token_changes_nothing(app, client, make_user, make_audit):
    people = cast(make_user)
    action = new_action(make_audit(auditor=people.auditor, status="submitted", overall_grade=3), owner=people.worker)
    sign_in(client, people.worker)
    response = client.post(f"/actions/{action.id}/done", data={"note": "Done.", "version": "1"})
    assert response.status_code == 400 and "Your form has expired" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "open"


def test_team_and_round_views(app, make_user, make_audit, make_case, make_round):
    people = cast(make_user)
    round_ = make_round(actor=people.qa)
    ours = make_audit(auditor=people.auditor, status="submitted", overall_grade=3, round_=round_,
                      case=make_case(reference="OURS-1", team="Assessment"))
    theirs = make_audit(auditor=people.auditor, status="submitted", overall_grade=3, round_=round_,
                        case=make_case(reference="THEIRS-1", team="Elsewhere"))
    new_action(ours, owner=people.worker, description="Due later", due=TODAY + timedelta(days=9))
    late = new_action(theirs, owner=people.worker, description="Already late")
    late.due_date = TODAY - timedelta(days=2)
    db.session.commit()

    manager, qa, worker = app.test_client(), app.test_client(), app.test_client()
    sign_in(manager, people.manager)
    sign_in(qa, people.qa)
    sign_in(worker, people.worker)
    team_page = manager.get("/actions/team").get_data(as_text=True)
    assert "OURS-1" in team_page and "THEIRS-1" not in team_page
    assert worker.get("/actions/team").status_code == 403
    round_page = qa.get(f"/actions/rounds/{round_.id}").get_data(as_text=True)
    assert round_page.index("Already late") < round_page.index("Due later")
    assert "Overdue" in round_page
    assert manager.get(f"/actions/rounds/{round_.id}").status_code == 403
    assert "Your actions: <strong>2 open</strong>, <strong>1 overdue</strong>" in worker.get("/home").get_data(as_text=True)


def test_allocated_worker_reflects_and_the_auditor_reads_it(app, make_user, make_audit):
    people = cast(make_user)
    audit = make_audit(auditor=people.auditor, status="submitted", overall_grade=3)
    audit.round.reflections_enabled = True
    audit.case_file.worker_id = people.worker.id
    db.session.commit()
    audit_id = audit.id
    worker, other, auditor = app.test_client(), app.test_client(), app.test_client()
    sign_in(worker, people.worker)
    sign_in(other, people.other_worker)
    sign_in(auditor, people.auditor)

    home = worker.get("/home").get_data(as_text=True)
    assert f'href="/actions/audits/{audit_id}/reflection"' in home
    page = worker.get(f"/actions/audits/{audit_id}/reflection")
    assert page.status_code == 200 and "Requires improvement" in page.get_data(as_text=True)
    token = _csrf_from(page.get_data(as_text=True))
    assert worker.post(f"/actions/audits/{audit_id}/reflection", data={"csrf_token": token, "text": ""}).status_code == 400
    saved = worker.post(f"/actions/audits/{audit_id}/reflection",
                        data={"csrf_token": token, "text": "I will record the child's views at every visit."})
    assert saved.status_code == 302
    assert other.get(f"/actions/audits/{audit_id}/reflection").status_code == 403
    assert "I will record the child&#39;s views at every visit." in auditor.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert db.session.scalar(sa.select(Reflection.author_id)) == people.worker.id
    read = db.session.scalars(sa.select(Event.actor_id).where(Event.action == "audit.read_for_reflection")).all()
    assert read == [people.worker.id]
