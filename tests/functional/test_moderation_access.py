"""The moderation routes' access declarations (access_moderation.py, merged into the matrix of
test_access_matrix.py, which walks every route × role) and a viewer's POSTs changing nothing."""

import sqlalchemy as sa

from tests.functional import test_access_matrix as matrix
from tests.functional.access_moderation import POLICY, SCENARIOS
from tests.functional.test_access_matrix import people, sessions, shared_app, worlds  # noqa: F401  (fixtures)

ROUTES = [(endpoint, method) for endpoint, method in matrix.ROUTES if endpoint.startswith("moderation.")]


def test_every_moderation_route_is_declared():
    declared = {(endpoint, method) for endpoint, methods in POLICY.items() for method in methods}
    assert set(ROUTES) == declared
    assert set(ROUTES) == set(SCENARIOS)
    assert len(ROUTES) >= 15


def test_a_viewer_changes_nothing(shared_app, people, sessions):  # noqa: F811
    """Every moderation POST refuses a viewer, with valid data and token, and writes nothing."""
    from qa_app.extensions import db
    from qa_app.moderation.models import Moderation, ModerationChange

    def snapshot():
        with shared_app.app_context():
            return [db.session.scalar(sa.select(sa.func.count()).select_from(model))
                    for model in (Moderation, ModerationChange)] + [
                db.session.execute(sa.select(Moderation.id, Moderation.status, Moderation.moderator_id)
                                   .order_by(Moderation.id)).all()]

    world = matrix.build_world(shared_app, people)
    client, token = sessions("viewer")
    before_id, before = matrix._last_event_id(shared_app), snapshot()
    posts = [route for route in ROUTES if route[1] == "POST"]
    assert len(posts) == 7
    for endpoint, method in posts:
        with shared_app.test_request_context():
            call = SCENARIOS[(endpoint, method)](world, "viewer")
        response = client.post(call.path, data={**(call.data or {}), "csrf_token": token})
        assert response.status_code == 403, endpoint
    assert snapshot() == before
    # Each refusal is recorded as a refusal of the viewer, and nothing else is.
    assert {action for action, _actor in matrix._events_after(shared_app, before_id)} <= {"request.refused"}
