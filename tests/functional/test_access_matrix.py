"""Who may open what: every route × every role (and signed out), checked against a declared policy.

POLICY below is the access rule of the service, written down once (DESIGN.md §2). The matrix test
walks the app's own URL map, so a route added without a policy entry fails
`test_policy_covers_every_route`, and every (route, method, role) combination it finds fails until
the policy says who may use it.

The matrix runs ~200 requests, so it shares one database per module (built from the session's
migrated template database) and makes fresh records for each route with the same services the
conftest factories use. The per-record tests at the bottom use the conftest fixtures.

A new route needs: an entry in POLICY (who may GET / POST it), an entry in SCENARIOS (the
request an allowed user makes, and exactly what they get back), and, if its URL takes the id of
a new kind of record, that record in build_world().

Features keep their part in `tests/functional/access_<feature>.py`: a module with `POLICY` and
`SCENARIOS` dicts in this file's format and, when their URLs need records of their own, a function
`extend_world(app, people, world)` that creates them (inside its own app context) and stores plain
values in `world.extra`. Every such module is merged in below.
"""

import io
import itertools
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import url_for
from flask.testing import FlaskClient

from qa_app.extensions import db
from tests.conftest import PASSWORD, PG_URL, _app_for, _csrf_from, _pg_admin, csrf_token, sign_in
from tests.security.headers import check_headers
from tests.functional.matrix_common import (  # noqa: F401
    ANON, AUDITING, CASE_READERS, NOBODY, PRINCIPALS, PUBLIC, QA_LEAD, ROLES, ROUND_READERS, SIGNED_IN, Call,
    PerRecord, _date_parts,
)

NOT_ROUTES = {"static", "govuk_asset"}   # files, not pages
CHECKED_METHODS = ("GET", "POST")

# --- the policy ------------------------------------------------------------------------------

POLICY: dict[str, dict[str, frozenset | PerRecord]] = {
    "auth.sign_in": {"GET": PUBLIC, "POST": PUBLIC},
    "auth.sign_out": {"POST": SIGNED_IN},
    "dashboard.index": {"GET": PUBLIC},
    "dashboard.home": {"GET": SIGNED_IN},
    "cases.index": {"GET": CASE_READERS},
    "cases.show": {"GET": CASE_READERS},
    "cases.upload": {"GET": QA_LEAD, "POST": QA_LEAD},
    "rounds.index": {"GET": ROUND_READERS},
    "rounds.new": {"GET": QA_LEAD, "POST": QA_LEAD},
    "rounds.show": {"GET": ROUND_READERS},
    "rounds.confirm": {"POST": QA_LEAD},
    "rounds.auto_assign": {"POST": QA_LEAD},
    "rounds.add_case": {"POST": QA_LEAD},
    "rounds.remove_case": {"GET": QA_LEAD, "POST": QA_LEAD},
    "rounds.reassign": {"GET": QA_LEAD, "POST": QA_LEAD},
    "audits.mine": {"GET": AUDITING},
    # The assigned auditor reads and saves their audit; a QA lead reads any audit but grades none.
    "audits.show": {"GET": PerRecord(owner=AUDITING, any_record=QA_LEAD),
                    "POST": PerRecord(owner=AUDITING, any_record=NOBODY)},
}


def _feature_modules():
    import importlib
    import pathlib

    here = pathlib.Path(__file__).parent
    return [importlib.import_module(f"tests.functional.{path.stem}") for path in sorted(here.glob("access_*.py"))]


FEATURES = _feature_modules()
for _module in FEATURES:
    POLICY.update(_module.POLICY)


def allowed(rule: frozenset | PerRecord, who: str, relation: str | None) -> bool:
    if isinstance(rule, PerRecord):
        return who in rule.any_record or (relation == "own" and who in rule.owner)
    return who in rule


# --- the routes, read from the app itself -------------------------------------------------------

def _routes() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as no_templates:   # the URL map needs no audit templates
        app = _app_for("sqlite://", TEMPLATES_DIR=no_templates)
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_ROUTES:
            continue
        for method in CHECKED_METHODS:
            if method in rule.methods:
                found.add((rule.endpoint, method))
    return sorted(found)


ROUTES = _routes()


