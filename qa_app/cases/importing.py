"""Importing the case list exported from the case-management system (CSV or XLSX)."""

import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from qa_app.auth.models import Team
from qa_app.auth.services import get_or_create_team
from qa_app.cases.models import FACTORS, CaseFactor, CaseFile, CaseStatus, CaseType, PersonColumn, parse_case_type
from qa_app.cases.people import Resolver, people_fields, shown_name, unmatched
from qa_app.db import lock_for_writing, utcnow
from qa_app.errors import DomainError
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.spreadsheets.reader import Limits, UnreadableFile, stream_table

REQUIRED = ("Case reference", "Case type", "Team")
OPTIONAL = ("Allocated worker", "Team manager", "Date of birth", "Open date", "Factors", "Plan start date",
            "Next review date", "Plan end date")
# The plan dates: the column and the case file's attribute.
PLAN_DATES = (("Plan start date", "plan_start_date"), ("Next review date", "next_review_date"),
              ("Plan end date", "plan_end_date"))
HEADER_ALIASES = {
    "case reference": "Case reference", "reference": "Case reference", "case ref": "Case reference",
    "person id": "Case reference", "case id": "Case reference",
    "case type": "Case type", "type": "Case type",
    "team": "Team", "team name": "Team",
    "allocated worker": "Allocated worker", "worker": "Allocated worker", "social worker": "Allocated worker",
    "allocated worker email": "Allocated worker", "worker email": "Allocated worker",
    "team manager": "Team manager", "manager": "Team manager", "team manager email": "Team manager",
    "date of birth": "Date of birth", "dob": "Date of birth",
    "open date": "Open date", "case open date": "Open date", "start date": "Open date",
    "factors": "Factors", "flags": "Factors",
    "plan start date": "Plan start date", "plan start": "Plan start date", "cp plan start date": "Plan start date",
    "next review date": "Next review date", "next conference date": "Next review date",
    "next conference or review date": "Next review date", "next review": "Next review date",
    "plan end date": "Plan end date", "plan ended": "Plan end date", "cp plan end date": "Plan end date",
}
_FACTORS = {key: key for key in FACTORS} | {label.lower(): key for key, label in FACTORS.items()}
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/_.]{0,63}$")
MAX_PROBLEMS = 1000  # a file that is wrong throughout is not listed row by row to the end
# One number for the advisory lock that makes two imports on PostgreSQL queue, not interleave.
_IMPORT_LOCK = 7_461_001


class ImportRejected(DomainError):
    """The file was not imported; `problems` lists every reason, row by row."""

    def __init__(self, problems: list[str]):
        super().__init__(f"The file was not imported: {len(problems)} problem(s) found.")
        self.problems = problems


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    # (column, name or email, case files) named in the list but matched to no account
    unmatched: list[tuple[PersonColumn, str, int]] = field(default_factory=list)

    def unmatched_lines(self) -> list[str]:
        return [f"{kind.label} '{name}' ({n} case file{'s' if n != 1 else ''}) is not linked to an account"
                for kind, name, n in self.unmatched]

    def summary(self) -> str:
        return (f"added {len(self.added)}, updated {len(self.updated)}, "
                f"unchanged {len(self.unchanged)}, closed {len(self.closed)}")


@dataclass(frozen=True, slots=True)
class CaseRow:
    row: int
    reference: str
    case_type: str
    team: str
    allocated_worker: str
    team_manager: str
    date_of_birth: date | None
    open_date: date | None
    factors: tuple[str, ...]
    plan_dates: tuple[date | None, ...] = (None, None, None)   # in PLAN_DATES order


