"""`flask --app wsgi challenges …`: the IRO challenges' commands."""

import json
import sys
from datetime import date

import click

from qa_app.challenges.report import add_months, monthly_report, parse_month


@click.group("challenges", help="IRO challenges.")
def challenges_cli() -> None:
    pass


@challenges_cli.command("report", help="The monthly challenges report (default: last month).")
@click.option("--month", default=None, metavar="YYYY-MM", help="The month, for example 2027-03.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def report_command(month: str | None, as_json: bool) -> None:
    today = date.today()
    try:
        first = parse_month(month) if month else add_months(today.replace(day=1), -1)
        report = monthly_report(first, today)
    except ValueError as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        return
    totals = report.totals
    click.echo(f"IRO challenges, {first:%B %Y} (open and overdue as of {report.as_of.isoformat()})")
    click.echo(f"  raised {totals.raised}, resolved {totals.resolved}, withdrawn {totals.withdrawn}, "
               f"open {totals.open_at_month_end}, overdue {totals.overdue_at_month_end}, "
               f"referred to Cafcass {report.cafcass_referrals}")
    median = totals.median_working_days_to_resolve
    click.echo(f"  median working days to resolve: {'none resolved' if median is None else median}")
    click.echo("  by stage: " + "; ".join(f"{s.title}: resolved {s.resolved}, open {s.open}, overdue {s.overdue}"
                                          for s in report.by_stage))
    for point in report.trend:
        click.echo(f"  {point.month}: raised {point.raised}, resolved {point.resolved}, "
                   f"open at month end {point.open_at_month_end}")