def _matrix():
    for endpoint, method in ROUTES:
        rule = POLICY.get(endpoint, {}).get(method)
        relations = ("other", "own") if isinstance(rule, PerRecord) else (None,)
        for who in PRINCIPALS:
            for relation in relations:
                if relation == "own" and who not in rule.owner:
                    continue  # only people holding an auditing role are ever assigned an audit
                ident = f"{endpoint}-{method}-{who}" + (f"-{relation}" if relation else "")
                yield pytest.param(endpoint, method, who, relation, id=ident)


def test_policy_covers_every_route():
    in_app: dict[str, set[str]] = {}
    for endpoint, method in ROUTES:
        in_app.setdefault(endpoint, set()).add(method)
    missing = sorted(set(in_app) - set(POLICY))
    stale = sorted(set(POLICY) - set(in_app))
    assert not missing, f"routes with no access policy: {missing}"
    assert not stale, f"policy entries for routes that no longer exist: {stale}"
    for endpoint, methods in in_app.items():
        assert set(POLICY[endpoint]) == methods, (
            f"{endpoint}: the app accepts {sorted(methods)}, the policy declares {sorted(POLICY[endpoint])}")
    for endpoint, methods in POLICY.items():
        for method, rule in methods.items():
            assert set(rule.any_record | rule.owner if isinstance(rule, PerRecord) else rule) <= set(PRINCIPALS), (
                endpoint, method)


def test_every_route_has_a_scenario():
    assert set(ROUTES) <= set(SCENARIOS), f"no request scenario for {sorted(set(ROUTES) - set(SCENARIOS))}"


# --- a database for the whole module -----------------------------------------------------------

@pytest.fixture(scope="module")
def shared_app(template_database, tmp_path_factory):
    if PG_URL:
        name = f"qa_matrix_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    else:
        path = tmp_path_factory.mktemp("matrix") / "matrix.sqlite"
        shutil.copyfile(template_database, path)
        url = f"sqlite:///{path}"
    app = _app_for(url)
    app.test_client_class = FlaskClient   # no app context is held between requests here
    yield app
    with app.app_context():
        db.engine.dispose()
    if PG_URL:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="module")
def people(shared_app):
    """One user per role, plus the auditor who owns the 'other' audits. Plain values only."""
    from qa_app.auth.models import Role
    from qa_app.auth.services import create_user, get_or_create_team

    result = {}
    with shared_app.app_context():
        staff = get_or_create_team("Matrix staff")
        for role in ROLES + ("other_auditor",):
            user = create_user(email=f"matrix-{role.replace('_', '-')}@example.org",
                               roles=[Role.AUDITOR if role == "other_auditor" else Role(role)],
                               team=staff, password=PASSWORD)
            db.session.flush()
            result[role] = SimpleNamespace(id=user.id, email=user.email)
        db.session.commit()
    return result


_serial = itertools.count(1)


@dataclass
class World:
    """Fresh records for a route's requests, as plain values (ids, references)."""

    tag: str
    people: dict
    team_id: int = 0
    case_id: int = 0
    spare_reference: str = ""
    round_id: int = 0
    draft_round_id: int = 0
    audit_id: int = 0
    audit_version: int = 0
    extra: dict = field(default_factory=dict)   # records of features' own (see access_*.py)


