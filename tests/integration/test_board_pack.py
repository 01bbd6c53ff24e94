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


def test_the_report_page_downloads_the_board_pack(built, client, make_user, tmp_path):  # noqa: F811
    round_, _ = built
    sign_in(client, make_user("viewer"))
    page = client.get(f"/reports/?rounds={round_.id}").get_data(as_text=True)
    assert f'href="/reports/board-pack.pdf?rounds={round_.id}"' in page
    response = client.get(f"/reports/board-pack.pdf?rounds={round_.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="board-pack-Quality-assurance')
    path = tmp_path / "download.pdf"
    path.write_bytes(response.data)
    assert "OFFICIAL-SENSITIVE" in pdf_text(path) and str(len(AUDITOR_GRADES)) in pdf_text(path)
