"""`programme run [--today DATE]`: from cron, daily. Idempotent: running it twice creates nothing twice."""

from datetime import date

import click
from flask import current_app

from qa_app.extensions import db
from qa_app.programme.reminders import DEFAULT_ESCALATE_AFTER, send_reminders
from qa_app.programme.services import run_programmes


@click.group("programme", help="The audit programme: recurring rounds and reminders.")
def programme_cli() -> None:
    pass


@programme_cli.command("run", help="Create this month's rounds that are due, and queue the reminders.")
@click.option("--today", "today_text", default=None, metavar="YYYY-MM-DD",
              help="Run as if today were this date (for catching up or testing).")
def programme_run(today_text: str | None) -> None:
    try:
        today = date.fromisoformat(today_text) if today_text else date.today()
    except ValueError:
        raise click.BadParameter(f"'{today_text}' is not a date: use YYYY-MM-DD", param_hint="--today") from None
    result = run_programmes(today=today)
    escalate_after = int(current_app.config.get("OVERDUE_ESCALATION_WORKING_DAYS", DEFAULT_ESCALATE_AFTER))
    reminders = send_reminders(today=today, escalate_after=escalate_after)
    db.session.commit()
    for name in result.created:
        click.echo(f"Created round: {name}")
    for problem in result.problems:
        click.echo(f"Not created: {problem}", err=True)
    click.echo(f"rounds created {len(result.created)}, already made this month {len(result.already)}, "
               f"not due yet {len(result.not_yet)}, problems {len(result.problems)}; reminders queued: "
               f"due soon {reminders['due_soon']}, overdue {reminders['overdue']}, escalated {reminders['escalated']}")
