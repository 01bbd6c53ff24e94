"""Importing the case list exported from the case-management system (CSV or XLSX)."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from qa_app.auth.models import Team
from qa_app.auth.services import get_or_create_team
from qa_app.cases.models import FACTORS, CaseFactor, CaseFile, CaseStatus, CaseType, parse_case_type
from qa_app.db import lock_for_writing, utcnow
from qa_app.errors import DomainError
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.spreadsheets.reader import Limits, UnreadableFile, read_table

REQUIRED = ("Case reference", "Case type", "Team")
OPTIONAL = ("Allocated worker", "Date of birth", "Open date", "Factors")
HEADER_ALIASES = {
    "case reference": "Case reference", "reference": "Case reference", "case ref": "Case reference",
    "person id": "Case reference", "case id": "Case reference",
    "case type": "Case type", "type": "Case type",
    "team": "Team", "team name": "Team",
    "allocated worker": "Allocated worker", "worker": "Allocated worker", "social worker": "Allocated worker",
    "date of birth": "Date of birth", "dob": "Date of birth",
    "open date": "Open date", "case open date": "Open date", "start date": "Open date",
    "factors": "Factors", "flags": "Factors",
}
_FACTORS = {key: key for key in FACTORS} | {label.lower(): key for key, label in FACTORS.items()}
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/_.]{0,63}$")
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

    def summary(self) -> str:
        return (f"added {len(self.added)}, updated {len(self.updated)}, "
                f"unchanged {len(self.unchanged)}, closed {len(self.closed)}")


@dataclass(frozen=True)
class CaseRow:
    row: int
    reference: str
    case_type: str
    team: str
    allocated_worker: str
    date_of_birth: date | None
    open_date: date | None
    factors: tuple[str, ...]


def import_cases(data: bytes, filename: str, *, actor, close_missing: bool = False,
                 limits: Limits = Limits()) -> ImportResult:
    """Add or update case files from a case list; all or nothing.

    Raises ImportRejected (every problem, by row) or UnreadableFile-derived ImportRejected for a
    file that cannot be read. Nothing is written unless every row is good.
    """
    try:
        table = read_table(data, filename, limits=limits, header_aliases=HEADER_ALIASES)
    except UnreadableFile as error:
        raise ImportRejected([error.message]) from None
    missing = [name for name in REQUIRED if name not in table.headers]
    if missing:
        raise ImportRejected([f"The file has no '{name}' column." for name in missing]
                             + [f"The first row must hold the column names: {', '.join(REQUIRED + OPTIONAL)}."])
    rows, problems = parse_rows(table.rows)
    if not rows and not problems:
        problems.append("The file has column names but no case files.")
    if problems:
        raise ImportRejected(problems)
    # An optional column left out of the file leaves that detail as it is; an empty cell clears it.
    present = {name for name in OPTIONAL if name in table.headers}
    return _apply(rows, actor=actor, close_missing=close_missing, filename=filename, present=present)


def parse_rows(raw_rows) -> tuple[list[CaseRow], list[str]]:
    rows: list[CaseRow] = []
    problems: list[str] = []
    first_row_of: dict[str, int] = {}
    today = date.today()
    for raw in raw_rows:
        values, n = raw.values, raw.number
        bad = []
        reference = _text(values.get("Case reference"))
        if not reference:
            bad.append("'Case reference' is empty")
        elif not _REFERENCE.match(reference):
            bad.append(f"'Case reference' '{reference[:70]}' must be up to 64 letters, digits, - / _ or .")
        elif reference.upper() in first_row_of:
            bad.append(f"case reference {reference} appears twice, in rows {first_row_of[reference.upper()]} and {n}")
        else:
            first_row_of[reference.upper()] = n
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
        dob, dob_problem = _date(values.get("Date of birth"), "Date of birth")
        if dob_problem:
            bad.append(dob_problem)
        elif dob and dob > today:
            bad.append(f"'Date of birth' {dob:%d/%m/%Y} is in the future")
        opened, open_problem = _date(values.get("Open date"), "Open date")
        if open_problem:
            bad.append(open_problem)
        factors, factor_problems = _factors(values.get("Factors"))
        bad.extend(factor_problems)
        if bad:
            problems.extend(f"Row {n}: {message}." for message in bad)
            continue
        rows.append(CaseRow(n, reference.upper(), case_type.value, team, worker, dob, opened, factors))
    return rows, problems


def _apply(rows: list[CaseRow], *, actor, close_missing: bool, filename: str,
           present: set[str] = set(OPTIONAL)) -> ImportResult:
    _lock_imports()
    result = ImportResult()
    teams = {team.name.lower(): team for team in db.session.scalars(sa.select(Team))}
    existing: dict[str, CaseFile] = {}
    references = [row.reference for row in rows]
    for start in range(0, len(references), 500):
        chunk = references[start:start + 500]
        for case in db.session.scalars(sa.select(CaseFile).where(CaseFile.reference.in_(chunk))):
            existing[case.reference] = case
    for row in rows:
        team = teams.get(row.team.lower())
        if team is None:
            team = teams[row.team.lower()] = get_or_create_team(row.team)
        case = existing.get(row.reference)
        if case is None:
            case = CaseFile(reference=row.reference)
            _fill(case, row, team, set(OPTIONAL))
            db.session.add(case)
            result.added.append(row.reference)
        elif _fill(case, row, team, present):
            result.updated.append(row.reference)
        else:
            result.unchanged.append(row.reference)
    if close_missing:
        seen = set(references)
        still_open = db.session.scalars(sa.select(CaseFile).where(CaseFile.status == CaseStatus.OPEN))
        for case in still_open:
            if case.reference not in seen:
                case.status = CaseStatus.CLOSED
                case.closed_at = utcnow()
                result.closed.append(case.reference)
    db.session.flush()
    record(actor, "cases.imported", None, filename=filename[:200], added=result.added,
           updated=result.updated, closed=result.closed, unchanged=len(result.unchanged))
    return result


def _fill(case: CaseFile, row: CaseRow, team: Team, present: set[str]) -> bool:
    """Copy the row onto the case (optional details only when their column is in the file);
    True when anything changed."""
    changed = False
    wanted = {"case_type": row.case_type}
    for column, name, value in (("Allocated worker", "allocated_worker", row.allocated_worker),
                                ("Date of birth", "date_of_birth", row.date_of_birth),
                                ("Open date", "open_date", row.open_date)):
        if column in present:
            wanted[name] = value
    for name, value in wanted.items():
        if getattr(case, name) != value:
            setattr(case, name, value)
            changed = True
    if case.team is not team:
        case.team = team
        changed = True
    if case.status != CaseStatus.OPEN:
        case.status, case.closed_at = CaseStatus.OPEN, None
        changed = True
    if "Factors" in present and tuple(case.factors) != row.factors:
        case.factor_rows = [CaseFactor(factor=f) for f in row.factors]
        changed = True
    return changed


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
