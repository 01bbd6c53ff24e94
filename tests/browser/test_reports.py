"""The report page in a real browser: charts drawn with their tables, the download is a workbook."""

import io
from pathlib import Path

from openpyxl import load_workbook

from tests.browser.conftest import axe_violations, describe_violations, release_db, sign_in
from tests.conftest import PASSWORD
from tests.integration.test_report_figures import AUDITOR_GRADES, built  # noqa: F401


def test_report_page_draws_charts_and_downloads_a_workbook(built, make_user, page, live_server):  # noqa: F811
    round_, _ = built
    qa = make_user("qa_lead")
    email, round_id = qa.email, round_.id
    release_db()  # read everything first: the test's session must not hold SQLite's lock
    sign_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server}/reports/?rounds={round_id}")
    assert page.locator("#percent-inadequate a").inner_text().startswith("18.8%")   # a link to the audits
    for chart in ("#theme-chart svg", "#team-chart svg"):
        svg = page.locator(chart)
        assert svg.get_attribute("role") == "img"
        box = svg.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 40, chart
        assert page.locator(f"{chart} rect").count() >= 4
    # Every chart has the same figures in a table.
    assert page.locator("#themes tbody tr").count() == 2
    assert page.locator("#teams tbody tr").count() == 2
    assert axe_violations(page) == [], describe_violations(axe_violations(page))

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the results (Excel)").click()
    assert "being prepared" in page.locator("#download-status").inner_text()
    workbook = load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert workbook.sheetnames[:3] == ["Summary", "Audits", "Answers"]
    assert workbook["Audits"].max_row == 1 + len(AUDITOR_GRADES)


def test_report_prints_without_navigation(built, make_user, page, live_server, tmp_path):  # noqa: F811
    round_, _ = built
    qa = make_user("viewer")
    email, round_id = qa.email, round_.id
    release_db()
    sign_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server}/reports/?rounds={round_id}")
    assert page.get_by_role("link", name="Download the results (Excel)").count() == 0  # a viewer only reads
    page.emulate_media(media="print")
    assert not page.locator(".govuk-service-navigation").is_visible()
    assert page.locator("#theme-chart svg").is_visible()
    pdf = page.pdf(path=str(tmp_path / "report.pdf"))
    assert pdf[:4] == b"%PDF"


def test_a_figure_opens_its_audits_and_then_the_answer(built, make_user, page, live_server):  # noqa: F811
    """From the report's % Inadequate to the audits behind it, then to one audit's answer."""
    round_, _ = built
    qa = make_user("qa_lead")
    email, round_id = qa.email, round_.id
    inadequate = sum(1 for g in AUDITOR_GRADES if g == 4) + 1          # the moderator lowered one to Inadequate
    release_db()
    sign_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server}/reports/?rounds={round_id}")
    with page.expect_navigation():
        page.locator("#percent-inadequate a").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Audits behind the figure"
    assert page.locator("#count").inner_text().startswith(f"{inadequate} audits")
    rows = page.locator("#audits tbody tr")
    assert rows.count() == inadequate
    assert all(rows.nth(i).locator("td").nth(4).inner_text() == "Inadequate" for i in range(inadequate))
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    with page.expect_navigation():
        rows.first.get_by_role("link").click()
    assert "/audits/" in page.url
    assert page.get_by_role("heading", level=1).inner_text().startswith("Audit of case file")
