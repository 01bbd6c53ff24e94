"""Command-line interface: `flask --app wsgi …` (or the `qa` script)."""

import json
import secrets
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import FlaskGroup

from qa_app.auth.models import Role, User
from qa_app.extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(templates_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(cases_cli)
    from qa_app.challenges.cli import challenges_cli
    from qa_app.demo import demo_command
    from qa_app.escalations.cli import escalations_cli
    from qa_app.exchange.cli import export_cli, results_cli
    from qa_app.jobs.cli import jobs_cli
    from qa_app.history.cli import history_cli
    from qa_app.operations.cli import backup_cli, database_cli
    from qa_app.retention.cli import retention_cli
    from qa_app.notifications.cli import notifications_cli
    from qa_app.reports.cli import report_cli

    app.cli.add_command(demo_command)
    app.cli.add_command(export_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(results_cli)
    app.cli.add_command(challenges_cli)
    app.cli.add_command(escalations_cli)
    app.cli.add_command(notifications_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(history_cli)
    app.cli.add_command(database_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(retention_cli)
    from qa_app.programme.cli import programme_cli

    app.cli.add_command(programme_cli)


def main() -> None:
    from qa_app import create_app

    FlaskGroup(create_app=create_app)()


# --- templates -------------------------------------------------------------------------------

@click.group("templates", help="Check, store and show audit templates.")
def templates_cli() -> None:
    pass


@templates_cli.command("check", help="Validate every template file; list every problem.")
@click.option("--dir", "directory", default=None, help="Folder of templates (default: audit_templates/).")
def templates_check(directory: str | None) -> None:
    from qa_app.audit_forms.schema import load_directory

    templates, problems = load_directory(directory or current_app.config["TEMPLATES_DIR"])
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found; {len(templates)} template(s) valid.", err=True)
        sys.exit(1)
    click.echo(f"{len(templates)} template(s) valid: {', '.join(t.key for t in templates)}")


@templates_cli.command("sync", help="Store each valid template as an immutable version.")
@click.option("--dir", "directory", default=None)
def templates_sync(directory: str | None) -> None:
    from qa_app.audit_forms.services import sync_templates

    result = sync_templates(directory or current_app.config["TEMPLATES_DIR"])
    db.session.commit()
    for problem in result.problems:
        click.echo(str(problem), err=True)
    for key in result.behind:
        click.echo(f"{key}: the file is older than the version published in the browser, which stays current; "
                   "download its YAML to bring the folder up to date.", err=True)
    click.echo(f"stored {len(result.added)} new version(s), {len(result.unchanged)} unchanged"
               + (f"; {len(result.problems)} problem(s), bad files not stored" if result.problems else ""))
    if result.problems:
        sys.exit(1)


@templates_cli.command("show", help="Show the current stored version of a template.")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def templates_show(key: str, as_json: bool) -> None:
    from qa_app.audit_forms.services import current_version

    version = current_version(key)
    if version is None:
        click.echo(f"No template with the key '{key}' has been synced. Run `templates sync` first.", err=True)
        sys.exit(1)
    template = version.template
    if as_json:
        click.echo(json.dumps(template.to_json_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(f"{template.title} ({template.key}, version {template.version}, {version.content_hash[:12]})")
    for section in template.sections:
        click.echo(f"  {section.title}")
        for question in section.questions:
            flags = [question.type] + (["limiting"] if question.limiting else []) + (
                ["required"] if question.required else [])
            click.echo(f"    - {question.key}: {question.text} [{', '.join(flags)}]")


# --- users -----------------------------------------------------------------------------------

@click.group("users", help="Manage user accounts.")
def users_cli() -> None:
    pass


@users_cli.command("create", help="Create a user. Asks for the password, or generates one.")
@click.option("--email", required=True)
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]), help="Repeat for several roles.")
@click.option("--team", default=None, help="Team name (created if new).")
@click.option("--name", "display_name", default=None, help="Display name.")
@click.option("--generate-password", is_flag=True, help="Generate a password and print it.")
def users_create(email, roles, team, display_name, generate_password) -> None:
    from qa_app.auth.services import create_user, get_or_create_team
    from qa_app.errors import ValidationFailed

    generated = generate_password or not sys.stdin.isatty()
    if generated:
        password = secrets.token_urlsafe(15)
    else:
        password = click.prompt("Password (at least 12 characters; leave empty to generate one)",
                                hide_input=True, confirmation_prompt=True, default="", show_default=False)
        if not password:
            generated, password = True, secrets.token_urlsafe(15)
    try:
        user = create_user(email=email, roles=[Role(r) for r in roles], display_name=display_name,
                           team=get_or_create_team(team) if team else None, password=password)
    except ValidationFailed as error:
        db.session.rollback()
        for _, message in error.problems:
            click.echo(message, err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Created {user.email} with role(s) {', '.join(sorted(roles))}"
               + (f" in team {user.team.name}" if user.team else ""))
    if generated:
        click.echo(f"Password: {password}")


@users_cli.command("activate", help="Let an account sign in (for example one created inactive by an import).")
@click.option("--email", required=True)
@click.option("--generate-password", is_flag=True, help="Set a new generated password and print it.")
def users_activate(email: str, generate_password: bool) -> None:
    from qa_app.auth.services import normalise_email, set_password

    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        click.echo(f"No account has the email {email}.", err=True)
        sys.exit(1)
    user.active = True
    password = None
    if generate_password or not user.password_hash:
        password = secrets.token_urlsafe(15)
        set_password(user, password)
    from qa_app.history.services import record

    record(None, "user.activated", user)
    db.session.commit()
    click.echo(f"{user.email} can now sign in.")
    if password:
        click.echo(f"Password: {password}")


@users_cli.command("deactivate", help="Stop an account signing in; its sessions end at once.")
@click.option("--email", required=True)
def users_deactivate(email: str) -> None:
    from qa_app.auth.services import end_sessions, normalise_email
    from qa_app.history.services import record

    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        click.echo(f"No account has the email {email}.", err=True)
        sys.exit(1)
    user.active = False
    end_sessions(user, "deactivated")
    record(None, "user.deactivated", user)
    db.session.commit()
    click.echo(f"{user.email} can no longer sign in.")


@users_cli.command("link", help="Link a name in the case list's 'Allocated worker' or 'Team manager' column to "
                                 "an account, after you confirm. Without --name, list the names not linked yet.")
@click.option("--name", default=None, help="The name exactly as the case list gives it.")
@click.option("--email", default=None, help="The account it is.")
@click.option("--as", "kind", type=click.Choice(["worker", "manager"]), default="worker", show_default=True,
              help="Which column the name is in.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
def users_link(name: str | None, email: str | None, kind: str, yes: bool) -> None:
    from qa_app.auth.services import normalise_email
    from qa_app.cases.models import PersonColumn
    from qa_app.cases.people import cases_naming, link_name, unlinked_names
    from qa_app.errors import ValidationFailed

    if name is None:
        names = unlinked_names()
        for column, unlinked, count in names:
            click.echo(f"{column.value}\t{unlinked}\t{count} case file(s)")
        click.echo(f"{len(names)} name(s) not linked to an account."
                   + (" Link one with: users link --name NAME --email EMAIL [--as manager]" if names else ""))
        return
    if not email:
        click.echo("Give the account's email with --email.", err=True)
        sys.exit(1)
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        click.echo(f"No account has the email {email}.", err=True)
        sys.exit(1)
    column = PersonColumn(kind)
    count = len(cases_naming(column, name))
    if not yes and not click.confirm(
            f"Link {count} case file(s) whose {column.label.lower()} is '{name}', and every later import "
            f"naming '{name}' there, to {user.display_name} <{user.email}>?", default=False):
        click.echo("Nothing linked.")
        return
    try:
        changed = link_name(column, name, user, actor=None)
    except ValidationFailed as error:
        db.session.rollback()
        for _, message in error.problems:
            click.echo(message, err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Linked '{name}' ({column.label.lower()}) to {user.email}: {changed} case file(s) updated.")


@users_cli.command("sign-out-everyone", help="End every open session of every user at once (for example after "
                                               "a suspected breach).")
def users_sign_out_everyone() -> None:
    from qa_app.admin.services import end_everyones_sessions

    ended = end_everyones_sessions(actor=None)
    db.session.commit()
    click.echo(f"Ended {ended} session{'s' if ended != 1 else ''}: everyone must sign in again.")


@users_cli.command("set-manager", help="Name the manager an auditor's overdue audits are escalated to.")
@click.option("--email", required=True, help="The auditor.")
@click.option("--manager", "manager_email", default=None, help="The manager's email; leave out to clear it.")
def users_set_manager(email: str, manager_email: str | None) -> None:
    from qa_app.auth.services import normalise_email
    from qa_app.history.services import record

    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    manager = db.session.scalar(sa.select(User).where(User.email == normalise_email(manager_email))) \
        if manager_email else None
    if user is None or (manager_email and manager is None):
        click.echo(f"No account has the email {email if user is None else manager_email}.", err=True)
        sys.exit(1)
    if manager is not None and manager.id == user.id:
        click.echo("Someone cannot be their own manager.", err=True)
        sys.exit(1)
    before = user.manager.email if user.manager else None
    user.manager_id = manager.id if manager else None
    record(None, "user.manager_set", user, manager=[before, manager.email if manager else None])
    db.session.commit()
    click.echo(f"{user.email}: overdue audits go to {manager.email if manager else 'the QA leads'}.")


@users_cli.command("merge", help="Merge an account a results import made into the person's own account: its "
                                   "audits, moderations and actions move, and it is closed.")
@click.option("--from", "source_email", required=True, help="The imported account's email.")
@click.option("--into", "target_email", required=True, help="The person's own account's email.")
def users_merge(source_email: str, target_email: str) -> None:
    from qa_app.auth.services import normalise_email
    from qa_app.errors import DomainError
    from qa_app.exchange.accounts import merge_imported_account

    accounts = {}
    for email in (source_email, target_email):
        accounts[email] = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
        if accounts[email] is None:
            click.echo(f"No account has the email {email}.", err=True)
            sys.exit(1)
    try:
        moved = merge_imported_account(accounts[source_email], accounts[target_email], actor=None)
    except DomainError as error:
        db.session.rollback()
        click.echo(error.message, err=True)
        sys.exit(1)
    db.session.commit()
    what = ", ".join(f"{n} {name.split('.')[0]}" for name, n in moved.items()) or "nothing to move"
    click.echo(f"Merged {normalise_email(source_email)} into {normalise_email(target_email)}: {what}.")


@users_cli.command("list", help="List users and their roles.")
def users_list() -> None:
    for user in db.session.scalars(sa.select(User).order_by(User.email)):
        status = ("merged" if user.merged_into_id else "imported, inactive" if user.imported_from and not user.active
                  else "active" if user.active else "inactive")
        click.echo(f"{user.email}\t{','.join(sorted(r.value for r in user.roles))}\t"
                   f"{user.team.name if user.team else ''}\t{status}")


# --- cases -----------------------------------------------------------------------------------

@click.group("cases", help="Case files.")
def cases_cli() -> None:
    pass


@cases_cli.command("import", help="Import a case list (CSV or XLSX). All or nothing.")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--close-missing", is_flag=True, help="Mark open case files not in the list as closed.")
def cases_import(path: str, close_missing: bool) -> None:
    from qa_app.cases.importing import ImportRejected, import_cases
    from qa_app.spreadsheets.reader import Limits

    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        click.echo(f"Cannot read {path}: {error.strerror}", err=True)
        sys.exit(1)
    try:
        # The command line is where large lists are imported: a higher size limit than the web page.
        result = import_cases(data, file.name, actor=None, close_missing=close_missing,
                              limits=Limits(max_bytes=200 * 1024 * 1024, max_rows=1_000_000))
    except ImportRejected as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(problem, err=True)
        click.echo(f"Nothing imported: {len(error.problems)} problem(s).", err=True)
        sys.exit(1)
    db.session.commit()
    for line in result.unmatched_lines():
        click.echo(line)
    if result.unmatched:
        click.echo("Link these with `users link` (nothing is guessed from names).")
    click.echo(result.summary())
