"""Merging an account a results import made into the person's own account, in the browser's
administration pages: the list of imported accounts, choosing the account, the confirmation step
(nothing changes before it), what moves, refusals, and the history. The service itself:
tests/integration/test_import_identity.py."""

import html
import re
from urllib.parse import urlsplit

import sqlalchemy as sa

from qa_app.audits.models import Audit
from qa_app.auth.models import Role, User
from qa_app.auth.services import create_imported_user
from qa_app.extensions import db
from qa_app.history.models import Event
from tests.conftest import _csrf_from, csrf_token, sign_in
from tests.functional.test_auth import _error_messages


def _imported(email="old.address@example.org", name="Pat Example"):
    user = create_imported_user(email=email, name=name, role=Role.AUDITOR, source="results 2025.xlsx")
    db.session.commit()
    return user


def _admin(app, make_user):
    admin = make_user("admin")
    client = app.test_client()
    sign_in(client, admin)
    return admin, client


def test_an_imported_account_is_merged_after_confirmation(app, make_user, make_audit):
    admin, client = _admin(app, make_user)
    imported = _imported()
    real = make_user("auditor", email="pat.example@council.example")
    real.display_name = "Pat Example"
    make_user("auditor", email="someone.else@council.example")
    for _ in range(3):
        make_audit(auditor=imported)
    db.session.commit()
    imported_id, real_id = imported.id, real.id

    home = client.get("/home").get_data(as_text=True)
    assert "1 account made by imports is waiting to be merged" in home
    listing = client.get("/admin/imported-accounts").get_data(as_text=True)
    assert "old.address@example.org" in listing and "results 2025.xlsx" in listing and "3 audits" in listing
    assert f"/admin/imported-accounts/{imported_id}/merge" in listing

    # Step 1: the person's own account is suggested by name; choosing it changes nothing yet.
    page = client.get(f"/admin/imported-accounts/{imported_id}/merge").get_data(as_text=True)
    assert re.search(rf'<option selected value="{real_id}">|<option value="{real_id}" selected', page), page
    assert f'value="{imported_id}"' not in page            # never into itself (nor another imported account)
    chosen = client.post(f"/admin/imported-accounts/{imported_id}/merge",
                         data={"into": str(real_id), "csrf_token": _csrf_from(page)})
    assert chosen.status_code == 302
    confirm_path = urlsplit(chosen.headers["Location"]).path
    assert confirm_path == f"/admin/imported-accounts/{imported_id}/merge/{real_id}"
    db.session.expire_all()
    assert db.session.get(User, imported_id).merged_into_id is None
    assert db.session.scalar(sa.select(sa.func.count()).where(Audit.auditor_id == imported_id)) == 3

    # Step 2: what will move, then the merge.
    check = client.get(confirm_path).get_data(as_text=True)
    assert "Check before you merge" in check and "3 audits" in check and "pat.example@council.example" in check
    done = client.post(confirm_path, data={"csrf_token": _csrf_from(check)})
    assert done.status_code == 302 and urlsplit(done.headers["Location"]).path == f"/admin/people/{real_id}"
    db.session.expire_all()
    assert db.session.get(User, imported_id).merged_into_id == real_id
    assert not db.session.get(User, imported_id).active
    assert db.session.scalar(sa.select(sa.func.count()).where(Audit.auditor_id == real_id)) == 3
    merged = db.session.scalar(sa.select(Event).where(Event.action == "user.merged"))
    assert merged.actor_id == admin.id and merged.object_id == imported_id
    assert merged.detail["into"] == "pat.example@council.example"
    merged_in = db.session.scalar(sa.select(Event).where(Event.action == "user.merged_in"))
    assert merged_in.object_id == real_id and merged_in.detail["moved"] == {"audits.auditor_id": 3}

    # Afterwards: listed as merged, no longer waiting, cannot be merged again or reactivated.
    listing = client.get("/admin/imported-accounts").get_data(as_text=True)
    assert "Merged" in listing and f"/admin/imported-accounts/{imported_id}/merge" not in listing
    assert "waiting to be merged" not in client.get("/home").get_data(as_text=True)
    assert client.get(confirm_path).status_code == 404
    assert client.post(confirm_path, data={"csrf_token": csrf_token(client)}).status_code == 404
    assert client.post(f"/admin/people/{imported_id}/reactivate",
                       data={"csrf_token": csrf_token(client)}).status_code == 403
    db.session.expire_all()
    assert not db.session.get(User, imported_id).active


