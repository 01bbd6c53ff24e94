"""Browser tests: the app served on a free loopback port, driven by Debian's chromium through
Playwright (sync API), with axe-core for accessibility checks.

Every test in this folder is marked ``browser``. The test's own database session and the server
share one SQLite file: anything a test writes must be committed (or rolled back) before the
browser does anything, or the server waits for the write lock. ``release_db()`` ends the test's
transaction.

The fixtures (``live_server``, ``browser``, ``page``) are in ``tests/browser/fixtures.py``, loaded
once for the whole suite by ``tests/conftest.py``, so tests/security can use them too.
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
]
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def release_db():
    """End the test thread's transaction so the server can write (see the module docstring)."""
    from qa_app.extensions import db

    db.session.rollback()


def sign_in(page, base_url, email, password):
    """Sign in through the real form, as a person would, with the second step when the account has
    or needs one (an authenticator app set up on the first sign-in, as tests/conftest.py does)."""
    from tests.conftest import AUTHENTICATORS, totp_code

    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    key = (base_url, email.strip().lower())
    if page.url.endswith("/sign-in/two-step/set-up"):
        AUTHENTICATORS[key] = [page.locator("#secret-key").inner_text().replace(" ", ""), None]
        page.get_by_label("Code from your authenticator app").fill(totp_code(key))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
        with page.expect_navigation():
            page.get_by_role("button", name="I have saved my recovery codes").click()
    elif page.url.endswith("/sign-in/two-step"):
        page.get_by_label("Code from your authenticator app").fill(totp_code(key))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
    assert "/sign-in" not in page.url, f"still signing in: {page.locator('main').inner_text()}"


def axe_violations(page):
    """axe-core's serious and critical violations on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (or `make install`)")
    # Evaluated through the DevTools protocol: a <script> tag would be refused by the page's CSP.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    # resultTypes: only violations get full node details (much faster on the long audit form).
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


def describe_violations(violations) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} {v['helpUrl']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)
