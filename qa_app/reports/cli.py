"""`report round ROUND [--json]`: a round's report on the command line."""

import json
import sys

import click

from qa_app.reports.builder import find_round, round_report


@click.group("report", help="Report figures.")
def report_cli() -> None:
    pass


@report_cli.command("round", help="The report of one round (its id or exact name).")
@click.argument("ident", metavar="ROUND")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--pdf", "pdf_path", default=None, metavar="FILE", type=click.Path(dir_okay=False),
              help="Write the board pack (a printable PDF) to FILE.")
def report_round(ident: str, as_json: bool, pdf_path: str | None) -> None:
    round_ = find_round(ident)
    if round_ is None:
        click.echo(f"No round has the id or name '{ident}'.", err=True)
        sys.exit(1)
    report = round_report(round_)
    if pdf_path:
        from qa_app.extensions import db
        from qa_app.history.services import record
        from qa_app.reports.boardpack import board_pack_pdf

        pdf = board_pack_pdf(report, title=f"Quality assurance report: {round_.name}",
                             scope=f"Round: {round_.name}.")
        with open(pdf_path, "wb") as out:
            out.write(pdf)
        record(None, "report.board_pack_written", round_, file=str(pdf_path)[:200], bytes=len(pdf))
        db.session.commit()
        click.echo(f"Board pack written to {pdf_path} ({len(pdf):,} bytes).", err=as_json)
        if not as_json:
            return
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False, default=str))
        return
    click.echo(f"{report['round']}: {report['audits']} audits completed")
    for label, n in report["final_grades"].items():
        click.echo(f"  {label:22} {n}")
    click.echo(f"  % Inadequate: {report['percent_inadequate']}; % Good or better: {report['percent_good_or_better']}")
