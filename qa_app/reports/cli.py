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
def report_round(ident: str, as_json: bool) -> None:
    round_ = find_round(ident)
    if round_ is None:
        click.echo(f"No round has the id or name '{ident}'.", err=True)
        sys.exit(1)
    report = round_report(round_)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False, default=str))
        return
    click.echo(f"{report['round']}: {report['audits']} audits completed")
    for label, n in report["final_grades"].items():
        click.echo(f"  {label:22} {n}")
    click.echo(f"  % Inadequate: {report['percent_inadequate']}; % Good or better: {report['percent_good_or_better']}")
