"""Access policy and request scenarios of administration, the invitation link and single sign-on
(merged by test_access_matrix.py). Administration is the admin role's alone; the invitation link is
for whoever holds it; single sign-on is not configured in the matrix's app, so its routes are 404
for everyone (tests/security/test_single_sign_on.py runs it against a real provider)."""

import hashlib
import secrets
from datetime import timedelta

from flask import url_for

from tests.functional.matrix_common import PUBLIC, Call

ADMIN = frozenset({"admin"})

POLICY = {
    "admin.people": {"GET": ADMIN},
    "admin.invite": {"GET": ADMIN, "POST": ADMIN},
    "admin.person": {"GET": ADMIN, "POST": ADMIN},
    "admin.deactivate": {"POST": ADMIN},
    "admin.reactivate": {"POST": ADMIN},
    "admin.reset_two_step": {"POST": ADMIN},
    "admin.end_sessions": {"POST": ADMIN},
    "admin.send_password_link": {"POST": ADMIN},
    "admin.teams": {"GET": ADMIN},
    "admin.new_team": {"GET": ADMIN, "POST": ADMIN},
    "admin.team": {"GET": ADMIN, "POST": ADMIN},
    "admin.access_review": {"GET": ADMIN},
    "admin.review": {"GET": ADMIN, "POST": ADMIN},
    "admin.imported_accounts": {"GET": ADMIN},
    "admin.merge": {"GET": ADMIN, "POST": ADMIN},
    "admin.confirm_merge": {"GET": ADMIN, "POST": ADMIN},
    "invitations.accept": {"GET": PUBLIC, "POST": PUBLIC},
    "sso.start": {"POST": PUBLIC},
    "sso.callback": {"GET": PUBLIC},
}


def extend_world(app, people, world):
    """An active person to edit, a deactivated one to reactivate, an imported account to merge."""
    from qa_app.auth.models import Role
    from qa_app.auth.services import create_imported_user, create_user
    from qa_app.extensions import db

    with app.app_context():
        target = create_user(email=f"admin-target-{world.tag}@example.org", roles=[Role.AUDITOR, Role.VIEWER])
        gone = create_user(email=f"admin-gone-{world.tag}@example.org", roles=[Role.VIEWER], active=False)
        imported = create_imported_user(email=f"admin-imported-{world.tag}@example.org", name="", role=Role.AUDITOR,
                                        source=f"results-{world.tag}.xlsx")
        db.session.commit()
        world.extra["target"], world.extra["gone"], world.extra["imported"] = target.id, gone.id, imported.id