def test_a_real_account_is_never_merged_away_and_nothing_changes_on_a_refusal(app, make_user):
    admin, client = _admin(app, make_user)
    imported = _imported()
    other_imported = _imported(email="another.old@example.org", name="Sam Other")
    real = make_user("auditor")
    imported_id, other_id, real_id = imported.id, other_imported.id, real.id
    # A real account has no merge page.
    assert client.get(f"/admin/imported-accounts/{real_id}/merge").status_code == 404
    assert client.get(f"/admin/imported-accounts/{real_id}/merge/{imported_id}").status_code == 404
    # No choice, or a choice that is not offered: a message on the field.
    page = client.get(f"/admin/imported-accounts/{imported_id}/merge").get_data(as_text=True)
    empty = client.post(f"/admin/imported-accounts/{imported_id}/merge",
                        data={"into": "", "csrf_token": _csrf_from(page)})
    assert empty.status_code == 400
    # In the error summary and on the field.
    assert _error_messages(empty.get_data(as_text=True)) == ["Choose the account to merge into"] * 2
    odd = client.post(f"/admin/imported-accounts/{imported_id}/merge",
                      data={"into": str(other_id), "csrf_token": _csrf_from(page)})
    assert odd.status_code == 400
    # Typed straight into the address: the confirmation refuses with a reason, and nothing changes.
    path = f"/admin/imported-accounts/{imported_id}/merge/{other_id}"
    refused = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert refused.status_code == 400
    refused_page = refused.get_data(as_text=True)
    assert "was also made by an import" in refused_page
    assert '<a href="#submit">' in refused_page and 'id="submit"' in refused_page   # the summary's link leads somewhere
    itself = f"/admin/imported-accounts/{imported_id}/merge/{imported_id}"
    assert client.post(itself, data={"csrf_token": csrf_token(client, itself)}).status_code == 400
    # Without the CSRF token nothing happens either.
    assert client.post(f"/admin/imported-accounts/{imported_id}/merge/{real_id}", data={}).status_code == 400
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.merged_into_id.isnot(None))) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(Event.action == "user.merged")) == 0


def test_an_imported_address_that_is_the_persons_own_is_reactivated_not_invited_again(app, make_user):
    from tests.functional.test_auth import _post_sign_in

    admin, client = _admin(app, make_user)
    imported = _imported(email="their.real@council.example", name="Kim Real")
    imported_id = imported.id
    page = client.get("/admin/people/invite").get_data(as_text=True)
    again = client.post("/admin/people/invite", data={
        "email": "Their.Real@council.example", "display_name": "Kim Real", "roles": ["auditor"], "team_id": "",
        "csrf_token": _csrf_from(page)})
    assert again.status_code == 400
    assert html.unescape(_error_messages(again.get_data(as_text=True))[0]) == (
        "An import made an account for their.real@council.example. If the address is this person's, open that "
        "account under People and reactivate it.")
    person = client.get(f"/admin/people/{imported_id}").get_data(as_text=True)
    assert "Made by the import of results 2025.xlsx" in person
    client.post(f"/admin/people/{imported_id}/reactivate", data={"csrf_token": csrf_token(client)})
    db.session.expire_all()
    user = db.session.get(User, imported_id)
    assert user.active and user.imported_from == ""
    activated = db.session.scalar(sa.select(Event).where(Event.action == "user.activated"))
    assert activated.detail == {"was_imported_from": "results 2025.xlsx"}
    # Now the person's own account: no longer waiting to be merged, and it can be given a password.
    assert "their.real@council.example" not in client.get("/admin/imported-accounts").get_data(as_text=True)
    assert client.get(f"/admin/imported-accounts/{imported_id}/merge").status_code == 404
    client.post(f"/admin/people/{imported_id}/send-password-link", data={"csrf_token": csrf_token(client)})
    from tests.security.test_administration import NEW_PASSWORD, _link_for

    link = _link_for("their.real@council.example")
    form = app.test_client()
    page = form.get(link).get_data(as_text=True)
    assert form.post(link, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
                                 "csrf_token": _csrf_from(page)}).status_code == 302
    assert _post_sign_in(app.test_client(), "their.real@council.example", NEW_PASSWORD).status_code == 302
