"""Browser fixtures: the test's app served on a free loopback port, Chromium (one per test process)
and a fresh page. Loaded for the whole suite by `pytest_plugins` in tests/conftest.py."""

import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS


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
