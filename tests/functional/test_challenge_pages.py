"""The challenge pages through the web client: raise, respond, escalate, accept, and who sees what."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from qa_app.challenges import services
from qa_app.challenges.models import Challenge
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.presentation import uk_date
from qa_app.working_days import add_working_days
from tests.conftest import _csrf_from, csrf_token, sign_in


@dataclass
class People:
    iro: object
    other_iro: object
    worker: object
    manager: object
    service_manager: object
    qa: object
    viewer: object
    admin: object


@pytest.fixture
def people(make_user):
    return People(
        iro=make_user("iro", email="ira.iro@example.org"),
        other_iro=make_user("iro", email="olu.other@example.org"),
        worker=make_user("practitioner", team="Assessment", email="worker.a@example.org"),
        manager=make_user("auditor", team="Assessment", email="tess.manager@example.org"),
        service_manager=make_user("moderator", team="Assessment", email="sam.service@example.org"),
        qa=make_user("qa_lead", email="quinn.qa@example.org"),
        viewer=make_user("viewer", email="vic.viewer@example.org"),
        admin=make_user("admin", email="ada.admin@example.org"),
    )


@pytest.fixture
def raised(make_case, people):
    """A challenge on a case in the Assessment team, raised today by the IRO; returns its id."""
    def make(category="drift_delay", reference=None):
        challenge = services.raise_challenge(
            case_file=make_case(team="Assessment", reference=reference), actor=people.iro, category=category,
            concern="Drift: no plan for 14 months.", outcome_sought="A permanence plan.", today=date.today())
        db.session.commit()
        return challenge.id

    return make


def load(challenge_id) -> Challenge:
    db.session.expire_all()
    return db.session.get(Challenge, challenge_id)


def text(response) -> str:
    return response.get_data(as_text=True)


def switch(client, user) -> None:
    client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    sign_in(client, user)


def location(response) -> str:
    return urlsplit(response.headers["Location"]).path


# --- raising ------------------------------------------------------------------------------------

def test_an_iro_raises_a_challenge_from_the_case_reference(client, make_case, people):
    case = make_case(team="Assessment", reference="CF-1001")
    case_id = case.id
    sign_in(client, people.iro)
    page = client.get("/challenges/new")
    assert page.status_code == 200 and 'for="reference"' in text(page)

    missing = client.get("/challenges/new?reference=NOPE")
    assert missing.status_code == 400
    assert "There is no case file with the reference &#39;NOPE&#39;" in text(missing)

    found = client.get("/challenges/new?reference=cf-1001")
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/challenges/new/{case_id}")

    form = client.get(f"/challenges/new/{case_id}")
    body = text(form)
    assert form.status_code == 200
    assert "Worker A, the allocated worker" in body and "Tess Manager, team manager of Assessment" in body
    token = _csrf_from(body)

    empty = client.post(f"/challenges/new/{case_id}", data={"csrf_token": token, "audit_id": "0"})
    assert empty.status_code == 400
    for message in ("Choose what the concern is about", "Describe the concern", "Say what outcome you are seeking"):
        assert message in text(empty)
    assert db.session.scalar(sa.select(sa.func.count(Challenge.id))) == 0

    done = client.post(f"/challenges/new/{case_id}", data={
        "csrf_token": token, "category": "placement", "concern": "Placement at risk of breakdown.",
        "outcome_sought": "A placement stability meeting this week.", "audit_id": "0"})
    assert done.status_code == 302
    challenge = db.session.scalar(sa.select(Challenge))
    assert location(done) == f"/challenges/{challenge.id}"
    assert (challenge.category, challenge.case_file_id, challenge.raised_by_id) == ("placement", case_id, people.iro.id)

    page = client.get(location(done))
    body = text(page)
    assert "Challenge raised on case file CF-1001." in body
    assert "Placement at risk of breakdown." in body
    assert uk_date(add_working_days(date.today(), 5)) in body     # due in five working days, in UK format


@pytest.mark.parametrize("role", ["qa_lead", "auditor", "viewer", "practitioner"])
def test_only_an_iro_may_raise(client, make_user, make_case, role):
    case_id = make_case().id
    sign_in(client, make_user(role))
    assert client.get(f"/challenges/new/{case_id}").status_code == 403
    response = client.post(f"/challenges/new/{case_id}", data={
        "csrf_token": csrf_token(client), "category": "health", "concern": "c", "outcome_sought": "o"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Challenge.id))) == 0


def test_raising_on_a_case_that_does_not_exist_is_404(client, people):
    sign_in(client, people.iro)
    assert client.get("/challenges/new/99999").status_code == 404


# --- the whole journey --------------------------------------------------------------------------

def test_respond_escalate_respond_accept(client, people, raised):
    challenge_id = raised()

    # The team manager sees it waiting, and responds.
    sign_in(client, people.manager)
    home = text(client.get("/home"))
    assert "Challenges awaiting your response: 1" in home
    awaiting = text(client.get("/challenges/awaiting"))
    assert f"/challenges/{challenge_id}" in awaiting
    page = client.get(f"/challenges/{challenge_id}")
    assert 'name="response"' in text(page)
    assert "Escalate the challenge" not in text(page)        # not theirs to escalate
    response = client.post(f"/challenges/{challenge_id}/respond", data={
        "csrf_token": _csrf_from(text(page)), "version": str(load(challenge_id).version),
        "response": "The plan goes to panel next week."})
    assert response.status_code == 302 and location(response) == f"/challenges/{challenge_id}"
    assert "No challenge is waiting for your response." in text(client.get("/challenges/awaiting"))

    # The IRO is not satisfied: escalates to stage 1, to the suggested team manager.
    switch(client, people.iro)
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert "The plan goes to panel next week." in page and 'name="outcome"' in page
    form = client.get(f"/challenges/{challenge_id}/escalate")
    body = text(form)
    assert form.status_code == 200
    assert re.search(rf'<option value="{people.manager.id}" selected', body), "the team manager is suggested"
    assert "Formal stage 1: Team manager, due " + uk_date(add_working_days(date.today(), 5)) in body
    moved = client.post(f"/challenges/{challenge_id}/escalate", data={
        "csrf_token": _csrf_from(body), "version": str(load(challenge_id).version), "to_stage": "stage_2",
        "responder_id": str(people.service_manager.id), "second_responder_id": "0", "reason": ""})
    assert moved.status_code == 400
    assert "Give the reason for skipping a stage" in text(moved)
    moved = client.post(f"/challenges/{challenge_id}/escalate", data={
        "csrf_token": _csrf_from(body), "version": str(load(challenge_id).version), "to_stage": "stage_1",
        "responder_id": str(people.service_manager.id), "second_responder_id": "0", "reason": ""})
    assert moved.status_code == 302
    assert load(challenge_id).current_stage == "stage_1"
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert "within 20 working days of the formal process starting" in page
    assert uk_date(add_working_days(date.today(), 20)) in page

    # The service manager responds; the IRO accepts.
    switch(client, people.service_manager)
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert client.post(f"/challenges/{challenge_id}/respond", data={
        "csrf_token": _csrf_from(page), "version": str(load(challenge_id).version),
        "response": "Panel date fixed."}).status_code == 302
    switch(client, people.iro)
    page = text(client.get(f"/challenges/{challenge_id}"))
    accepted = client.post(f"/challenges/{challenge_id}/accept", data={
        "csrf_token": _csrf_from(page), "version": str(load(challenge_id).version), "outcome": "Plan agreed."})
    assert accepted.status_code == 302
    challenge = load(challenge_id)
    assert (challenge.status, challenge.resolved_stage, challenge.resolution) == ("resolved", "stage_1", "Plan agreed.")
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert "Outcome agreed" in page and 'name="response"' not in page and 'name="outcome"' not in page


def test_responding_to_a_closed_challenge_gives_a_clear_message(client, people, raised):
    challenge_id = raised()
    challenge = load(challenge_id)
    services.withdraw(challenge, actor=people.iro, reason="Moved out of area.", expected_version=challenge.version,
                      today=date.today())
    db.session.commit()
    sign_in(client, people.worker)
    response = client.post(f"/challenges/{challenge_id}/respond", data={
        "csrf_token": csrf_token(client), "version": str(load(challenge_id).version), "response": "Too late"})
    assert response.status_code == 409
    assert "This challenge cannot be given a response: it is withdrawn." in text(response)
    assert load(challenge_id).stages[0].response == ""


def test_a_stale_page_gets_a_conflict_message_and_can_try_again(client, people, raised):
    challenge_id = raised()
    old_version = load(challenge_id).version
    sign_in(client, people.iro)
    token = csrf_token(client, f"/challenges/{challenge_id}/escalate")
    # Meanwhile the worker responds.
    challenge = load(challenge_id)
    services.respond(challenge, actor=people.worker, response="Done.", expected_version=challenge.version)
    db.session.commit()

    data = {"csrf_token": token, "version": str(old_version), "to_stage": "stage_1",
            "responder_id": str(people.manager.id), "second_responder_id": "0", "reason": "Not enough"}
    response = client.post(f"/challenges/{challenge_id}/escalate", data=data)
    body = text(response)
    assert response.status_code == 409
    assert "Worker A changed this challenge after you opened it" in body
    assert "Not enough" in body                                       # what they typed is kept
    assert load(challenge_id).current_stage == "informal"
    new_version = re.search(r'name="version" type="hidden" value="(\d+)"', body) or re.search(
        r'name="version" value="(\d+)"', body)
    assert int(new_version.group(1)) == load(challenge_id).version
    again = client.post(f"/challenges/{challenge_id}/escalate", data=dict(data, version=new_version.group(1)))
    assert again.status_code == 302
    assert load(challenge_id).current_stage == "stage_1"


def test_posts_need_the_csrf_token(client, people, raised):
    challenge_id = raised()
    sign_in(client, people.worker)
    response = client.post(f"/challenges/{challenge_id}/respond", data={
        "version": str(load(challenge_id).version), "response": "No token"})
    assert response.status_code == 400
    assert load(challenge_id).stages[0].responded_at is None


def test_withdraw_and_cafcass_pages(client, people, raised):
    challenge_id = raised()
    sign_in(client, people.iro)
    page = client.get(f"/challenges/{challenge_id}/cafcass")
    assert page.status_code == 200 and "Date of the referral to Cafcass" in text(page)
    day = date.today() - timedelta(days=1)
    response = client.post(f"/challenges/{challenge_id}/cafcass", data={
        "csrf_token": _csrf_from(text(page)), "version": str(load(challenge_id).version),
        "referred_on": [str(day.day), str(day.month), str(day.year)]})
    assert response.status_code == 302
    assert load(challenge_id).cafcass_referred_on == day
    assert f"Referred on {uk_date(day)}" in text(client.get(f"/challenges/{challenge_id}"))
    # Flagged once only: the page now refuses with a reason.
    again = client.get(f"/challenges/{challenge_id}/cafcass")
    assert again.status_code == 409 and "already recorded" in text(again)

    page = client.get(f"/challenges/{challenge_id}/withdraw")
    empty = client.post(f"/challenges/{challenge_id}/withdraw", data={
        "csrf_token": _csrf_from(text(page)), "version": str(load(challenge_id).version), "reason": ""})
    assert empty.status_code == 400 and "Give the reason for withdrawing the challenge" in text(empty)
    done = client.post(f"/challenges/{challenge_id}/withdraw", data={
        "csrf_token": _csrf_from(text(page)), "version": str(load(challenge_id).version),
        "reason": "Agreed at the review."})
    assert done.status_code == 302 and load(challenge_id).status == "withdrawn"
    assert "Why it was withdrawn" in text(client.get(f"/challenges/{challenge_id}"))


def test_changing_the_responders(client, people, raised):
    challenge_id = raised()
    sign_in(client, people.qa)
    page = client.get(f"/challenges/{challenge_id}/responders")
    assert re.search(rf'<option value="{people.worker.id}" selected', text(page))
    response = client.post(f"/challenges/{challenge_id}/responders", data={
        "csrf_token": _csrf_from(text(page)), "version": str(load(challenge_id).version),
        "responder_id": str(people.service_manager.id), "second_responder_id": "0"})
    assert response.status_code == 302
    assert load(challenge_id).stages[0].responder_id == people.service_manager.id


# --- who may do what, per record ----------------------------------------------------------------

@pytest.mark.parametrize("who", ["other_iro", "qa"])
def test_any_iro_or_qa_lead_reads_but_only_the_raiser_or_qa_lead_escalates(client, people, raised, who):
    challenge_id = raised()
    sign_in(client, getattr(people, who))
    page = client.get(f"/challenges/{challenge_id}")
    assert page.status_code == 200
    escalate = client.get(f"/challenges/{challenge_id}/escalate")
    if who == "qa":
        assert escalate.status_code == 200
        assert "Escalate the challenge" in text(page)
    else:
        assert escalate.status_code == 403
        assert "Escalate the challenge" not in text(page)
        response = client.post(f"/challenges/{challenge_id}/escalate", data={
            "csrf_token": _csrf_from(text(page)), "version": str(load(challenge_id).version),
            "to_stage": "stage_1", "responder_id": str(people.manager.id), "second_responder_id": "0"})
        assert response.status_code == 403
        assert load(challenge_id).current_stage == "informal"


@pytest.mark.parametrize("who", ["service_manager", "viewer", "admin"])
def test_people_not_named_cannot_open_or_respond(client, people, raised, who):
    challenge_id = raised()
    sign_in(client, getattr(people, who))
    assert client.get(f"/challenges/{challenge_id}").status_code == 403
    response = client.post(f"/challenges/{challenge_id}/respond", data={
        "csrf_token": csrf_token(client), "version": str(load(challenge_id).version), "response": "Not mine"})
    assert response.status_code == 403
    assert load(challenge_id).stages[0].responded_at is None
    reads = db.session.scalar(sa.select(sa.func.count(Event.id)).where(Event.action == "challenge.viewed"))
    assert reads == 0


def test_a_challenge_that_does_not_exist_is_404(client, people):
    sign_in(client, people.qa)
    assert client.get("/challenges/4242").status_code == 404
    assert client.post("/challenges/4242/respond", data={"csrf_token": csrf_token(client)}).status_code == 404


def test_reading_a_challenge_is_recorded(client, people, raised):
    challenge_id = raised()
    sign_in(client, people.other_iro)
    client.get(f"/challenges/{challenge_id}")
    row = db.session.execute(sa.select(Event.actor_id, Event.object_id).where(
        Event.action == "challenge.viewed")).one()
    assert tuple(row) == (people.other_iro.id, challenge_id)


# --- the lists, panels and the report -----------------------------------------------------------

@pytest.mark.parametrize(("who", "path"), [("iro", "/challenges/mine"), ("qa", "/challenges/all"),
                                           ("viewer", "/challenges/all"), ("worker", "/challenges/awaiting")])
def test_challenges_goes_to_the_right_list(client, people, who, path):
    sign_in(client, getattr(people, who))
    response = client.get("/challenges/")
    assert response.status_code == 302 and location(response) == path
    assert 'href="/challenges/"' in text(client.get("/home"))       # the navigation item


def test_admin_has_no_challenges_menu(client, people):
    sign_in(client, people.admin)
    assert 'href="/challenges/"' not in text(client.get("/home"))
    assert client.get("/challenges/").status_code == 403


def test_my_challenges_and_the_home_panel_for_the_iro(client, people, raised):
    first, second = raised(reference="CF-2001"), raised(reference="CF-2002")
    sign_in(client, people.iro)
    body = text(client.get("/challenges/mine"))
    assert 'href="/challenges/report">Monthly report</a>' in body and 'href="/challenges/awaiting"' not in body
    assert "Open challenges (2)" in body and "CF-2001" in body and "CF-2002" in body
    assert "Your open challenges: 2" in text(client.get("/home"))
    assert {first, second} == {c.id for c in db.session.scalars(sa.select(Challenge))}


def test_all_challenges_filters_and_the_viewer_sees_no_content(client, people, raised):
    health = raised(category="health", reference="CF-3001")
    raised(category="placement", reference="CF-3002")
    sign_in(client, people.viewer)
    body = text(client.get("/challenges/all?category=health"))
    assert "CF-3001" in body and "CF-3002" not in body
    assert f'href="/challenges/{health}"' not in body          # the viewer cannot open it …
    assert "Drift: no plan" not in body                          # … nor read the concern
    body = text(client.get("/challenges/all?category=not-a-category&overdue=y"))
    assert "No challenges match these filters." in body          # none overdue yet; bad category ignored
    switch(client, people.qa)
    body = text(client.get("/challenges/all"))
    assert f'href="/challenges/{health}"' in body and "2 challenges" in body


def test_the_case_page_shows_its_challenges_and_a_raise_link(client, make_case, people, raised):
    challenge_id = raised(reference="CF-4001")
    case_id = load(challenge_id).case_file_id
    sign_in(client, people.iro)
    body = text(client.get(f"/cases/{case_id}"))
    assert f"/challenges/new/{case_id}" in body and "Raise a challenge on this case file" in body
    assert f"/challenges/{challenge_id}" in body
    switch(client, people.service_manager)      # a moderator reads case files, but is not named
    body = text(client.get(f"/cases/{case_id}"))
    assert "IRO challenges" not in body


def test_the_report_page(client, people, raised):
    raised(category="health")
    sign_in(client, people.viewer)
    this_month = date.today().replace(day=1)
    response = client.get(f"/challenges/report?month={this_month:%Y-%m}")
    body = text(response)
    assert response.status_code == 200
    assert f"IRO challenges: {this_month:%B %Y}" in body
    assert "(the month is not over yet)" in body
    assert re.search(r"Health</th>\s*<td[^>]*>1</td>", body), "one health challenge raised this month"
    bad = text(client.get("/challenges/report?month=2020-13"))
    assert "is not a month" in bad
    assert db.session.scalar(sa.select(sa.func.count(Event.id)).where(Event.action == "challenges.report_viewed")) == 2


@pytest.mark.parametrize("role", ["auditor", "practitioner", "moderator", "admin"])
def test_the_report_is_for_qa_leads_viewers_and_iros(client, make_user, role):
    sign_in(client, make_user(role))
    assert client.get("/challenges/report").status_code == 403