def _fresh_invitation(w, who) -> str:
    """A new link for each request: using one up is the allowed change."""
    from qa_app.admin.models import Invitation
    from qa_app.db import utcnow
    from qa_app.extensions import db

    token = secrets.token_urlsafe(32)
    db.session.add(Invitation(user_id=w.extra["target"], token_hash=hashlib.sha256(token.encode()).hexdigest(),
                              purpose="new_password", expires_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    return url_for("invitations.accept", token=token)


def _post(endpoint, location, event, **data):
    def call(w, who):
        return Call(url_for(endpoint, user_id=w.extra["gone" if endpoint == "admin.reactivate" else "target"]),
                    302, location(w), data=data, event=event)
    return call


PASSWORD = "lantern orchard velvet 42"

SCENARIOS = {
    ("admin.people", "GET"): lambda w, who: Call(url_for("admin.people"), 200),
    ("admin.invite", "GET"): lambda w, who: Call(url_for("admin.invite"), 200),
    ("admin.invite", "POST"): lambda w, who: Call(url_for("admin.invite"), 302, r"/admin/people/\d+", data={
        "email": f"invited-{w.tag}@example.org", "display_name": "Invited Person", "roles": ["auditor"],
        "team_id": ""}, event="user.invited"),
    ("admin.person", "GET"): lambda w, who: Call(url_for("admin.person", user_id=w.extra["target"]), 200),
    ("admin.person", "POST"): lambda w, who: Call(
        url_for("admin.person", user_id=w.extra["target"]), 302, f"/admin/people/{w.extra['target']}",
        data={"display_name": "Edited Person", "roles": ["auditor"], "team_id": str(w.team_id)},
        event="user.updated"),
    ("admin.deactivate", "POST"): _post("admin.deactivate", lambda w: f"/admin/people/{w.extra['target']}",
                                        "user.deactivated"),
    ("admin.reactivate", "POST"): _post("admin.reactivate", lambda w: f"/admin/people/{w.extra['gone']}",
                                        "user.activated"),
    ("admin.reset_two_step", "POST"): _post("admin.reset_two_step", lambda w: f"/admin/people/{w.extra['target']}",
                                            "mfa.removed"),
    ("admin.end_sessions", "POST"): _post("admin.end_sessions", lambda w: f"/admin/people/{w.extra['target']}",
                                          "user.sessions_ended"),
    ("admin.send_password_link", "POST"): _post("admin.send_password_link",
                                                lambda w: f"/admin/people/{w.extra['target']}",
                                                "user.password_link_sent"),
    ("admin.teams", "GET"): lambda w, who: Call(url_for("admin.teams"), 200),
    ("admin.new_team", "GET"): lambda w, who: Call(url_for("admin.new_team"), 200),
    ("admin.new_team", "POST"): lambda w, who: Call(url_for("admin.new_team"), 302, "/admin/teams", data={
        "name": f"New team {w.tag}", "service_area": "Early help"}, event="team.created"),
    ("admin.team", "GET"): lambda w, who: Call(url_for("admin.team", team_id=w.team_id), 200),
    ("admin.team", "POST"): lambda w, who: Call(url_for("admin.team", team_id=w.team_id), 302, "/admin/teams",
                                                data={"name": f"Renamed team {w.tag}", "service_area": "Care"},
                                                event="team.updated"),
    ("admin.access_review", "GET"): lambda w, who: Call(url_for("admin.access_review"), 200),
    ("admin.review", "GET"): lambda w, who: Call(url_for("admin.review", user_id=w.extra["target"]), 200),
    ("admin.review", "POST"): lambda w, who: Call(url_for("admin.review", user_id=w.extra["target"]), 302,
                                                  "/admin/access-review", data={"keep": ["auditor"]},
                                                  event="user.access_reviewed"),
    ("admin.imported_accounts", "GET"): lambda w, who: Call(url_for("admin.imported_accounts"), 200),
    ("admin.merge", "GET"): lambda w, who: Call(url_for("admin.merge", user_id=w.extra["imported"]), 200),
    # Choosing the account changes nothing: the next page asks to confirm.
    ("admin.merge", "POST"): lambda w, who: Call(
        url_for("admin.merge", user_id=w.extra["imported"]), 302,
        f"/admin/imported-accounts/{w.extra['imported']}/merge/{w.extra['target']}",
        data={"into": str(w.extra["target"])}),
    ("admin.confirm_merge", "GET"): lambda w, who: Call(
        url_for("admin.confirm_merge", user_id=w.extra["imported"], into_id=w.extra["target"]), 200),
    ("admin.confirm_merge", "POST"): lambda w, who: Call(
        url_for("admin.confirm_merge", user_id=w.extra["imported"], into_id=w.extra["target"]), 302,
        f"/admin/people/{w.extra['target']}", data={}, event="user.merged"),
    ("invitations.accept", "GET"): lambda w, who: Call(_fresh_invitation(w, who), 200),
    ("invitations.accept", "POST"): lambda w, who: Call(_fresh_invitation(w, who), 302, "/sign-in", data={
        "password": PASSWORD, "confirm_password": PASSWORD}, event="invitation.accepted"),
    ("sso.start", "POST"): lambda w, who: Call(url_for("sso.start"), 404, data={}),
    ("sso.callback", "GET"): lambda w, who: Call(url_for("sso.callback"), 404),
}
