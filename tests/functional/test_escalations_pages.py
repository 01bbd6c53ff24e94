"""A child at immediate risk over HTTP: the auditor flags it on the audit form; it heads the team
manager's dashboard; someone with authority acknowledges it; everyone else is refused."""

import re
from datetime import date, timedelta

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
    escalation.raised_at -= timedelta(days=6, hours=3)   # as if raised six days ago
    escalation.due_at -= timedelta(days=6, hours=3)
    db.session.commit()
    moderator = app.test_client()
    sign_in(moderator, people["moderator"])
    index = moderator.get("/escalations/").get_data(as_text=True)
    assert "Overdue" in index and "Not acknowledged for 6 days and 3 hours" in index
    case_page = moderator.get(f"/cases/{audit.case_file_id}").get_data(as_text=True)
    assert 'id="escalations-panel"' in case_page and "Overdue" in case_page
    assert case_page.index('id="escalations-panel"') < case_page.index("<h2 class=\"govuk-heading-m\">Audits</h2>")


def test_flagging_warns_what_to_do_now_and_says_who_has_been_told(app, make_user, make_audit, make_case,
                                                                  make_round):
    app.config.update(DUTY_TEAM_PHONE="01753 875362", OUT_OF_HOURS_PHONE="01344 786543")
    people, audit = setup(make_user, make_audit, make_case, make_round)
    auditor = app.test_client()
    sign_in(auditor, people["auditor"])
    response = flag_on_the_form(auditor, audit.id)
    page = auditor.get(response.headers["Location"]).get_data(as_text=True)
    banner = page[page.index('id="act-now"'):]
    banner = banner[:banner.index("</div>\n</div>")]
    # A warning that must be read now, not a green "Success".
    assert 'role="alert"' in page[page.rindex("<div", 0, page.index('id="act-now"')):page.index('id="act-now"') + 200]
    assert "govuk-notification-banner--success" not in page[page.rindex("<div", 0, page.index('id="act-now"')):
                                                           page.index('id="act-now"')]
    assert "Important: act now" in banner
    assert "phone the team manager of Assessment, or the duty / MASH team on 01753 875362" in banner
    assert "out of hours: the emergency duty team on 01344 786543" in banner
    told = [people[who].display_name for who in ("manager", "moderator", "qa")]
    assert all(name in banner for name in told)
    assert people["other_manager"].display_name not in banner
    assert "must acknowledge it by" in banner
    # The save itself is still confirmed.
    assert "Draft saved" in page


def test_the_raiser_sees_what_they_raised_and_where_it_stands(app, make_user, make_audit, make_case, make_round):
    people, audit = setup(make_user, make_audit, make_case, make_round)
    auditor = app.test_client()
    sign_in(auditor, people["auditor"])
    flag_on_the_form(auditor, audit.id)
    index = auditor.get("/escalations/").get_data(as_text=True)
    # The auditor has no authority for the case, so nothing waits on them, but they raised this one.
    mine = index[index.index('id="raised-by-me"'):]
    assert "Escalations you raised" in mine and "CF-20481" in mine and "Not acknowledged for" in mine


def test_acknowledge_then_record_the_outcome_and_the_trail_names_everyone(app, make_user, make_audit, make_case,
                                                                          make_round):
    people, audit = setup(make_user, make_audit, make_case, make_round)
    auditor, manager = app.test_client(), app.test_client()
    sign_in(auditor, people["auditor"])
    sign_in(manager, people["manager"])
    flag_on_the_form(auditor, audit.id)
    escalation_id = db.session.scalar(sa.select(Escalation.id))
    page = manager.get(f"/escalations/{escalation_id}").get_data(as_text=True)
    assert "Record the outcome" not in page              # only once it is acknowledged
    token = _csrf_from(page)
    manager.post(f"/escalations/{escalation_id}/acknowledge",
                 data={"csrf_token": token, "version": "1", "action_taken": "Duty worker visiting today."})
    page = manager.get(f"/escalations/{escalation_id}").get_data(as_text=True)
    assert "Acknowledged: outcome to record" in page and "Record the outcome" in page
    today = date.today()
    bad = manager.post(f"/escalations/{escalation_id}/outcome", data={
        "csrf_token": token, "version": "2", "outcome": "no_further_action", "note": "",
        "outcome_on": [str(today.day), str(today.month), str(today.year)]})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Say why no further action is needed" in text
    assert 'value="no_further_action" checked' in text     # what was chosen is kept
    db.session.expire_all()
    assert db.session.get(Escalation, escalation_id).status == "acknowledged"
    done = manager.post(f"/escalations/{escalation_id}/outcome", data={
        "csrf_token": token, "version": "2", "outcome": "no_further_action",
        "note": "Seen with mother; bruise explained by a fall at nursery, confirmed by the nursery.",
        "outcome_on": [str(today.day), str(today.month), str(today.year)]})
    assert done.status_code == 302
    page = manager.get(f"/escalations/{escalation_id}").get_data(as_text=True)
    assert "Closed" in page and "No further action on" in page and "confirmed by the nursery" in page
    trail = page[page.index('id="trail"'):]
    assert f"Viewed by {people['manager'].display_name}" in trail
    assert f"Raised by {people['auditor'].display_name}" in trail
    assert f"Outcome recorded, closed by {people['manager'].display_name}" in trail
