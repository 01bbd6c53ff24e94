"""Administration in the browser (issue 11, point 1), through the app: invitations by an emailed
single-use expiring link, roles, team and service area, deactivation and reactivation, reset of
two-step verification, ending sessions, teams, and the access review with overdue reviews on the
administrator's home page; all in the history. The browser walk: test_administration_browser.py."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from qa_app.admin.models import AccessReview, Invitation
from qa_app.auth.models import Team, User
from qa_app.db import utcnow
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.mfa.models import TotpCredential
from qa_app.notifications.models import Notification
from tests.conftest import PASSWORD, _csrf_from, csrf_token, sign_in
from tests.functional.test_auth import _error_messages, _is_signed_in, _post_sign_in

NEW_PASSWORD = "lantern orchard velvet 42"


def _admin_client(app, make_user):
    admin = make_user("admin")
    client = app.test_client()
    sign_in(client, admin)
    return admin, client


def _invite(client, email="new.person@example.org", name="New Person", roles=("auditor",), team=""):
    page = client.get("/admin/people/invite").get_data(as_text=True)
    return client.post("/admin/people/invite", data={
        "email": email, "display_name": name, "roles": list(roles), "team_id": team, "csrf_token": _csrf_from(page)})


def _link_for(email):
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    body = db.session.scalars(sa.select(Notification.body).where(Notification.recipient_id == user.id)
                              .order_by(Notification.id.desc())).first()
    return urlsplit(re.search(r"(\S*/invitation/\S+)", body).group(1)).path


def _events(action):
    db.session.expire_all()
    return db.session.scalars(sa.select(Event).where(Event.action == action).order_by(Event.id)).all()


def test_an_invitation_link_sets_a_password_once(app, make_user):
    admin, client = _admin_client(app, make_user)
    response = _invite(client)
    assert response.status_code == 302
    invited = db.session.scalar(sa.select(User).where(User.email == "new.person@example.org"))
    assert invited.password_hash is None and invited.active and {r.value for r in invited.roles} == {"auditor"}
    path = _link_for("new.person@example.org")
    stranger = app.test_client()
    # Opening the link (as a mail scanner does) uses nothing up.
    for _ in range(2):
        page = stranger.get(path)
        assert page.status_code == 200 and "Choose your password" in page.get_data(as_text=True)
    weak = stranger.post(path, data={"password": "password1234", "confirm_password": "password1234",
                                     "csrf_token": _csrf_from(page.get_data(as_text=True))})
    assert weak.status_code == 400
    assert _error_messages(weak.get_data(as_text=True))[0].startswith("Choose a password that is harder to guess")
    done = stranger.post(path, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
                                     "csrf_token": csrf_token(stranger, path)})
    assert done.status_code == 302 and urlsplit(done.headers["Location"]).path == "/sign-in"
    assert stranger.get(path).status_code == 404                      # used up
    assert _post_sign_in(app.test_client(), "new.person@example.org", NEW_PASSWORD).status_code == 302
    assert [e.object_id for e in _events("user.invited")] == [invited.id]
    assert [e.actor_id for e in _events("invitation.accepted")] == [invited.id]
    stored = db.session.scalar(sa.select(Invitation.token_hash))
    assert stored not in path and len(stored) == 64                    # only the token's hash is kept


def test_links_expire_and_a_new_link_cancels_the_old(app, make_user):
    admin, client = _admin_client(app, make_user)
    _invite(client, email="slow.reader@example.org")
    first = _link_for("slow.reader@example.org")
    user_id = db.session.scalar(sa.select(User.id).where(User.email == "slow.reader@example.org"))
    client.post(f"/admin/people/{user_id}/send-password-link", data={"csrf_token": csrf_token(client)})
    second = _link_for("slow.reader@example.org")
    assert first != second
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200
    db.session.execute(sa.update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = app.test_client().get(second)
    assert expired.status_code == 404 and "This link does not work" in expired.get_data(as_text=True)


def test_editing_roles_and_team_ends_the_persons_sessions(app, make_user, make_team):
    admin, client = _admin_client(app, make_user)
    person = make_user("auditor", team="North")
    person_id = person.id
    south = make_team("South")
    south_id = south.id
    theirs = app.test_client()
    sign_in(theirs, person)
    page = client.get(f"/admin/people/{person_id}").get_data(as_text=True)
    response = client.post(f"/admin/people/{person_id}", data={
        "display_name": "Renamed Person", "roles": ["auditor", "moderator"], "team_id": str(south_id),
        "csrf_token": _csrf_from(page)})
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(User, person_id)
    assert {r.value for r in changed.roles} == {"auditor", "moderator"} and changed.team_id == south_id
    assert not _is_signed_in(theirs)
    (event,) = _events("user.updated")
    assert event.detail["before"]["roles"] == ["auditor"] and event.detail["after"]["team"] == "South"


def test_an_administrator_cannot_lock_themselves_out(app, make_user):
    admin, client = _admin_client(app, make_user)
    admin_id = admin.id
    page = client.get(f"/admin/people/{admin_id}").get_data(as_text=True)
    response = client.post(f"/admin/people/{admin_id}", data={
        "display_name": "Admin", "roles": ["viewer"], "team_id": "", "csrf_token": _csrf_from(page)})
    assert response.status_code == 400
    assert "You cannot take away your own administrator role" in response.get_data(as_text=True)
    assert client.post(f"/admin/people/{admin_id}/deactivate",
                       data={"csrf_token": csrf_token(client)}).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, admin_id).active


def test_deactivate_and_reactivate(app, make_user):
    admin, client = _admin_client(app, make_user)
    person = make_user("viewer")
    person_id, email = person.id, person.email
    theirs = app.test_client()
    sign_in(theirs, person)
    client.post(f"/admin/people/{person_id}/deactivate", data={"csrf_token": csrf_token(client)})
    assert not _is_signed_in(theirs)
    assert _post_sign_in(app.test_client(), email, PASSWORD).status_code == 200
    client.post(f"/admin/people/{person_id}/reactivate", data={"csrf_token": csrf_token(client)})
    assert _post_sign_in(app.test_client(), email, PASSWORD).status_code == 302
    assert [e.action for e in db.session.scalars(sa.select(Event).where(
        Event.object_id == person_id, Event.action.in_(["user.deactivated", "user.activated"])).order_by(Event.id))
    ] == ["user.deactivated", "user.activated"]


def test_reset_two_step_makes_them_set_it_up_again(app, make_user):
    admin, client = _admin_client(app, make_user)
    lead = make_user("qa_lead")
    lead_id, email = lead.id, lead.email
    theirs = app.test_client()
    sign_in(theirs, lead)
    assert db.session.get(TotpCredential, lead_id) is not None
    client.post(f"/admin/people/{lead_id}/reset-two-step", data={"csrf_token": csrf_token(client)})
    db.session.expire_all()
    assert db.session.get(TotpCredential, lead_id) is None
    assert not _is_signed_in(theirs)
    response = _post_sign_in(app.test_client(), email, PASSWORD)
    assert urlsplit(response.headers["Location"]).path == "/sign-in/two-step/set-up"
    (event,) = _events("mfa.removed")
    assert event.actor_id == admin.id and event.object_id == lead_id


def test_sign_someone_out_everywhere(app, make_user):
    admin, client = _admin_client(app, make_user)
    person = make_user("iro")
    theirs = app.test_client()
    sign_in(theirs, person)
    client.post(f"/admin/people/{person.id}/end-sessions", data={"csrf_token": csrf_token(client)})
    assert not _is_signed_in(theirs)
    assert _events("user.sessions_ended")[0].detail["count"] == 1


def test_teams_with_their_service_area(app, make_user):
    admin, client = _admin_client(app, make_user)
    page = client.get("/admin/teams/new").get_data(as_text=True)
    client.post("/admin/teams/new", data={"name": "Disabled children", "service_area": "Children with disabilities",
                                          "csrf_token": _csrf_from(page)})
    team = db.session.scalar(sa.select(Team).where(Team.name == "Disabled children"))
    assert team.service_area == "Children with disabilities"
    clash = client.post(f"/admin/teams/{team.id}", data={"name": "disabled CHILDREN", "service_area": "x",
                                                         "csrf_token": csrf_token(client, "/admin/teams/new")})
    assert clash.status_code == 302   # the same team, renamed in case only
    other = client.post("/admin/teams/new", data={"name": "Disabled Children", "service_area": "",
                                                  "csrf_token": csrf_token(client, "/admin/teams/new")})
    assert other.status_code == 400 and "There is already a team called" in other.get_data(as_text=True)
    assert [e.action for e in db.session.scalars(sa.select(Event).where(Event.object_type == "teams"))] == [
        "team.created", "team.updated"]


def test_overdue_access_reviews_are_on_the_admins_home_page_until_reviewed(app, make_user):
    admin, client = _admin_client(app, make_user)
    old = make_user("auditor", "moderator", email="long.serving@example.org")
    leaver = make_user("viewer", email="leaver@example.org")
    old_id, leaver_id = old.id, leaver.id
    db.session.execute(sa.update(User).where(User.id.in_([old_id, leaver_id]))
                       .values(created_at=utcnow() - timedelta(days=91)))
    db.session.commit()
    home = client.get("/home").get_data(as_text=True)
    assert "2 accounts are due an access review" in home
    due = client.get("/admin/access-review").get_data(as_text=True)
    assert f"/admin/access-review/{old_id}" in due and f"/admin/access-review/{leaver_id}" in due
    # Take the moderator role away; remove every role from the leaver (deactivated).
    page = client.get(f"/admin/access-review/{old_id}").get_data(as_text=True)
    assert client.post(f"/admin/access-review/{old_id}", data={"keep": ["auditor"],
                                                               "csrf_token": _csrf_from(page)}).status_code == 302
    client.post(f"/admin/access-review/{leaver_id}", data={"csrf_token": csrf_token(client, "/admin/access-review")})
    db.session.expire_all()
    assert {r.value for r in db.session.get(User, old_id).roles} == {"auditor"}
    assert not db.session.get(User, leaver_id).active
    assert "due an access review" not in client.get("/home").get_data(as_text=True)
    outcomes = {r.user_id: r.outcome for r in db.session.scalars(sa.select(AccessReview))}
    assert outcomes == {old_id: "changed", leaver_id: "deactivated"}
    assert len(_events("user.access_reviewed")) == 2


def test_the_review_period_is_a_setting(database_url, make_user):
    from tests.conftest import RequestScopedClient, _app_for

    app = _app_for(database_url, ACCESS_REVIEW_DAYS=30)
    app.test_client_class = RequestScopedClient
    with app.app_context():
        person = make_user("viewer")
        db.session.execute(sa.update(User).where(User.id == person.id).values(created_at=utcnow() - timedelta(days=31)))
        db.session.commit()
        from qa_app.admin.services import overdue

        assert [u.id for u in overdue()] == [person.id]
        db.session.remove()
        db.engine.dispose()


def test_the_people_pages_show_who_has_not_used_their_invitation(app, make_user):
    admin, client = _admin_client(app, make_user)
    _invite(client, email="not.yet@example.org", name="Not Yet")
    user_id = db.session.scalar(sa.select(User.id).where(User.email == "not.yet@example.org"))
    row = re.search(r'<tr class="govuk-table__row">(?:(?!</tr>).)*not\.yet@example\.org.*?</tr>',
                    client.get("/admin/people").get_data(as_text=True), re.S).group(0)
    assert ">Invited<" in row
    assert "The link works until" in client.get(f"/admin/people/{user_id}").get_data(as_text=True)
    db.session.execute(sa.update(Invitation).values(expires_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    assert ">Invitation expired<" in client.get("/admin/people").get_data(as_text=True)
    assert "The link expired on" in client.get(f"/admin/people/{user_id}").get_data(as_text=True)
    # A new link: waiting again; once used, the person is simply active.
    client.post(f"/admin/people/{user_id}/send-password-link", data={"csrf_token": csrf_token(client)})
    assert "The link works until" in client.get(f"/admin/people/{user_id}").get_data(as_text=True)
    path = _link_for("not.yet@example.org")
    other = app.test_client()
    other.post(path, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
                           "csrf_token": csrf_token(other, path)})
    person = client.get(f"/admin/people/{user_id}").get_data(as_text=True)
    assert "The link" not in person
    assert "Invited<" not in client.get("/admin/people").get_data(as_text=True)