def build_world(app, people, audit_owner: str = "other_auditor") -> World:
    """A team with three open case files; a confirmed round holding one audit (assigned to
    `audit_owner`) and a spare case file not in it; a second round whose sample is not confirmed."""
    from qa_app.audit_forms.services import current_version
    from qa_app.audits.models import Audit
    from qa_app.auth.models import User
    from qa_app.auth.services import get_or_create_team
    from qa_app.cases.models import CaseFile
    from qa_app.db import utcnow
    from qa_app.rounds.sampling import SampleRule
    from qa_app.rounds.services import create_round

    tag = f"{os.getpid()}X{next(_serial)}"
    world = World(tag=tag, people=people)
    with app.app_context():
        team = get_or_create_team(f"Matrix team {tag}")
        qa = db.session.get(User, people["qa_lead"].id)
        cases = [CaseFile(reference=f"MX{tag}N{n}", case_type="CP", team=team, allocated_worker="Worker A",
                          date_of_birth=date.today() - timedelta(days=7 * 365))
                 for n in range(3)]
        db.session.add_all(cases)
        rule = SampleRule(team_ids=(team.id,), size_mode="all", exclude_months=0)
        version = current_version("cp-cin-case-file")
        due = date.today() + timedelta(days=30)
        round_ = create_round(name=f"Matrix round {tag}", template_version=version, due_date=due, rule=rule,
                              seed=1, actor=qa, today=date.today())
        draft = create_round(name=f"Matrix draft {tag}", template_version=version, due_date=due, rule=rule,
                             seed=1, actor=qa, today=date.today())
        audit = Audit(round=round_, case_file=cases[0], template_version_id=version.id,
                      auditor_id=people[audit_owner].id, status="not_started")
        round_.sample_confirmed_at = utcnow()
        round_.status = "auditing"
        db.session.add(audit)
        db.session.commit()
        world.team_id, world.case_id, world.spare_reference = team.id, cases[0].id, cases[1].reference
        world.round_id, world.draft_round_id = round_.id, draft.id
        world.audit_id, world.audit_version = audit.id, audit.version
    for module in FEATURES:
        if hasattr(module, "extend_world"):
            module.extend_world(app, people, world)
    return world


@pytest.fixture(scope="module")
def worlds(shared_app, people):
    """One world per route and method (per owner for 'own' audits). Refused requests change
    nothing (each test checks that), so only the one allowed change happens in each world."""
    cache: dict[tuple, World] = {}

    def get(*key, audit_owner: str = "other_auditor") -> World:
        if key not in cache:
            cache[key] = build_world(shared_app, people, audit_owner)
        return cache[key]

    return get


@pytest.fixture(scope="module")
def sessions(shared_app, people):
    """A signed-in cookie and its CSRF token per principal, made once through the real form."""
    cache: dict[str, tuple[str | None, str]] = {}

    def client_for(who: str, fresh: bool = False):
        """`fresh`: a new session, for a request that ends the user's sessions everywhere."""
        client = shared_app.test_client()
        if fresh:
            cache.pop(who, None)   # signing out invalidates every cookie the user holds
        if who in cache and not fresh:
            cookie, token = cache[who]
            if cookie:
                client.set_cookie("session", cookie)
            return client, token
        if who != ANON:
            sign_in(client, people[who])
        token = csrf_token(client, "/sign-in" if who == ANON else "/home")
        if not fresh:
            cookie = client.get_cookie("session")
            cache[who] = (cookie.value if cookie else None, token)
        return client, token

    return client_for


# --- what an allowed request looks like, per route ----------------------------------------------

def _home(w, who):
    return Call(url_for("dashboard.home"), 200)


