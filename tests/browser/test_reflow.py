"""At 320 CSS pixels wide (a phone, or 400 % zoom) the pages reflow: nothing makes the page scroll
sideways (WCAG 1.4.10). Wide tables scroll inside their own box, which a keyboard can reach."""

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, describe_violations, release_db, sign_in

DEMO_PASSWORD = "demo-password-2026"
PAGE_WIDTH = """() => document.documentElement.scrollWidth"""


def demo_paths(app):
    from qa_app.audits.models import Audit
    from qa_app.auth.models import User
    from qa_app.demo import ROUND_NAME, load_demo
    from qa_app.extensions import db
    from qa_app.rounds.models import AuditRound

    load_demo(2026)
    db.session.commit()
    current = db.session.scalar(sa.select(AuditRound).where(AuditRound.name == ROUND_NAME))
    to_do = db.session.scalar(sa.select(Audit).where(Audit.round_id == current.id).order_by(Audit.id))
    moderated = db.session.scalar(sa.select(Audit.id).where(Audit.status == "moderated").order_by(Audit.id))
    auditor = db.session.get(User, to_do.auditor_id).email
    paths = {"auditor": (auditor, [f"/audits/{to_do.id}"]),
             "qa_lead": ("qa.lead@example.org", [f"/rounds/{current.id}", "/moderation/calibration",
                                                  f"/audits/{moderated}", "/reports/", "/cases/"])}
    release_db()
    return paths


def test_pages_reflow_at_320_pixels(app, browser, live_server):
    paths = demo_paths(app)
    for who, (email, urls) in paths.items():
        context = browser.new_context(base_url=live_server, viewport={"width": 320, "height": 720})
        page = context.new_page()
        sign_in(page, live_server, email, DEMO_PASSWORD)
        for url in urls:
            page.goto(url)
            assert page.evaluate(PAGE_WIDTH) <= 320, f"{url} scrolls sideways for the {who}"
            # Every table that is wider than the screen scrolls in a box a keyboard can reach.
            for box in page.locator(".app-table-scroll").all():
                if box.evaluate("b => b.scrollWidth > b.clientWidth + 1"):
                    expect(box).to_have_attribute("tabindex", "0")
                    expect(box).to_have_attribute("role", "region")
                    assert "scrolls sideways" in box.get_attribute("aria-label")
            violations = axe_violations(page)
            assert not violations, f"{url}: " + describe_violations(violations)
        context.close()
