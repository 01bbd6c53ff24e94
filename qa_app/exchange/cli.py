"""`export round|all` and `results import`: the exchange workbook from the command line."""

import sys
from pathlib import Path

import click

from qa_app.extensions import db
from qa_app.reports.builder import find_round
from qa_app.reports.queries import ReportFilter


@click.group("export", help="Export moderated results to an Excel workbook (the exchange format).")
def export_cli() -> None:
    pass


@export_cli.command("round", help="Export one round (its id or exact name).")
@click.argument("ident", metavar="ROUND")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The .xlsx file to write.")
def export_round(ident: str, output: str) -> None:
    round_ = _round_or_exit(ident)
    _export(ReportFilter(round_ids=(round_.id,)), output)


@export_cli.command("all", help="Export every round.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The .xlsx file to write.")
def export_all(output: str) -> None:
    _export(ReportFilter(), output)


def _export(filters: ReportFilter, output: str) -> None:
    from qa_app.exchange.export import write_exchange_workbook
    from qa_app.exchange.queries import export_size

    path = Path(output)
    if path.suffix.lower() != ".xlsx":
        click.echo("The output file must end in .xlsx", err=True)
        sys.exit(1)
    total, answers = export_size(filters)
    show = sys.stderr.isatty()
    temporary = path.with_name(path.name + ".part")
    with click.progressbar(length=max(total + answers, 1), label="Exporting", file=sys.stderr,
                           hidden=not show) as bar:
        done = {"Audits": 0, "Answers": 0}

        def progress(sheet: str, rows: int) -> None:
            if sheet in done:
                bar.update(rows - done[sheet])
                done[sheet] = rows

        try:
            with temporary.open("wb") as out:
                write_exchange_workbook(out, filters=filters, generated_by="command line", progress=progress)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            click.echo(f"Cannot write {output}: {error.strerror}", err=True)
            sys.exit(1)
        bar.update(max(total + answers, 1))
    temporary.replace(path)
    click.echo(f"Exported {total} audit(s) to {path}")


def _round_or_exit(ident: str):
    round_ = find_round(ident)
    if round_ is None:
        click.echo(f"No round has the id or name '{ident}'.", err=True)
        sys.exit(1)
    return round_


@click.group("results", help="Import audit results in the exchange format.")
def results_cli() -> None:
    pass


@results_cli.command("import", help="Import the Audits and Answers sheets of an exchange workbook. All or nothing.")
@click.argument("path", type=click.Path(dir_okay=False))
def results_import(path: str) -> None:
    from qa_app.exchange.importing import STEPS, ResultsRejected, import_results

    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        click.echo(f"Cannot read {path}: {error.strerror}", err=True)
        sys.exit(1)
    with click.progressbar(length=len(STEPS), label=f"Importing {file.name}", file=sys.stderr,
                           hidden=not sys.stderr.isatty(), item_show_func=lambda step: step) as bar:
        def progress(step: str) -> None:
            bar.update(1 if STEPS.index(step) else 0, step)

        try:
            summary = import_results(data, file.name, actor=None, progress=progress)
        except ResultsRejected as error:
            db.session.rollback()
            bar.hidden = True
            for problem in error.problems:
                click.echo(problem, err=True)
            click.echo(f"Nothing imported: {len(error.problems)} problem(s).", err=True)
            sys.exit(1)
        bar.update(1)
    db.session.commit()
    for line in summary.lines():
        click.echo(line)