SCENARIOS = {
    ("auth.sign_in", "GET"): lambda w, who: Call(url_for("auth.sign_in"), 200) if who == ANON
    else Call(url_for("auth.sign_in"), 302, "/home"),
    ("auth.sign_in", "POST"): lambda w, who: Call(
        url_for("auth.sign_in"), 302, "/home",
        data={"email": w.people["auditor"].email, "password": PASSWORD},
        event="auth.signed_in" if who == ANON else None),
    ("auth.sign_out", "POST"): lambda w, who: Call(url_for("auth.sign_out"), 302, "/sign-in", data={},
                                              event="auth.signed_out"),
    ("dashboard.index", "GET"): lambda w, who: Call(url_for("dashboard.index"), 302, "/home"),
    ("dashboard.home", "GET"): _home,
    ("cases.index", "GET"): lambda w, who: Call(url_for("cases.index"), 200, event="cases.listed"),
    ("cases.show", "GET"): lambda w, who: Call(url_for("cases.show", case_id=w.case_id), 200, event="case.viewed"),
    ("cases.upload", "GET"): lambda w, who: Call(url_for("cases.upload"), 200),
    ("cases.upload", "POST"): lambda w, who: Call(
        url_for("cases.upload"), 302, "/cases/",
        data={"file": (io.BytesIO(f"Case reference,Case type,Team\nMXU{w.tag},CP,Matrix team {w.tag}\n".encode()),
                       "cases.csv")},
        event="cases.imported"),
    ("rounds.index", "GET"): lambda w, who: Call(url_for("rounds.index"), 200),
    ("rounds.new", "GET"): lambda w, who: Call(url_for("rounds.new"), 200),
    ("rounds.new", "POST"): lambda w, who: Call(
        url_for("rounds.new"), 302, r"/rounds/\d+",
        data={"name": f"Matrix new {w.tag}", "template_key": "cp-cin-case-file",
              "due_date": _date_parts(date.today() + timedelta(days=20)),
              "size_mode": "all", "size": "5", "exclude_months": "12", "moderation_percent": "10",
              "blind_moderation": "blind"},
        event="round.created"),
    ("rounds.show", "GET"): lambda w, who: Call(url_for("rounds.show", round_id=w.round_id), 200),
    ("rounds.confirm", "POST"): lambda w, who: Call(
        url_for("rounds.confirm", round_id=w.draft_round_id), 302, f"/rounds/{w.draft_round_id}", data={},
        event="round.sample_confirmed"),
    ("rounds.auto_assign", "POST"): lambda w, who: Call(
        url_for("rounds.auto_assign", round_id=w.round_id), 302, f"/rounds/{w.round_id}", data={},
        event="round.auto_assigned"),
    ("rounds.add_case", "POST"): lambda w, who: Call(
        url_for("rounds.add_case", round_id=w.round_id), 302, f"/rounds/{w.round_id}",
        data={"reference": w.spare_reference, "reason": "Added by the access test"}, event="round.case_added"),
    ("rounds.remove_case", "GET"): lambda w, who: Call(
        url_for("rounds.remove_case", round_id=w.round_id, audit_id=w.audit_id), 200),
    ("rounds.remove_case", "POST"): lambda w, who: Call(
        url_for("rounds.remove_case", round_id=w.round_id, audit_id=w.audit_id), 302, f"/rounds/{w.round_id}",
        data={"reason": "Removed by the access test"}, event="round.case_removed"),
    ("rounds.reassign", "GET"): lambda w, who: Call(
        url_for("rounds.reassign", round_id=w.round_id, audit_id=w.audit_id), 200),
    ("rounds.reassign", "POST"): lambda w, who: Call(
        url_for("rounds.reassign", round_id=w.round_id, audit_id=w.audit_id), 302, f"/rounds/{w.round_id}",
        data={"auditor_id": str(w.people["auditor"].id)}, event="audit.assigned"),
    ("audits.mine", "GET"): lambda w, who: Call(url_for("audits.mine"), 200),
    ("audits.show", "GET"): lambda w, who: Call(url_for("audits.show", audit_id=w.audit_id), 200, event="audit.viewed"),
    ("audits.show", "POST"): lambda w, who: Call(
        url_for("audits.show", audit_id=w.audit_id), 302, f"/audits/{w.audit_id}",
        data={"version": str(w.audit_version), "action": "draft"}, event="audit.draft_saved"),
}


for _module in FEATURES:
    SCENARIOS.update(_module.SCENARIOS)


def _events_after(app, last_id: int) -> list[tuple[str, int | None]]:
    from qa_app.history.models import Event

    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(Event.action, Event.actor_id).where(Event.id > last_id).order_by(Event.id))]


def _last_event_id(app) -> int:
    from qa_app.history.models import Event

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(Event.id))) or 0