def import_cases(data: bytes, filename: str, *, actor, close_missing: bool = False,
                 limits: Limits = Limits(), progress=None, rows_read=None) -> ImportResult:
    """Add or update case files from a case list; all or nothing.

    Raises ImportRejected (every problem, by row, or the reason the file cannot be read). The file
    is read and every row checked first, as a stream (memory stays flat: only a compact tuple per
    row is kept), before anything is read from or written to the database; then the changes are
    written in bulk in one short transaction. `progress(note)` is told as each step begins, and
    `rows_read(count)` (if given) every 5,000 rows while the file is read.
    """
    progress = progress or (lambda _note: None)
    progress("Reading and checking the file")
    try:
        with stream_table(data, filename, limits=limits, header_aliases=HEADER_ALIASES) as (headers, raw_rows):
            missing = [name for name in REQUIRED if name not in headers]
            rows, problems = parse_rows(_counted(raw_rows, rows_read) if rows_read else raw_rows) \
                if not missing else ([], [])
    except UnreadableFile as error:
        raise ImportRejected([error.message]) from None
    if missing:
        raise ImportRejected([f"The file has no '{name}' column." for name in missing]
                             + [f"The first row must hold the column names: {', '.join(REQUIRED + OPTIONAL)}."])
    if not rows and not problems:
        problems.append("The file has column names but no case files.")
    if problems:
        raise ImportRejected(problems)
    # An optional column left out of the file leaves that detail as it is; an empty cell clears it.
    present = {name for name in OPTIONAL if name in headers}
    progress("Saving")
    return _apply(rows, actor=actor, close_missing=close_missing, filename=filename, present=present)


def _counted(raw_rows, rows_read, every: int = 5000):
    for count, raw in enumerate(raw_rows, start=1):
        if count % every == 0:
            rows_read(count)
        yield raw


def parse_rows(raw_rows) -> tuple[list[CaseRow], list[str]]:
    rows: list[CaseRow] = []
    problems: list[str] = []
    first_row_of: dict[str, int] = {}
    today = date.today()
    # Dates, sets of factors and empty plans repeat row after row (6,500 days cover every child's
    # date of birth): each is kept once, which saves memory and the work of reading it again.
    days: dict[str | datetime, date] = {}
    kept: dict[tuple, tuple] = {}
    factor_lists: dict[object, tuple] = {}

    def read_factors(value) -> tuple[tuple[str, ...], list[str]]:
        if value not in factor_lists:
            factor_lists[value] = _factors(value)
        factors, problems = factor_lists[value]
        return factors, list(problems)

    def read_date(value, column: str) -> tuple[date | None, str | None]:
        if isinstance(value, (str, datetime)) and value in days:
            return days[value], None
        day, problem = _date(value, column)
        if day is not None and isinstance(value, (str, datetime)):
            days[value] = day
        return day, problem
    for raw in raw_rows:
        values, n = raw.values, raw.number
        bad = []
        reference = _text(values.get("Case reference"))
        if not reference:
            bad.append("'Case reference' is empty")
        elif not _REFERENCE.match(reference):
            bad.append(f"'Case reference' '{reference[:70]}' must be up to 64 letters, digits, - / _ or .")
        elif (key := reference.upper()) in first_row_of:
            bad.append(f"case reference {reference} appears twice, in rows {first_row_of[key]} and {n}")
        else:
            first_row_of[key] = n   # the same string is kept in the row: one copy of each reference
        case_type = parse_case_type(_text(values.get("Case type")))
        if case_type is None:
            shown = _text(values.get("Case type"))[:40]
            bad.append(f"'Case type' '{shown}' is not one of "
                       + ", ".join(f"{t.value} ({t.label})" for t in CaseType) if shown
                       else "'Case type' is empty")
        team = " ".join(_text(values.get("Team")).split())
        if not team:
            bad.append("'Team' is empty")
        elif len(team) > 120:
            bad.append("'Team' is longer than 120 characters")
        worker = _text(values.get("Allocated worker"))
        if len(worker) > 120:
            bad.append("'Allocated worker' is longer than 120 characters")
        manager = _text(values.get("Team manager"))
        if len(manager) > 120:
            bad.append("'Team manager' is longer than 120 characters")
        dob, dob_problem = read_date(values.get("Date of birth"), "Date of birth")
        if dob_problem:
            bad.append(dob_problem)
        elif dob and dob > today:
            bad.append(f"'Date of birth' {dob:%d/%m/%Y} is in the future")
        opened, open_problem = read_date(values.get("Open date"), "Open date")
        if open_problem:
            bad.append(open_problem)
        factors, factor_problems = read_factors(values.get("Factors"))
        bad.extend(factor_problems)
        plan_dates = []
        for column, _ in PLAN_DATES:
            day, problem = read_date(values.get(column), column)
            if problem:
                bad.append(problem)
            plan_dates.append(day)
        start, _review, ended = plan_dates
        if start and start > today:
            bad.append(f"'Plan start date' {start:%d/%m/%Y} is in the future")
        if ended and ended > today:
            bad.append(f"'Plan end date' {ended:%d/%m/%Y} is in the future")
        if bad:
            if len(problems) < MAX_PROBLEMS:
                problems.extend(f"Row {n}: {message}." for message in bad)
            elif len(problems) == MAX_PROBLEMS:
                problems.append(f"More problems follow (only the first {MAX_PROBLEMS} are listed): correct "
                                "these and upload the file again to see the rest.")
            continue
        # Teams and workers repeat row after row: one copy of each name (100,000 rows in little memory).
        rows.append(CaseRow(n, key, case_type.value, sys.intern(team), sys.intern(worker), sys.intern(manager), dob,
                            opened, kept.setdefault(factors, factors),
                            kept.setdefault(tuple(plan_dates), tuple(plan_dates))))
    return rows, problems


