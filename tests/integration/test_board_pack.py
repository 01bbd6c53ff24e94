"""The board pack: a real PDF from WeasyPrint, read back with poppler's pdftotext (installed by
`make test` with poppler-utils), from `report round ROUND --pdf FILE` and from the report page."""

import shutil
import subprocess

import pytest

from qa_app.extensions import db
from qa_app.reports.targets import add_target
from tests.conftest import sign_in
from tests.integration.test_report_figures import AUDITOR_GRADES, built  # noqa: F401

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is missing")


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout


def pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True, timeout=60).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_the_cli_writes_a_marked_printable_board_pack(built, runner, tmp_path, make_user):  # noqa: F811
    round_, _ = built
    add_target(name="Inadequate at most 10%", measure="percent_inadequate", comparison="at_most", value=10,
               amber_margin=5, actor=make_user("qa_lead"))
    db.session.commit()
    out = tmp_path / "pack.pdf"
    result = runner.invoke(args=["report", "round", round_.name, "--pdf", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:5] == b"%PDF-"
    text = pdf_text(out)
    count = pages(out)
    assert count >= 2
    assert text.count("OFFICIAL-SENSITIVE") == 2 * count              # top and bottom of every page
    assert f"Page 1 of {count}" in text
    assert f"Quality assurance report: {round_.name}" in text
    assert "18.8%" in text                                            # 3 of 16 Inadequate
    assert "Inadequate at most 10%" in text and "Red" in text         # the target and its status
    for heading in ("Targets", "Themes", "Learning", "Moderation", "Completion", "Trend across rounds"):
        assert heading in text
    from qa_app.history.models import Event
    import sqlalchemy as sa
    assert db.session.scalar(sa.select(Event.action).where(Event.action == "report.board_pack_written"))


def test_the_report_page_prepares_the_board_pack_as_a_job(app, built, client, make_user, tmp_path):  # noqa: F811
    """No request draws the PDF: the report page starts a job, whose page shows its progress and
    then offers the PDF; the download is in the history with the report's filters."""
    import re

    import sqlalchemy as sa

    from qa_app.history.models import Event
    from qa_app.jobs.models import Job
    from qa_app.jobs.runner import drain
    from tests.conftest import csrf_token

    round_, _ = built
    viewer = make_user("viewer")
    sign_in(client, viewer)
    page = client.get(f"/reports/?rounds={round_.id}").get_data(as_text=True)
    assert re.search(rf'<form method="post" action="/reports/board-pack\?rounds={round_.id}"', page)
    assert "board-pack.pdf" not in page
    # A link or bookmark to the address asks first: a GET starts nothing.
    asked = client.get(f"/reports/board-pack?rounds={round_.id}").get_data(as_text=True)
    assert "Prepare the board pack" in asked and f"Rounds: {round_.name}." in asked
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0

    response = client.post(f"/reports/board-pack?rounds={round_.id}",
                           data={"csrf_token": csrf_token(client, "/reports/")})
    assert response.status_code == 303
    job_id = int(re.fullmatch(r".*/jobs/(\d+)", response.headers["Location"]).group(1))
    waiting = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Board pack (PDF)" in waiting and 'id="check-again"' in waiting and "jobs.js" in waiting
    assert client.get(f"/jobs/{job_id}/status.json").get_json()["status"] == "queued"

    assert drain(app) == 1
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.status == "done" and job.progress_done == job.progress_total == 2
    assert job.file_name.startswith("board-pack-Quality-assurance-report-") and job.file_name.endswith(".pdf")
    done = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'id="download"' in done and f"The board pack of {len(AUDITOR_GRADES)} audits is ready." in done
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith('attachment; filename=board-pack-Quality-assurance')
    path = tmp_path / "download.pdf"
    path.write_bytes(download.get_data())
    download.close()
    text = pdf_text(path)
    assert "OFFICIAL-SENSITIVE" in text and f"Quality assurance report: {round_.name}" in text
    assert "18.8%" in text                                            # 3 of 16 Inadequate
    events = db.session.scalars(sa.select(Event).where(Event.action.in_(
        ["job.started", "report.board_pack_downloaded"])).order_by(Event.id)).all()
    assert [(e.action, e.actor_id, e.object_id) for e in events] == [
        ("job.started", viewer.id, job_id), ("report.board_pack_downloaded", viewer.id, job_id)]


def test_a_board_pack_job_is_seen_by_its_starter_and_qa_leads_only(app, built, client, make_user):  # noqa: F811
    from qa_app.jobs.runner import drain
    from tests.conftest import csrf_token

    round_, _ = built
    starter, other_viewer, lead, auditor = (make_user("viewer"), make_user("viewer"), make_user("qa_lead"),
                                            make_user("auditor"))
    sign_in(client, starter)
    response = client.post(f"/reports/board-pack?rounds={round_.id}",
                           data={"csrf_token": csrf_token(client, "/reports/")})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    drain(app)
    urls = [f"/jobs/{job_id}", f"/jobs/{job_id}/status.json", f"/jobs/{job_id}/download"]
    for person, allowed in ((starter, True), (lead, True), (other_viewer, False), (auditor, False)):
        browser = app.test_client()
        sign_in(browser, person)
        for url in urls:
            answer = browser.get(url)
            assert answer.status_code == (200 if allowed else 403), (person.email, url, answer.status_code)
            answer.close()
    # An auditor may not start one at all, and a signed-out visitor is sent to sign in.
    assert browser.post(f"/reports/board-pack?rounds={round_.id}",
                        data={"csrf_token": csrf_token(browser)}).status_code == 403
    assert app.test_client().get(f"/jobs/{job_id}/download").status_code == 302