@pytest.mark.parametrize(("endpoint", "method", "who", "relation"), list(_matrix()))
def test_access(shared_app, people, worlds, sessions, endpoint, method, who, relation):
    if endpoint not in POLICY or method not in POLICY[endpoint]:
        pytest.fail(f"{endpoint} {method} is a route of the app but has no entry in POLICY")
    if (endpoint, method) not in SCENARIOS:
        pytest.fail(f"{endpoint} {method} has no request scenario in SCENARIOS")
    rule = POLICY[endpoint][method]
    if relation == "own":
        world = worlds(endpoint, method, who, audit_owner=who)
    else:
        world = worlds(endpoint, method, relation)
    # Signing out ends all the user's sessions, so that request gets a session of its own.
    client, token = sessions(who, fresh=endpoint == "auth.sign_out")
    with shared_app.test_request_context():
        call = SCENARIOS[(endpoint, method)](world, who)
    data = {**(call.data or {}), "csrf_token": token} if method == "POST" else None
    before = _last_event_id(shared_app)

    response = client.open(call.path, method=method, data=data)
    body = response.get_data().decode("utf-8", "replace")
    response.close()   # as a WSGI server does: a streamed download closes its file here
    check_headers(response, call.path)   # allowed or refused, every answer carries the browser headers

    location = urlsplit(response.headers.get("Location", ""))
    new_events = _events_after(shared_app, before)
    if allowed(rule, who, relation):
        assert response.status_code == call.status, body[:800]
        # No page shows its own markup as text (an escaping slip: "&lt;span class=…").
        assert not re.search(r"&lt;/?(span|a|strong|p|ul|li|div)[ >]", body), endpoint
        if call.status == 302:
            assert re.fullmatch(call.location, location.path), response.headers["Location"]
        if call.event:
            assert call.event in [action for action, _ in new_events], new_events
    elif who == ANON:
        assert response.status_code == 302
        assert location.path == "/sign-in"
        assert [urlsplit(n).path for n in parse_qs(location.query).get("next", [])] == [urlsplit(call.path).path]
    else:
        assert response.status_code == 403, body[:800]
        assert "You do not have access to this page" in body
    if not allowed(rule, who, relation):
        # Refused means refused: nothing was written, not even a record of reading case content;
        # only the refusal itself, naming who was refused (no one, when signed out).
        assert [action for action, _ in new_events] == ["request.refused"], new_events
        assert (new_events[0][1] is None) == (who == ANON), new_events


# --- per-record checks (conftest factories, a fresh database each) --------------------------------

def _audit_state(audit_id):
    from qa_app.audits.models import Audit, Answer

    db.session.expire_all()
    audit = db.session.get(Audit, audit_id)
    answers = db.session.scalar(sa.select(sa.func.count()).select_from(Answer).where(Answer.audit_id == audit_id))
    return (audit.status, audit.version, audit.auditor_id, answers)


def test_auditor_cannot_open_another_auditors_audit_by_changing_the_number(client, make_user, make_audit):
    mine_user = make_user("auditor", team="North")
    theirs_user = make_user("auditor", team="South")
    mine = make_audit(auditor=mine_user)
    theirs = make_audit(auditor=theirs_user)
    mine_id, theirs_id, version = mine.id, theirs.id, theirs.version
    before = _audit_state(theirs_id)
    sign_in(client, mine_user)

    assert client.get(f"/audits/{mine_id}").status_code == 200
    token = csrf_token(client)
    assert client.get(f"/audits/{theirs_id}").status_code == 403
    response = client.post(f"/audits/{theirs_id}", data={
        "csrf_token": token, "version": str(version), "action": "draft", "overall_summary": "Not mine"})
    assert response.status_code == 403
    assert _audit_state(theirs_id) == before


def test_assigned_auditor_opens_and_saves_their_audit(client, make_user, make_audit):
    auditor = make_user("auditor", team="North")
    audit = make_audit(auditor=auditor)
    audit_id, version = audit.id, audit.version
    sign_in(client, auditor)

    page = client.get(f"/audits/{audit_id}")
    assert page.status_code == 200
    token = _csrf_from(page.get_data(as_text=True))
    response = client.post(f"/audits/{audit_id}", data={
        "csrf_token": token, "version": str(version), "action": "draft", "overall_summary": "Mine"})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/audits/{audit_id}"
    status, new_version, _, _ = _audit_state(audit_id)
    assert (status, new_version) == ("in_progress", version + 1)


def test_qa_lead_reads_any_audit_but_cannot_grade_it(client, make_user, make_audit):
    qa = make_user("qa_lead")
    audit = make_audit(auditor=make_user("auditor", team="North"))
    audit_id, version = audit.id, audit.version
    before = _audit_state(audit_id)
    sign_in(client, qa)

    page = client.get(f"/audits/{audit_id}")
    assert page.status_code == 200
    assert 'name="version"' not in page.get_data(as_text=True)   # a read-only view, not the form
    response = client.post(f"/audits/{audit_id}", data={
        "csrf_token": csrf_token(client), "version": str(version), "action": "draft", "overall_summary": "QA"})
    assert response.status_code == 403
    assert _audit_state(audit_id) == before