def _apply(rows: list[CaseRow], *, actor, close_missing: bool, filename: str,
           present: set[str] = set(OPTIONAL)) -> ImportResult:
    """Write the checked rows in bulk, 5,000 at a time (no ORM object per row, so memory stays flat
    and 100,000 rows take seconds), in the caller's transaction, which the caller commits at once."""
    _lock_imports()
    result = ImportResult()
    teams = {name.lower(): team_id for team_id, name in db.session.execute(sa.select(Team.id, Team.name))}
    fields = ["case_type"] + [name for column, name in _OPTIONAL_FIELDS if column in present]
    connection = db.session.connection()  # Core statements: no ORM work per row
    cases, case_factors = CaseFile.__table__, CaseFactor.__table__
    now = utcnow()
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        for row in chunk:
            if row.team.lower() not in teams:
                teams[row.team.lower()] = get_or_create_team(row.team).id
        _apply_chunk(connection, chunk, teams, fields, present, now, result)
    if close_missing:
        seen = {row.reference for row in rows}
        to_close = [(case_id, reference) for case_id, reference in connection.execute(
            sa.select(cases.c.id, cases.c.reference).where(cases.c.status == CaseStatus.OPEN.value))
            if reference not in seen]
        if to_close:
            connection.execute(cases.update().where(cases.c.id == sa.bindparam("case_id")).values(
                status=CaseStatus.CLOSED.value, closed_at=now, updated_at=now),
                [{"case_id": case_id} for case_id, _ in to_close])
            result.closed.extend(reference for _, reference in to_close)
    _link_people(connection, rows, present, result)
    db.session.expire_all()  # the ORM's copies of case files changed underneath
    record(actor, "cases.imported", None, filename=filename[:200], added=result.added,
           updated=result.updated, closed=result.closed, unchanged=len(result.unchanged),
           unmatched=[[kind.value, name, n] for kind, name, n in result.unmatched])
    return result


_CHUNK = 5000


