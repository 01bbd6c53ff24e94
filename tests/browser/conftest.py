"""Browser tests: the app served on a free loopback port, driven by Debian's chromium through
Playwright (sync API), with axe-core for accessibility checks.

Every test in this folder is marked ``browser``. The test's own database session and the server
share one SQLite file: anything a test writes must be committed (or rolled back) before the
browser does anything, or the server waits for the write lock. ``release_db()`` ends the test's
transaction.
"""

import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

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


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without a log line for every request (failures still surface in tests)."""

    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture
def live_server(app):
    """The test's app (fresh migrated database) served over HTTP; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); "
                    "do not run `playwright install`")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser, live_server):
    """A page in a fresh browser context (no cookies), torn down before the server stops."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def release_db():
    """End the test thread's transaction so the server can write (see the module docstring)."""
    from qa_app.extensions import db

    db.session.rollback()


def sign_in(page, base_url, email, password):
    """Sign in through the real form, as a person would."""
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/sign-in" not in page.url, f"still on the sign-in page: {page.locator('main').inner_text()}"


def axe_violations(page):
    """axe-core's serious and critical violations on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (or `make install`)")
    page.add_script_tag(path=str(AXE))
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
