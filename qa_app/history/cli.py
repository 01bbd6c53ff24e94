"""`history verify`: walk the hash chain and name the first event that was tampered with."""

import sys

import click

from qa_app.extensions import db


@click.group("history", help="The tamper-evident history.")
def history_cli() -> None:
    pass


@history_cli.command("verify", help="Check the whole hash chain; exit 1 naming the first break.")
def history_verify() -> None:
    from qa_app.history.chain import verify

    result = verify(db.session)
    db.session.rollback()
    if result.ok:
        erased = f"; the details of {result.erased} were erased by retention" if result.erased else ""
        click.echo(f"The history is intact: {result.links} event(s) in the chain{erased}.")
        return
    click.echo(f"The history has been tampered with. First problem: {result.problems[0]}", err=True)
    for problem in result.problems[1:]:
        click.echo(f"  also: {problem}", err=True)
    click.echo(f"{len(result.problems)} problem(s) found in {result.links} chain link(s).", err=True)
    sys.exit(1)
