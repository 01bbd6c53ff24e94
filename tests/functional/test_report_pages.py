"""The report page, its JSON and the download over HTTP; the report and export CLI."""

import re
import io
import json

from openpyxl import load_workbook

from qa_app.extensions import db

from tests.conftest import _csrf_from, sign_in
from tests.integration.test_report_figures import AUDITOR_GRADES, built  # noqa: F401


def test_round_filter_alone_shows_the_figures(built, client, make_user):  # noqa: F811
    round_, _ = built
    sign_in(client, make_user("viewer"))
    html = client.get(f"/reports/?rounds={round_.id}").get_data(as_text=True)
    assert re.search(r'id="percent-inadequate"><a class="govuk-link" href="[^"]+">18.8%', html)  # once a bug: the filter form rejected it
    assert "Download the results" not in html               # a viewer reads, does not export
    assert client.get(f"/reports/round/{round_.id}").headers["Location"].endswith(f"/reports/?rounds={round_.id}")


def test_bad_filters_show_errors_and_no_figures(built, client, make_user):  # noqa: F811
    sign_in(client, make_user("qa_lead"))
    response = client.get("/reports/?date_from=31&date_from=2&date_from=2026&team=0&case_type=")
    html = response.get_data(as_text=True)
    assert "Enter a real date" in html and 'id="percent-inadequate"' not in html


def test_json_matches_the_cli(built, client, make_user, runner):  # noqa: F811
    round_, _ = built
    sign_in(client, make_user("qa_lead"))
    web = client.get(f"/reports/report.json?rounds={round_.id}").get_json()
    result = runner.invoke(args=["report", "round", round_.name, "--json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.output)
    for key in ("audits", "final_grades", "auditor_grades", "percent_inadequate", "percent_good_or_better",
                "moderation", "themes", "teams"):
        assert web[key] == cli[key], key
    assert set(cli["moderation"]) >= {"pairs", "exact_agreement", "within_one", "weighted_kappa", "agreed",
                                      "moderated_worse", "moderated_better"}
    assert cli["percent_inadequate"] == 18.8


def test_report_cli_unknown_round(runner, app):
    result = runner.invoke(args=["report", "round", "Nope", "--json"])
    assert result.exit_code == 1 and "No round has the id or name 'Nope'" in result.output


def test_download_is_for_the_qa_lead_and_is_recorded(built, client, make_user):  # noqa: F811
    import sqlalchemy as sa

    from qa_app.extensions import db
    from qa_app.history.models import Event

    round_, _ = built
    sign_in(client, make_user("viewer"))
    assert client.get("/reports/export.xlsx").status_code == 403
    other = client.application.test_client()
    sign_in(other, make_user("qa_lead"))
    response = other.get(f"/reports/export.xlsx?rounds={round_.id}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    response.close()
    assert workbook["Audits"].max_row == 1 + len(AUDITOR_GRADES)
    assert db.session.scalar(sa.select(sa.func.count()).where(Event.action == "export.downloaded")) == 1


def test_the_file_is_named_after_what_it_holds(built, client, make_user):  # noqa: F811
    from datetime import date

    round_, _ = built
    round_.name = "Monthly CIN/CP audit: März 2027 <b>"
    db.session.commit()
    sign_in(client, make_user("qa_lead"))
    today = date.today().isoformat()

    def name(query):
        response = client.get(f"/reports/export.xlsx{query}")
        response.close()
        return response.headers["Content-Disposition"].split("filename=")[1].strip('"')

    assert name(f"?rounds={round_.id}") == f"qa-results-monthly-cin-cp-audit-marz-2027-b-{today}.xlsx"
    assert name("") == f"qa-results-all-rounds-{today}.xlsx"
    assert name(f"?case_type=CP&date_from=1&date_from=4&date_from=2026") == (
        f"qa-results-all-rounds-child-protection-2026-04-01-to-today-{today}.xlsx")


def test_export_cli_writes_the_file(built, runner, tmp_path):  # noqa: F811
    round_, _ = built
    target = tmp_path / "round.xlsx"
    result = runner.invoke(args=["export", "round", str(round_.id), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Exported {len(AUDITOR_GRADES)} audit(s)" in result.output
    assert load_workbook(target).sheetnames[0] == "Summary"
    assert runner.invoke(args=["export", "all", "-o", str(tmp_path / "x.csv")]).exit_code == 1


def test_results_upload_reports_problems_and_imports_good_files(built, client, make_user, runner, tmp_path):  # noqa: F811
    round_, _ = built
    sign_in(client, make_user("qa_lead"))
    page = client.get("/reports/import").get_data(as_text=True)
    bad = client.post("/reports/import", data={"csrf_token": _csrf_from(page),
                                               "file": (io.BytesIO(b"not a workbook"), "x.xlsx")},
                      content_type="multipart/form-data")
    assert "The results were not imported" in bad.get_data(as_text=True)
    assert "not an Excel workbook" in bad.get_data(as_text=True)
    # The round's own export imports nothing here: its audits are recognised as already here.
    target = tmp_path / "round.xlsx"
    runner.invoke(args=["export", "round", str(round_.id), "-o", str(target)])
    again = runner.invoke(args=["results", "import", str(target)])
    assert again.exit_code == 1 and "Nothing to import: all 16 audit(s)" in again.output
