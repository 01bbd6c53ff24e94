"""`retention run [--dry-run]`: erase what the retention policy says is due, except what is held."""

import sys
from datetime import date

import click
from flask import current_app

from qa_app.extensions import db


@click.group("retention", help="Retention: erase records whose retention period has ended.")
def retention_cli() -> None:
    pass


@retention_cli.command("run", help="Erase (or with --dry-run, list) every record that is due, in batches.")
@click.option("--dry-run", is_flag=True, help="List what is due and change nothing.")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 10_000),
              help="Records per transaction.")
def retention_run(dry_run: bool, batch: int) -> None:
    from qa_app.retention.policy import PolicyError, parse_policy
    from qa_app.retention.services import run_retention, what_is_due

    try:
        policy = parse_policy(current_app.config.get("RETENTION_DAYS"))
    except PolicyError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    today = date.today()
    if dry_run:
        for due in what_is_due(policy, today, sample=50):
            shown = ", ".join(str(i) for i in due.ids) + (" …" if due.count > len(due.ids) else "")
            click.echo(f"{due.kind}: {due.count} due (kept {due.days} days)" + (f": {shown}" if due.count else ""))
        db.session.rollback()
        click.echo("Dry run: nothing was changed.")
        return
    done = run_retention(policy, today, batch=batch, commit=db.session.commit)
    db.session.commit()
    for kind, ids in done.items():
        click.echo(f"{kind}: erased {len(ids)}")
    click.echo(f"Retention run finished: {sum(len(ids) for ids in done.values())} record(s) erased; each batch "
               "is recorded in the history as retention.erased.")
