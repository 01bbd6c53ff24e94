"""`flask --app wsgi notifications send`: deliver the outbox by SMTP (when SMTP_HOST is set)."""

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from qa_app.extensions import db
from qa_app.notifications.services import SmtpSettings, send_pending

notifications_cli = AppGroup("notifications", help="The notifications outbox.")


@notifications_cli.command("send", help="Send waiting notifications by SMTP; without SMTP_HOST, leave them queued.")
@click.option("--limit", default=200, show_default=True, help="At most this many in one run.")
def send(limit: int) -> None:
    settings = SmtpSettings.from_config(current_app.config)
    result = send_pending(settings, limit=limit)
    db.session.commit()
    for message in result.messages:
        click.echo(message)
    if result.failed or result.error:
        sys.exit(1)
