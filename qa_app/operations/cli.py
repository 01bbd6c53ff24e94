"""`database grant-app`, `backup create` and `backup restore`."""

import sys

import click

from qa_app.extensions import db


@click.group("database", help="Database roles (PostgreSQL).")
def database_cli() -> None:
    pass


@database_cli.command("grant-app", help="Give ROLE the app's rights: data read and write, history append only. "
                      "Run as the tables' owner after every `db upgrade`.")
@click.argument("role")
def grant_app(role: str) -> None:
    from qa_app.operations.grants import grant_app_role

    if db.engine.dialect.name != "postgresql":
        click.echo("Nothing to do: database roles exist on PostgreSQL only.")
        return
    try:
        with db.engine.begin() as connection:
            grant_app_role(connection, role)
    except Exception as error:  # a missing role, or not the owner: say which
        click.echo(f"Could not grant the rights to {role}: {getattr(error, 'orig', error)}", err=True)
        sys.exit(1)
    click.echo(f"{role} may now read and write the data and append to the history; it cannot change the "
               "tables, their triggers or past history.")


@click.group("backup", help="Consistent backups of the running database, and restoring them.")
def backup_cli() -> None:
    pass


@backup_cli.command("create", help="Write a consistent copy of the database to FILE while the service runs.")
@click.argument("file", type=click.Path(dir_okay=False))
def backup_create(file: str) -> None:
    from pathlib import Path

    from qa_app.operations.backups import BackupFailed, create_backup

    url = db.engine.url.render_as_string(hide_password=False)
    db.session.remove()
    try:
        create_backup(url, Path(file))
    except (BackupFailed, OSError) as error:
        click.echo(f"No backup written: {error}", err=True)
        sys.exit(1)
    click.echo(f"Backup written to {file} ({Path(file).stat().st_size:,} bytes).")


@backup_cli.command("restore", help="Load FILE into the empty database DATABASE_URL names; then check the history.")
@click.argument("file", type=click.Path(dir_okay=False))
def backup_restore(file: str) -> None:
    from pathlib import Path

    from qa_app.history.chain import verify
    from qa_app.operations.backups import BackupFailed, restore_backup

    url = db.engine.url.render_as_string(hide_password=False)
    db.session.remove()
    db.engine.dispose()
    try:
        restore_backup(url, Path(file))
    except (BackupFailed, OSError) as error:
        click.echo(f"Nothing restored: {error}", err=True)
        sys.exit(1)
    result = verify(db.session)
    db.session.remove()
    if not result.ok:
        click.echo(f"Restored, but the history does not verify: {result.problems[0]}", err=True)
        sys.exit(1)
    click.echo(f"Restored {file}; the history is intact ({result.links} events).")
    if db.engine.dialect.name == "postgresql":
        click.echo("Now give the app's role its rights: flask --app wsgi database grant-app ROLE")
