"""Configuration classes. Every setting that differs between machines comes from the environment."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"


def _default_database_url() -> str:
    instance = BASE_DIR / "instance"
    return f"sqlite:///{instance / 'qa_app.sqlite'}"


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in ("1", "true", "yes", "on")


class Config:
    QA_ENV = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    TEMPLATES_DIR = os.environ.get("AUDIT_TEMPLATES_DIR", str(BASE_DIR / "audit_templates"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # Sessions are held on the server (qa_app.auth.sessions): they end after this long unused, and
    # this long after sign-in whatever happens; the signed cookie is refused past the second too.
    SESSION_IDLE_MINUTES = float(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = float(os.environ.get("SESSION_MAX_HOURS", "10"))
    # Sign-in throttling (qa_app.auth.throttle): waits from the Nth failure in a row, doubling from
    # THROTTLE_BASE_SECONDS up to THROTTLE_MAX_SECONDS; a client address far later than an account.
    THROTTLE_ACCOUNT_FREE = int(os.environ.get("THROTTLE_ACCOUNT_FREE", "5"))
    THROTTLE_ADDRESS_FREE = int(os.environ.get("THROTTLE_ADDRESS_FREE", "100"))
    THROTTLE_BASE_SECONDS = float(os.environ.get("THROTTLE_BASE_SECONDS", "5"))
    THROTTLE_MAX_SECONDS = float(os.environ.get("THROTTLE_MAX_SECONDS", "900"))
    THROTTLE_ACCOUNT_FORGIVE_SECONDS = 600   # one failure forgotten per 10 quiet minutes
    THROTTLE_ADDRESS_FORGIVE_SECONDS = 10    # an office's typos: one forgotten per 10 seconds
    # How many reverse proxies in front of the app add to X-Forwarded-For (nginx: 1). The client
    # address (for throttling and the history) is read from that header only when this is set.
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
    # The council's own words that must not make up a password (its name, area), comma-separated.
    PASSWORD_CONTEXT_WORDS = os.environ.get("PASSWORD_CONTEXT_WORDS", "")
    # Roles that must use two-step verification with a password (comma-separated), or "all".
    MFA_REQUIRED_ROLES = os.environ.get("MFA_REQUIRED_ROLES", "admin,qa_lead")
    # Administration: invitation links last this long; each account's roles are reviewed this often.
    INVITATION_HOURS = float(os.environ.get("INVITATION_HOURS", "48"))
    ACCESS_REVIEW_DAYS = int(os.environ.get("ACCESS_REVIEW_DAYS", "90"))
    # Single sign-on (OpenID Connect; docs/security.md#single-sign-on). Empty OIDC_ISSUER: off.
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
    OIDC_EMAIL_CLAIM = os.environ.get("OIDC_EMAIL_CLAIM", "email")
    OIDC_REQUIRE_VERIFIED_EMAIL = _flag("OIDC_REQUIRE_VERIFIED_EMAIL", True)
    OIDC_EMAIL_DOMAINS = [d.strip().lower() for d in os.environ.get("OIDC_EMAIL_DOMAINS", "").split(",") if d.strip()]
    OIDC_BUTTON_TEXT = os.environ.get("OIDC_BUTTON_TEXT", "Sign in with your organisation account")
    # Off: people sign in only through single sign-on (password sign-in, changes and links refused).
    LOCAL_PASSWORDS = _flag("LOCAL_PASSWORDS", True)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session; audits take time to write
    # argon2id parameters (argon2-cffi's defaults: about 0.05-0.1 s a hash)
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_FROM = os.environ.get("SMTP_FROM", "qa-app@localhost")
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "").strip().lower() in ("1", "true", "yes", "on")
    SERVICE_URL = os.environ.get("SERVICE_URL", "")  # makes links in emails absolute
    SERVICE_NAME = os.environ.get("SERVICE_NAME", "Case file audit")
    PAGE_SIZE = 50
    # How many working days after a moderation is completed its auditor may dispute the grade.
    DISPUTE_WORKING_DAYS = int(os.environ.get("DISPUTE_WORKING_DAYS", "10"))
    # How many reverse proxies stand in front of the app (nginx: 1). Their X-Forwarded-For gives the
    # client address kept in the history; 0 trusts no header (the address is the connecting one).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0") or 0)
    # The key of the history's hash chain. Set it once and never change it (docs/deployment.md);
    # when it is empty a key derived from SECRET_KEY is used.
    HISTORY_KEY = os.environ.get("HISTORY_KEY", "")
    # Retention periods in days, overriding the defaults per kind: "audits=1095,actions=730"
    # (qa_app/retention/policy.py, docs/retention.md).
    RETENTION_DAYS = os.environ.get("RETENTION_DAYS", "")
    # An audit this many working days overdue is escalated to the auditor's manager (`programme run`).
    OVERDUE_ESCALATION_WORKING_DAYS = int(os.environ.get("OVERDUE_ESCALATION_WORKING_DAYS", "5"))
    # A child at immediate risk: acknowledged within this many working hours, counted in office
    # hours (London time) on working days; who is told when it is overdue; who to phone now.
    ESCALATION_ACK_HOURS = os.environ.get("ESCALATION_ACK_HOURS", "4")
    OFFICE_HOURS = os.environ.get("OFFICE_HOURS", "09:00-17:00")
    HEAD_OF_SERVICE_EMAILS = os.environ.get("HEAD_OF_SERVICE_EMAILS", "")
    DUTY_TEAM_PHONE = os.environ.get("DUTY_TEAM_PHONE", "")
    OUT_OF_HOURS_PHONE = os.environ.get("OUT_OF_HOURS_PHONE", "")
    # A folder for Jinja's compiled templates, shared by every app built in this process (and by
    # other processes given the same folder). Off unless set: the test suite sets it, because each
    # test builds an app of its own and would otherwise compile every page it renders again.
    JINJA_BYTECODE_CACHE_DIR = os.environ.get("JINJA_BYTECODE_CACHE_DIR", "")
    # Background jobs (docs/deployment.md, "Background jobs"): the queue (empty: a SQLite file in
    # instance/), where job files are kept (shared by every server and worker), for how long, and
    # from what size an export or an import runs as a job rather than inside the web request.
    JOB_QUEUE_URL = os.environ.get("JOB_QUEUE_URL", "")
    JOB_FILES_DIR = os.environ.get("JOB_FILES_DIR") or str(BASE_DIR / "instance" / "job-files")
    JOB_FILES_KEEP_HOURS = int(os.environ.get("JOB_FILES_KEEP_HOURS", "24"))
    JOB_STALE_MINUTES = int(os.environ.get("JOB_STALE_MINUTES", "30"))
    JOB_EXPORT_AUDITS = int(os.environ.get("JOB_EXPORT_AUDITS", "2000"))
    JOB_IMPORT_BYTES = int(os.environ.get("JOB_IMPORT_KB", "256")) * 1024
    # A case list uploaded in the browser larger than this (KB; a workbook: an eighth of it) is
    # imported by a background job (about 2 s of work, measured: docs/performance.md).
    JOB_CASE_IMPORT_BYTES = int(os.environ.get("JOB_CASE_IMPORT_KB", "1024")) * 1024


class DevelopmentConfig(Config):
    DEBUG = False


class ProductionConfig(Config):
    QA_ENV = "production"
    # __Host-: the browser sends it only over HTTPS, to this exact host, for every path; no other
    # site on the council's domain can set or read it.
    SESSION_COOKIE_NAME = "__Host-session"
    HSTS_SECONDS = 365 * 24 * 3600   # Strict-Transport-Security: browsers use HTTPS only, for a year
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @classmethod
    def check(cls) -> None:
        key = os.environ.get("SECRET_KEY", "")
        if not key or key == DEFAULT_SECRET_KEY or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )


class TestConfig(Config):
    QA_ENV = "test"
    TESTING = True
    SECRET_KEY = "test-secret"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 32   # argon2's least for its four lanes: about 1.5 ms a hash, not 7
    JOB_QUEUE_URL = os.environ.get("JOB_QUEUE_URL", "memory://")  # jobs run by runner.drain() in tests


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}
