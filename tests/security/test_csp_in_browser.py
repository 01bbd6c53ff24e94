"""The Content-Security-Policy in a real browser: pages with the GOV.UK template's inline script,
the audit form's revealing fields and the report's charts load with no CSP violation, and the
scripts that carry the nonce run."""

import pytest

from tests.browser.conftest import release_db, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));
"""


def _violations(page, console):
    return page.evaluate("window.__csp") + [m for m in console if "Content Security Policy" in m]


def test_pages_load_with_no_csp_violation_and_their_scripts_run(page, live_server, make_user, make_audit):
    auditor = make_user("auditor", team="North")
    audit = make_audit(auditor=auditor)
    email, audit_id = auditor.email, audit.id
    release_db()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(WATCH)

    page.goto(f"{live_server}/sign-in")
    # The GOV.UK template's inline script (it carries the nonce) ran: GOV.UK Frontend is switched on.
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert _violations(page, console) == []
    sign_in(page, live_server, email, PASSWORD)
    for path in ("/home", "/audits/mine", f"/audits/{audit_id}"):
        page.goto(f"{live_server}{path}")
        assert page.evaluate("document.body.classList.contains('js-enabled')"), path
        assert _violations(page, console) == [], path
    # GOV.UK Frontend's own module ran (it marks each component it starts).
    assert page.locator("[data-module][data-govuk-button-init], [data-govuk-radios-init]").count() >= 1


def test_an_injected_inline_script_is_refused(page, live_server):
    """The policy is really in force: an inline script without the nonce does not run."""
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(WATCH)
    page.goto(f"{live_server}/sign-in")
    page.evaluate("""() => { const s = document.createElement('script');
                            s.textContent = 'window.__ran = true'; document.body.appendChild(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === undefined")
    assert any("script-src" in v for v in _violations(page, console))