# POSTs a viewer may make: each starts a read (the board pack, drawn as a background job that only
# the viewer and QA leads may open) and changes no record.
VIEWER_POSTS = {("reports.board_pack", "POST")}


def test_viewer_changes_nothing(shared_app, people, sessions):
    """Every state-changing POST route refuses a viewer, with valid data and token, and writes nothing."""
    from qa_app.audits.models import Audit
    from qa_app.cases.models import CaseFile
    from qa_app.rounds.models import AuditRound

    def snapshot():
        with shared_app.app_context():
            return [db.session.scalar(sa.select(sa.func.count()).select_from(model))
                    for model in (Audit, CaseFile, AuditRound)] + [
                db.session.execute(sa.select(Audit.id, Audit.status, Audit.auditor_id, Audit.version)
                                   .order_by(Audit.id)).all(),
                db.session.execute(sa.select(AuditRound.id, AuditRound.status, AuditRound.sample_confirmed_at)
                                   .order_by(AuditRound.id)).all()]

    # Routes with no scenario yet fail test_every_route_has_a_scenario; here, every scripted one.
    # Signing in and a person's own account (password, sessions, two-step) are everyone's.
    own = ("auth.", "account.", "mfa.", "invitations.", "sso.")
    posts = [(endpoint, method) for endpoint, method in ROUTES
             if method == "POST" and not endpoint.startswith(own) and (endpoint, method) in SCENARIOS
             and (endpoint, method) not in VIEWER_POSTS]
    assert len(posts) >= 8
    assert not [route for route in posts if allowed(POLICY[route[0]][route[1]], "viewer", "own")]
    world = build_world(shared_app, people)
    client, token = sessions("viewer")
    before_id, before = _last_event_id(shared_app), snapshot()
    for endpoint, method in posts:
        with shared_app.test_request_context():
            call = SCENARIOS[(endpoint, method)](world, "viewer")
        response = client.post(call.path, data={**(call.data or {}), "csrf_token": token})
        assert response.status_code == 403, endpoint
    assert snapshot() == before
    # Each refusal is recorded as a refusal of the viewer, and nothing else is.
    assert _events_after(shared_app, before_id) == [("request.refused", people["viewer"].id)] * len(posts)


@pytest.mark.parametrize("role", ["auditor", "qa_lead"])
def test_audit_that_does_not_exist_is_404(client, make_user, make_audit, role):
    user = make_user(role, team="North")
    audit = make_audit(auditor=user)
    missing = audit.id + 1000
    sign_in(client, user)
    token = csrf_token(client)
    assert client.get(f"/audits/{missing}").status_code == 404
    assert client.post(f"/audits/{missing}", data={"csrf_token": token, "version": "1",
                                                   "action": "draft"}).status_code == 404


@pytest.mark.parametrize("action", ["remove", "reassign"])
def test_audit_under_the_wrong_round_is_404(client, make_user, make_round, make_audit, action):
    qa = make_user("qa_lead")
    auditor = make_user("auditor", team="North")
    audit = make_audit(auditor=auditor)
    other_round = make_round(actor=qa)
    audit_id, right, wrong, auditor_id = audit.id, audit.round_id, other_round.id, auditor.id
    before = _audit_state(audit_id)
    sign_in(client, qa)
    token = csrf_token(client)
    data = {"csrf_token": token, "reason": "Wrong round", "auditor_id": str(auditor_id)}

    assert client.get(f"/rounds/{wrong}/audits/{audit_id}/{action}").status_code == 404
    assert client.post(f"/rounds/{wrong}/audits/{audit_id}/{action}", data=data).status_code == 404
    assert client.get(f"/rounds/{right + wrong + 1000}/audits/{audit_id}/{action}").status_code == 404
    assert client.get(f"/rounds/{right}/audits/{audit_id + 1000}/{action}").status_code == 404
    assert _audit_state(audit_id) == before
    assert client.get(f"/rounds/{right}/audits/{audit_id}/{action}").status_code == 200   # the right pair works
