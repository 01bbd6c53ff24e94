"""`demo` refuses to run under QA_ENV=production (issue 11, point 8): no account is created."""

import sqlalchemy as sa

from qa_app import create_app
from qa_app.auth.models import User
from qa_app.extensions import db


def test_demo_refuses_in_production_and_creates_nothing(monkeypatch, database_url):
    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 1
        assert "The demo refuses to run with QA_ENV=production" in result.output
        assert "demo-password" not in result.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
        db.session.remove()   # give the connection back before closing the pool (PostgreSQL warns otherwise)
        db.engine.dispose()
