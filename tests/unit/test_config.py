"""Configuration: production refuses a missing, default or short secret key; QA_ENV must be known."""

import pytest

from config import DEFAULT_SECRET_KEY
from qa_app import create_app


@pytest.mark.parametrize("key", [None, "", DEFAULT_SECRET_KEY, "too-short"])
def test_production_refuses_a_weak_secret_key(monkeypatch, key):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_starts_with_a_real_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_unknown_environment_is_named(monkeypatch):
    monkeypatch.setenv("QA_ENV", "staging")
    with pytest.raises(RuntimeError, match="QA_ENV must be one of development, production, test, not 'staging'"):
        create_app()
