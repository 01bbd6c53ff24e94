"""The benchmark's generated database is usable afterwards: on PostgreSQL the id sequences are moved
past the rows it inserted with explicit ids, so the app (and `users create`) can add rows."""

import importlib.util

import sqlalchemy as sa

from qa_app.extensions import db
from tests.conftest import ROOT, _app_for, owner_url


def _benchmark():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_database_takes_new_rows(database_url):
    bench = _benchmark()
    bench.generate(owner_url(database_url), 20)   # as the tables' owner (it migrates); the app as its own role
    app = _app_for(database_url)
    with app.app_context():
        from qa_app.auth.models import Role
        from qa_app.auth.services import create_user, get_or_create_team
        from qa_app.models import Audit, User

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Audit)
                                 .where(Audit.status == "submitted")) >= 18
        user = create_user(email="new.admin@example.org", roles=[Role.ADMIN], password="x" * 16)
        team = get_or_create_team("A team added afterwards")
        db.session.commit()
        assert user.id > db.session.scalar(sa.select(sa.func.max(User.id)).where(User.id != user.id))
        assert team.id > 6
        db.session.remove()
        db.engine.dispose()
