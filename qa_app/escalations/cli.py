"""`escalations remind`: send on escalations unacknowledged past their deadline (run from cron)."""

import click

from qa_app.escalations.services import send_overdue
from qa_app.extensions import db


@click.group("escalations", help="Escalations of children at immediate risk.")
def escalations_cli() -> None:
    pass


@escalations_cli.command("remind", help="Send a second reminder, and tell the head of service, for every escalation "
                                        "not acknowledged by its deadline. Run it every few minutes from cron.")
def remind() -> None:
    sent = send_overdue()
    db.session.commit()
    click.echo(f"{len(sent)} overdue escalation(s) sent on." if sent else "No escalation is newly overdue.")