def _apply_chunk(connection, chunk: list[CaseRow], teams: dict[str, int], fields: list[str], present: set[str],
                 now, result: ImportResult) -> None:
    cases, case_factors = CaseFile.__table__, CaseFactor.__table__
    existing: dict[str, tuple] = {}
    references = [row.reference for row in chunk]
    for start in range(0, len(references), 900):
        for found in connection.execute(sa.select(
                cases.c.id, cases.c.reference, cases.c.case_type, cases.c.team_id, cases.c.allocated_worker,
                cases.c.date_of_birth, cases.c.open_date, cases.c.status, *(cases.c[name] for _, name in PLAN_DATES)).where(
                cases.c.reference.in_(references[start:start + 900]))):
            existing[found.reference] = found
    factors: dict[int, tuple[str, ...]] = {}
    if "Factors" in present and existing:
        ids = [found.id for found in existing.values()]
        for start in range(0, len(ids), 900):
            for case_id, factor in connection.execute(sa.select(case_factors.c.case_file_id, case_factors.c.factor)
                                                      .where(case_factors.c.case_file_id.in_(ids[start:start + 900]))):
                factors[case_id] = factors.get(case_id, ()) + (factor,)
    inserts, updates, new_factors, replaced_factors = [], [], {}, []
    for row in chunk:
        team_id = teams[row.team.lower()]
        found = existing.get(row.reference)
        if found is None:
            inserts.append((row.reference, team_id, CaseStatus.OPEN.value, now, now, row.case_type,
                            row.allocated_worker, row.date_of_birth, row.open_date, *row.plan_dates))
            if row.factors:
                new_factors[row.reference] = row.factors
            result.added.append(row.reference)
            continue
        wanted = {"case_type": row.case_type, "allocated_worker": row.allocated_worker,
                  "date_of_birth": row.date_of_birth, "open_date": row.open_date,
                  **{name: day for (_, name), day in zip(PLAN_DATES, row.plan_dates)}}
        changed = found.team_id != team_id or found.status != CaseStatus.OPEN or any(
            getattr(found, name) != wanted[name] for name in fields)
        factors_changed = "Factors" in present and tuple(sorted(factors.get(found.id, ()))) != row.factors
        if changed or factors_changed:
            updates.append({"case_id": found.id, "team_id": team_id, "status": CaseStatus.OPEN.value,
                            "closed_at": None, "updated_at": now, **{name: wanted[name] for name in fields}})
            if factors_changed:
                replaced_factors.append((found.id, row.factors))
            result.updated.append(row.reference)
        else:
            result.unchanged.append(row.reference)
    _insert_fast(connection, inserts)
    with_factors = list(new_factors)
    for start in range(0, len(with_factors), 900):
        made = connection.execute(sa.select(cases.c.id, cases.c.reference).where(
            cases.c.reference.in_(with_factors[start:start + 900])))
        links = [{"case_file_id": case_id, "factor": factor} for case_id, reference in made
                 for factor in new_factors[reference]]
        if links:
            connection.execute(case_factors.insert(), links)
    if updates:
        connection.execute(cases.update().where(cases.c.id == sa.bindparam("case_id")).values(
            {name: sa.bindparam(name) for name in updates[0] if name != "case_id"}), updates)
    if replaced_factors:
        connection.execute(case_factors.delete().where(
            case_factors.c.case_file_id.in_([case_id for case_id, _ in replaced_factors])))
        links = [{"case_file_id": case_id, "factor": factor} for case_id, wanted in replaced_factors
                 for factor in wanted]
        if links:
            connection.execute(case_factors.insert(), links)


_INSERT_COLUMNS = ("reference", "team_id", "status", "created_at", "updated_at", "case_type", "allocated_worker",
                   "date_of_birth", "open_date", *(name for _, name in PLAN_DATES))


def _insert_fast(connection, inserts: list[tuple]) -> None:
    """New case files (tuples in _INSERT_COLUMNS order) through the driver's own executemany:
    SQLAlchemy's per-row parameter work was most of the time of a large import. Values are given
    as each database stores them."""
    if not inserts:
        return
    sqlite = connection.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    sql = (f"INSERT INTO case_files ({', '.join(_INSERT_COLUMNS)}) "
           f"VALUES ({', '.join([mark] * len(_INSERT_COLUMNS))})")
    if sqlite:  # as SQLAlchemy's SQLite Date and DateTime types write them
        text: dict = {None: None}   # the same few times and dates, row after row: each written out once

        def written(value, *how):
            if value not in text:
                text[value] = value.isoformat(*how)
            return text[value]

        inserts = [(*row[:3], written(row[3], " ", "microseconds"), written(row[4], " ", "microseconds"),
                    *row[5:7], *(written(day) for day in row[7:]))
                   for row in inserts]
    connection.exec_driver_sql(sql, inserts)


