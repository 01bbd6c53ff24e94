"""A child at immediate risk over HTTP: the auditor flags it on the audit form; it heads the team
manager's dashboard; someone with authority acknowledges it; everyone else is refused."""

import re
from datetime import timedelta

import sqlalchemy as sa

from qa_app.escalations.models import Escalation
from qa_app.extensions import db
from qa_app.history.models import Event
from tests.conftest import _csrf_from, sign_in

REASON = "Bruising seen on a home visit, no strategy discussion recorded."


def setup(make_user, make_audit, make_case, make_round):
    qa = make_user("qa_lead")
    people = dict(
        auditor=make_user("auditor", team="Another team"),
        manager=make_user("auditor", team="Assessment"),
        other_manager=make_user("auditor", team="Elsewhere"),
        moderator=make_user("moderator"),
        worker=make_user("practitioner", team="Assessment"),
        qa=qa,
    )
    audit = make_audit(auditor=people["auditor"], round_=make_round(actor=qa),
                       case=make_case(reference="CF-20481", team="Assessment"))
    return people, audit


def flag_on_the_form(client, audit_id):
    page = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    return client.post(f"/audits/{audit_id}", data={
        "csrf_token": _csrf_from(page), "version": version, "action": "draft",
        "immediate_risk": "y", "immediate_risk_reason": REASON})


def test_flag_then_the_team_manager_sees_and_acknowledges_it(app, make_user, make_audit, make_case, make_round):
    people, audit = setup(make_user, make_audit, make_case, make_round)
    audit_id = audit.id
    auditor, manager = app.test_client(), app.test_client()
    sign_in(auditor, people["auditor"])
    sign_in(manager, people["manager"])

    response = flag_on_the_form(auditor, audit_id)
    assert response.status_code == 302
    escalation = db.session.scalar(sa.select(Escalation))
    assert escalation is not None and escalation.status == "raised"
    escalation_id = escalation.id
    audit_page = auditor.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert "Child at immediate risk" in audit_page and "Not acknowledged for less than a minute" in audit_page

    home = manager.get("/home").get_data(as_text=True)
    assert 'id="escalations-panel"' in home
    assert home.index('id="escalations-panel"') < home.index("Your audits")   # at the top of the dashboard
    assert "CF-20481" in home and "Not acknowledged for less than a minute" in home
    assert REASON not in home   # the dashboard names the case, the escalation page gives the reason

    page = manager.get(f"/escalations/{escalation_id}").get_data(as_text=True)
    assert REASON in page and "Acknowledge and record the action taken" in page
    token = _csrf_from(page)
    empty = manager.post(f"/escalations/{escalation_id}/acknowledge",
                         data={"csrf_token": token, "version": "1", "action_taken": " "})
    assert empty.status_code == 400 and "Say what action has been taken" in empty.get_data(as_text=True)
    done = manager.post(f"/escalations/{escalation_id}/acknowledge",
                        data={"csrf_token": token, "version": "1",
                              "action_taken": "Strategy discussion arranged for 2pm; child seen by duty worker."})
    assert done.status_code == 302
    page = manager.get(f"/escalations/{escalation_id}").get_data(as_text=True)
    assert "Acknowledged by" in page and "Strategy discussion arranged" in page
    assert "Acknowledge and record the action taken" not in page
    assert 'id="escalations-panel"' not in manager.get("/home").get_data(as_text=True)
    trail = db.session.scalars(sa.select(Event.action).where(Event.object_type == "escalations",
                                                             Event.action != "escalation.viewed")).all()
    assert trail == ["escalation.raised", "escalation.notified", "escalation.acknowledged"]


def test_people_without_authority_are_refused(app, make_user, make_audit, make_case, make_round):
    people, audit = setup(make_user, make_audit, make_case, make_round)
    auditor = app.test_client()
    sign_in(auditor, people["auditor"])
    flag_on_the_form(auditor, audit.id)
    escalation_id = db.session.scalar(sa.select(Escalation.id))
    # The auditor who raised it may read it, but not acknowledge it.
    assert auditor.get(f"/escalations/{escalation_id}").status_code == 200
    for who in ("auditor", "other_manager", "worker"):
        client = auditor if who == "auditor" else app.test_client()
        if who != "auditor":
            sign_in(client, people[who])
            assert client.get(f"/escalations/{escalation_id}").status_code == 403
        token = _csrf_from(client.get("/home").get_data(as_text=True))
        refused = client.post(f"/escalations/{escalation_id}/acknowledge",
                              data={"csrf_token": token, "version": "1", "action_taken": "Not mine"})
        assert refused.status_code == 403, who
    db.session.expire_all()
    assert db.session.get(Escalation, escalation_id).status == "raised"
    assert [e for e in db.session.scalars(sa.select(Event.action).where(
        Event.action == "escalation.acknowledged"))] == []


def test_overdue_is_shown_in_words_and_on_the_case_page(app, make_user, make_audit, make_case, make_round):
    people, audit = setup(make_user, make_audit, make_case, make_round)
    auditor = app.test_client()
    sign_in(auditor, people["auditor"])
    flag_on_the_form(auditor, audit.id)
    escalation = db.session.scalar(sa.select(Escalation))
    escalation.raised_at -= timedelta(days=6, hours=3)
    db.session.commit()
    moderator = app.test_client()
    sign_in(moderator, people["moderator"])
    index = moderator.get("/escalations/").get_data(as_text=True)
    assert "Overdue" in index and "Not acknowledged for 6 days and 3 hours" in index
    case_page = moderator.get(f"/cases/{audit.case_file_id}").get_data(as_text=True)
    assert 'id="escalations-panel"' in case_page and "Overdue" in case_page
    assert case_page.index('id="escalations-panel"') < case_page.index("<h2 class=\"govuk-heading-m\">Audits</h2>")