# The case's people ("Allocated worker", "Team manager") are written by _link_people.
_OPTIONAL_FIELDS = (("Date of birth", "date_of_birth"),
                    ("Open date", "open_date"), *PLAN_DATES)


# The columns naming the case's people: (who, the column, the CaseRow field).
_PEOPLE = ((PersonColumn.WORKER, "Allocated worker", "allocated_worker"),
           (PersonColumn.MANAGER, "Team manager", "team_manager"))


def _link_people(connection, rows: list[CaseRow], present: set[str], result: ImportResult) -> None:
    """The allocated worker and team manager of each row, linked by identity (an email, or a name an
    administrator confirmed with `users link`; never a guess): the name shown and the account, for
    the columns the file has. A case whose people changed is counted as updated; the names matched
    to no account are listed in `result.unmatched`."""
    columns = [(kind, column, name) for kind, column, name in _PEOPLE if column in present]
    if not columns:
        return
    cases = CaseFile.__table__
    given = [(kind, getattr(row, name)) for row in rows for kind, _column, name in columns]
    resolver = Resolver.load({text for _, text in given if "@" in text},
                             {(kind.value, text) for kind, text in given if text and "@" not in text})
    fields = [people_fields(kind) for kind, _column, _name in columns]
    found: dict[str, tuple] = {}
    references = [row.reference for row in rows]
    for start in range(0, len(references), 900):
        for case in connection.execute(sa.select(cases.c.id, cases.c.reference, *(
                cases.c[f] for pair in fields for f in pair)).where(cases.c.reference.in_(references[start:start + 900]))):
            found[case.reference] = case
    named, updates, changed = [], [], set()
    for row in rows:
        case = found[row.reference]
        wanted = {}
        for (kind, _column, name), (text_field, id_field) in zip(columns, fields):
            text = getattr(row, name)
            user = resolver.user_for(kind, text)
            named.append((kind, text, user))
            wanted[text_field], wanted[id_field] = shown_name(user, text), user.id if user is not None else None
        if any(getattr(case, key) != value for key, value in wanted.items()):
            updates.append({"case_id": case.id, **wanted})
            changed.add(row.reference)
    if updates:
        connection.execute(cases.update().where(cases.c.id == sa.bindparam("case_id")).values(
            {key: sa.bindparam(key) for key in updates[0] if key != "case_id"}), updates)
    moved = [reference for reference in result.unchanged if reference in changed]
    if moved:
        result.unchanged[:] = [reference for reference in result.unchanged if reference not in changed]
        result.updated.extend(moved)
    result.unmatched = unmatched(named)


def _lock_imports() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _IMPORT_LOCK})
    else:
        lock_for_writing(db.session)   # SQLite: the write lock before the reads the import checks


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value, column: str) -> tuple[date | None, str | None]:
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    text = str(value).strip()
    quick = _DMY.match(text)  # the usual DD/MM/YYYY without strptime's cost (100,000 rows, twice)
    if quick:
        try:
            return date(int(quick[3]), int(quick[2]), int(quick[1])), None
        except ValueError:
            return None, f"'{column}' '{text[:30]}' is not a date (use DD/MM/YYYY)"
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(text, fmt).date(), None
        except ValueError:
            continue
    return None, f"'{column}' '{text[:30]}' is not a date (use DD/MM/YYYY)"


def _factors(value) -> tuple[tuple[str, ...], list[str]]:
    text = _text(value)
    if not text:
        return (), []
    found, problems = set(), []
    for part in text.split(";"):
        name = " ".join(part.split()).lower()
        if not name:
            continue
        key = _FACTORS.get(name) or _FACTORS.get(name.replace(" ", "_").replace("-", "_"))
        if key is None:
            problems.append(f"factor '{part.strip()[:40]}' is not known (known factors: {', '.join(FACTORS)})")
        else:
            found.add(key)
    return tuple(sorted(found)), problems
