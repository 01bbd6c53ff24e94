"""qa_app.cases.importing.import_cases: counts, parsing, all-or-nothing, history, concurrency."""

import io
import threading
from datetime import date, datetime

import openpyxl
import pytest
import sqlalchemy as sa

from qa_app.auth.models import Team
from qa_app.cases.importing import ImportRejected, import_cases
from qa_app.cases.models import CaseFactor, CaseFile, CaseStatus
from qa_app.extensions import db
from qa_app.history.models import Event
from tests.conftest import TEMPLATES_DIR

HEADER = "Case reference,Case type,Team,Allocated worker,Date of birth,Open date,Factors\n"


def csv_bytes(*rows: str, bom: bool = False) -> bytes:
    text = HEADER + "".join(row + "\n" for row in rows)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(data: bytes, filename: str = "cases.csv", close_missing: bool = False, actor=None):
    result = import_cases(data, filename, actor=actor, close_missing=close_missing)
    db.session.commit()
    return result


def rejected(data: bytes, filename: str = "cases.csv", close_missing: bool = False) -> list[str]:
    with pytest.raises(ImportRejected) as info:
        import_cases(data, filename, actor=None, close_missing=close_missing)
    db.session.rollback()
    return info.value.problems


def case(reference: str) -> CaseFile | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(CaseFile).where(CaseFile.reference == reference))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def snapshot():
    db.session.expire_all()
    cases = {(c.reference, c.case_type, c.team.name, c.allocated_worker, c.date_of_birth, c.open_date, c.status,
              tuple(c.factors)) for c in db.session.scalars(sa.select(CaseFile))}
    return cases, count(CaseFile), count(CaseFactor), count(Team), count(Event)


# --------------------------------------------------------------------------- counts across imports


def test_add_update_unchanged_and_close_across_two_imports(app):
    first = run(csv_bytes(
        "A1,CP,North,Worker A,01/02/2015,01/01/2024,neglect",
        "A2,CIN,North,Worker B,,,",
        "A3,EH,South,,,,",
        "A4,CLA,South,,,,",
    ))
    assert (sorted(first.added), first.updated, first.unchanged, first.closed) == (
        ["A1", "A2", "A3", "A4"], [], [], [])
    assert first.summary() == "added 4, updated 0, unchanged 0, closed 0"
    assert count(CaseFile) == 4

    second = run(csv_bytes(
        "A1,CP,North,Worker A,01/02/2015,01/01/2024,neglect",   # unchanged
        "A2,CIN,South,Worker B,,,",                               # team changed
        "A3,EH,South,Worker C,,,domestic_abuse",                  # worker + factor changed
        "A5,PF,East,,,,",                                         # new
    ), close_missing=True)
    assert second.added == ["A5"]
    assert sorted(second.updated) == ["A2", "A3"]
    assert second.unchanged == ["A1"]
    assert second.closed == ["A4"]
    assert second.summary() == "added 1, updated 2, unchanged 1, closed 1"
    assert count(CaseFile) == 5
    assert case("A2").team.name == "South"
    assert case("A3").allocated_worker == "Worker C" and case("A3").factors == ["domestic_abuse"]
    closed = case("A4")
    assert closed.status == CaseStatus.CLOSED and closed.closed_at is not None

    third = run(csv_bytes(
        "A1,CP,North,Worker A,01/02/2015,01/01/2024,neglect",
    ))
    assert (third.added, third.updated, third.unchanged, third.closed) == ([], [], ["A1"], [])
    assert count(CaseFile) == 5
    assert case("A2").status == CaseStatus.OPEN  # without close_missing nothing is closed


def test_references_are_matched_case_insensitively_and_stored_upper_case(app, make_case):
    make_case("REF-1", case_type="CP", team="North", age=None)
    result = run(csv_bytes("ref-1,CP,North,Worker A,,,"))
    assert result.added == [] and result.unchanged == ["REF-1"]
    assert count(CaseFile) == 1


def test_reopening_a_closed_case_counts_as_updated(app):
    run(csv_bytes("R1,CP,North,,,,", "R2,CP,North,,,,"))
    assert run(csv_bytes("R1,CP,North,,,,"), close_missing=True).closed == ["R2"]
    assert case("R2").status == CaseStatus.CLOSED
    again = run(csv_bytes("R1,CP,North,,,,", "R2,CP,North,,,,"), close_missing=True)
    assert again.updated == ["R2"] and again.unchanged == ["R1"] and again.closed == []
    reopened = case("R2")
    assert reopened.status == CaseStatus.OPEN and reopened.closed_at is None
    # a case already closed is not closed (or counted) again
    assert run(csv_bytes("R1,CP,North,,,,"), close_missing=True).closed == ["R2"]
    assert run(csv_bytes("R1,CP,North,,,,"), close_missing=True).closed == []


# --------------------------------------------------------------------------- parsing


CASE_TYPES = [
    ("EH", "EH"), ("cin", "CIN"), ("CP", "CP"), ("CLA", "CLA"), ("CL", "CL"), ("PF", "PF"),
    ("Early help", "EH"), ("Child in need", "CIN"), ("child protection", "CP"),
    ("Looked-after child", "CLA"), ("Looked after child", "CLA"), ("LAC", "CLA"),
    ("Care leaver", "CL"), ("Private fostering", "PF"),
]


def test_case_type_codes_and_names(app):
    run(csv_bytes(*[f"T{n},{given},North,,,," for n, (given, _) in enumerate(CASE_TYPES)]))
    db.session.expire_all()
    stored = dict(db.session.execute(sa.select(CaseFile.reference, CaseFile.case_type)).all())
    assert stored == {f"T{n}": code for n, (_, code) in enumerate(CASE_TYPES)}


def test_factor_keys_and_names(app):
    run(csv_bytes(
        "F1,CP,North,,,,Domestic abuse; neglect ;PARENTAL MENTAL HEALTH",
        "F2,CP,North,,,,substance-misuse;exploitation;missing",
        "F3,CP,North,,,,Missing from home or care;;missing",
        "F4,CP,North,,,,",
    ))
    assert case("F1").factors == ["domestic_abuse", "neglect", "parental_mental_health"]
    assert case("F2").factors == ["exploitation", "missing", "substance_misuse"]
    assert case("F3").factors == ["missing"]
    assert case("F4").factors == []


def test_changing_factors_replaces_them(app):
    run(csv_bytes("G1,CP,North,,,,neglect;missing"))
    result = run(csv_bytes("G1,CP,North,,,,neglect;domestic_abuse"))
    assert result.updated == ["G1"]
    assert case("G1").factors == ["domestic_abuse", "neglect"]
    assert count(CaseFactor) == 2
    assert run(csv_bytes("G1,CP,North,,,,domestic_abuse; Neglect")).unchanged == ["G1"]


def test_dates_uk_and_iso_in_csv_and_header_aliases(app):
    run(csv_bytes(
        "D1,CP,North,,03/04/2016,2024-01-31,",
        "D2,CP,North,,2016-04-03,31/01/2024,",
        bom=True,
    ))
    for ref in ("D1", "D2"):
        assert case(ref).date_of_birth == date(2016, 4, 3)
        assert case(ref).open_date == date(2024, 1, 31)
    # the usual alternative column names are accepted
    run(b"Reference,Type,Team name,Social worker,DOB,Start date,Flags\nH1,CP,North,W,01.01.2015,01-01-2024,neglect\n")
    h1 = case("H1")
    assert (h1.allocated_worker, h1.date_of_birth, h1.open_date, h1.factors) == (
        "W", date(2015, 1, 1), date(2024, 1, 1), ["neglect"])


def test_csv_with_bom_and_real_xlsx_dates(app):
    data = xlsx_bytes([
        ["Case reference", "Case type", "Team", "Allocated worker", "Date of birth", "Open date", "Factors"],
        ["X1", "Child protection", "North", "Worker A", datetime(2012, 12, 25), datetime(2023, 5, 6, 14, 30),
         "neglect"],
        [12345, "CIN", "South", None, date(2018, 1, 2), "07/08/2023", None],
    ])
    result = run(data, "cases.xlsx")
    assert sorted(result.added) == ["12345", "X1"]
    x1 = case("X1")
    assert (x1.case_type, x1.team.name, x1.date_of_birth, x1.open_date, x1.factors) == (
        "CP", "North", date(2012, 12, 25), date(2023, 5, 6), ["neglect"])
    numeric = case("12345")
    assert (numeric.date_of_birth, numeric.open_date) == (date(2018, 1, 2), date(2023, 8, 7))
    # the same list again as CSV with a BOM: nothing changes
    again = run(csv_bytes("X1,CP,north,Worker A,25/12/2012,2023-05-06,neglect",
                          "12345,CIN,South,,2018-01-02,07/08/2023,", bom=True))
    assert sorted(again.unchanged) == ["12345", "X1"] and again.updated == []


def test_team_names_are_matched_case_insensitively(app, make_team):
    make_team("North Team")
    run(csv_bytes("N1,CP,north  team,,,,", "N2,CP,NORTH TEAM,,,,", "N3,CP,Brand New,,,,"))
    assert count(Team) == 2
    assert case("N1").team.name == "North Team" and case("N2").team_id == case("N1").team_id


# --------------------------------------------------------------------------- all or nothing


def test_every_bad_row_is_reported_and_nothing_is_written(app, make_case):
    make_case("EXISTING", team="North", age=None)
    before = snapshot()
    problems = rejected(csv_bytes(
        "B1,CP,North,,,,",                     # row 2 good
        ",CP,North,,,,",                       # row 3 empty reference
        "B3,Mystery,North,,,,",                # row 4 unknown case type
        "B4,CP,,,,,",                          # row 5 empty team
        "B5,CP,North,,31/02/2015,,",           # row 6 impossible date
        "B6,CP,North,,,not a date,",           # row 7 open date
        "B7,CP,North,,,,neglect;witchcraft",   # row 8 unknown factor
        "B 8,CP,North,,,,",                    # row 9 bad reference
        f"B9,CP,North,,{date.today().year + 1}-01-01,,",  # row 10 future birth date
        "B10,,North,,,,",                      # row 11 empty case type
        "EXISTING,CP,South,,,,",               # row 12 good (would be an update)
    ), close_missing=True)
    text = "\n".join(problems)
    for n in (3, 4, 5, 6, 7, 8, 9, 10, 11):
        assert any(p.startswith(f"Row {n}:") for p in problems), (n, text)
    assert not any(p.startswith(("Row 2:", "Row 12:")) for p in problems)
    assert "Row 3: 'Case reference' is empty." in problems
    assert "'Case type' 'Mystery' is not one of" in text
    assert "Row 5: 'Team' is empty." in problems
    assert "Row 6: 'Date of birth' '31/02/2015' is not a date" in text
    assert "Row 7: 'Open date' 'not a date' is not a date" in text
    assert "factor 'witchcraft' is not known" in text
    assert "Row 10: 'Date of birth'" in text and "is in the future" in text
    assert "Row 11: 'Case type' is empty." in problems
    assert snapshot() == before


def test_several_problems_in_one_row_are_all_listed(app):
    problems = rejected(csv_bytes("B 1,Nope,,,99/99/9999,x,unknown"))
    assert len(problems) == 6 and all(p.startswith("Row 2:") for p in problems)


def test_duplicate_reference_names_both_rows(app):
    before = snapshot()
    problems = rejected(csv_bytes("D1,CP,North,,,,", "D2,CP,North,,,,", "d1,CIN,South,,,,"))
    assert problems == ["Row 4: case reference d1 appears twice, in rows 2 and 4."]
    assert snapshot() == before


def test_file_level_problems(app):
    problems = rejected(b"Reference,Worker\nA1,W\n")
    assert "The file has no 'Case type' column." in problems
    assert "The file has no 'Team' column." in problems
    assert "The file has no 'Case reference' column." not in problems
    assert rejected(HEADER.encode()) == ["The file has column names but no case files."]
    assert rejected(b"%PDF-1.7\n", "cases.xlsx")[0].startswith("The file is named .xlsx but it is not an Excel")
    assert rejected(b"", "cases.csv") == ["The file is empty."]
    assert count(CaseFile) == 0


# --------------------------------------------------------------------------- history


def test_an_event_is_written_on_success_only(app, make_user):
    qa = make_user("qa_lead")
    rejected(csv_bytes(",CP,North,,,,"))
    assert count(Event) == 0 or not db.session.scalars(
        sa.select(Event).where(Event.action == "cases.imported")).all()
    run(csv_bytes("E1,CP,North,,,,", "E2,CP,North,,,,"), filename="list.csv", actor=qa)
    run(csv_bytes("E1,CP,South,,,,"), filename="list2.csv", close_missing=True)
    events = db.session.scalars(sa.select(Event).where(Event.action == "cases.imported").order_by(Event.id)).all()
    assert len(events) == 2
    first, second = events
    assert first.actor_id == qa.id and first.object_type == "service"
    assert first.detail["filename"] == "list.csv"
    assert sorted(first.detail["added"]) == ["E1", "E2"] and first.detail["unchanged"] == 0
    assert second.actor_id is None
    assert second.detail["updated"] == ["E1"] and second.detail["closed"] == ["E2"]


# --------------------------------------------------------------------------- concurrency


def test_two_imports_at_once_do_not_duplicate(app, database_url):
    """Two imports of overlapping lists, each with its own app, connection and session, started together."""
    from qa_app import create_app

    first = csv_bytes(*[f"P{n:03d},CP,Team {n % 3},,,,neglect" for n in range(0, 60)])
    second = csv_bytes(*[f"P{n:03d},CIN,Team {n % 4},,,,missing" for n in range(30, 90)])
    barrier = threading.Barrier(2, timeout=30)
    results: dict[str, object] = {}
    errors: dict[str, BaseException] = {}

    # The apps are built first, one after the other: building two at once in two threads can hit
    # CPython 3.11's shared AST recursion counter (Werkzeug compiles each route with `ast`), a
    # SystemError that has nothing to do with the imports under test.
    apps = {name: create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "TEMPLATES_DIR": str(TEMPLATES_DIR)})
            for name in ("one", "two")}

    def work(name: str, data: bytes) -> None:
        other = apps[name]
        with other.app_context():
            try:
                barrier.wait()
                results[name] = import_cases(data, f"{name}.csv", actor=None)
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported below
                errors[name] = error
                db.session.rollback()
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=work, args=("one", first)), threading.Thread(target=work, args=("two", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == {}, errors

    db.session.expire_all()
    references = db.session.scalars(sa.select(CaseFile.reference)).all()
    assert len(references) == len(set(references)) == 90
    assert set(references) == {f"P{n:03d}" for n in range(90)}
    team_names = db.session.scalars(sa.select(Team.name)).all()
    assert len(team_names) == len({name.lower() for name in team_names}) == 4
    one, two = results["one"], results["two"]
    # Whichever ran second saw the first one's rows: together they added each reference exactly once.
    assert sorted(one.added + two.added) == sorted(set(references))
    assert len(one.added) + len(two.added) == 90
    assert len(one.updated) + len(two.updated) + len(one.unchanged) + len(two.unchanged) == 30
    assert len(db.session.scalars(sa.select(Event).where(Event.action == "cases.imported")).all()) == 2


def test_a_column_left_out_keeps_that_detail_but_an_empty_cell_clears_it(app):
    """Once a bug: a re-import without the optional columns wiped them on every case file."""
    run(raw("Case reference,Case type,Team,Allocated worker,Date of birth,Factors",
                  "K1,CP,North,Worker A,01/02/2020,neglect",
                  "K2,CP,North,Worker B,01/02/2021,neglect"))
    result = run(raw("Case reference,Case type,Team", "K1,CP,North", "K2,CP,North"))
    assert result.summary() == "added 0, updated 0, unchanged 2, closed 0"
    assert (case("K1").allocated_worker, case("K1").date_of_birth, case("K1").factors) == (
        "Worker A", date(2020, 2, 1), ["neglect"])
    run(raw("Case reference,Case type,Team,Allocated worker,Factors", "K1,CP,North,,", "K2,CP,North,Worker B,"))
    assert case("K1").allocated_worker == "" and case("K1").factors == []
    assert case("K2").date_of_birth == date(2021, 2, 1)


def raw(*lines: str) -> bytes:
    return "".join(line + "\n" for line in lines).encode()


def test_plan_dates_are_imported_checked_and_left_alone_when_their_column_is_missing(app):
    header = "Case reference,Case type,Team,Plan start date,Next conference date,Plan end date\n"
    data = (header + "PD1,CP,North,01/08/2025,15/01/2027,\nPD2,CIN,North,,,03/10/2026\n").encode()
    result = import_cases(data, "cases.csv", actor=None)
    db.session.commit()
    assert result.added == ["PD1", "PD2"]
    one = db.session.scalar(sa.select(CaseFile).where(CaseFile.reference == "PD1"))
    assert (one.plan_start_date, one.next_review_date, one.plan_end_date) == (date(2025, 8, 1), date(2027, 1, 15), None)
    # A list without the plan columns changes nothing about them.
    import_cases(b"Case reference,Case type,Team\nPD1,CP,North\n", "short.csv", actor=None)
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(sa.select(CaseFile.plan_start_date).where(CaseFile.reference == "PD1")) == date(2025, 8, 1)
    # Bad and future dates are reported by row, and nothing is written.
    bad = (header + "PD3,CP,North,31/02/2025,,\nPD4,CP,North,01/01/2999,,01/01/2999\n").encode()
    with pytest.raises(ImportRejected) as error:
        import_cases(bad, "bad.csv", actor=None)
    assert error.value.problems == [
        "Row 2: 'Plan start date' '31/02/2025' is not a date (use DD/MM/YYYY).",
        "Row 3: 'Plan start date' 01/01/2999 is in the future.",
        "Row 3: 'Plan end date' 01/01/2999 is in the future.",
    ]


def test_a_date_read_once_is_checked_again_for_each_column(app):
    """Dates repeat, so each text is read once and kept; whether it is allowed is still decided
    for each column (a date in the future is a fine open date but not a date of birth)."""
    future = f"01/01/{date.today().year + 1}"
    with pytest.raises(ImportRejected) as refused:
        run(csv_bytes(f"D1,CP,North,,,{future},", f"D2,CP,North,,{future},,", "D3,CP,North,,,31/02/2015,",
                      "D4,CP,North,,31/02/2015,,"))
    assert [problem.split(":")[0] for problem in refused.value.problems] == ["Row 3", "Row 4", "Row 5"]
    assert "'Date of birth'" in refused.value.problems[0] and "future" in refused.value.problems[0]
    assert "'Open date' '31/02/2015' is not a date" in refused.value.problems[1]
    assert "'Date of birth' '31/02/2015' is not a date" in refused.value.problems[2]
    result = run(csv_bytes(f"D1,CP,North,,01/02/2015,{future},neglect", "D2,CP,North,,01/02/2015,01/02/2015,neglect"))
    assert len(result.added) == 2
    opened = dict(db.session.execute(sa.select(CaseFile.reference, CaseFile.open_date)).all())
    assert opened == {"D1": date(date.today().year + 1, 1, 1), "D2": date(2015, 2, 1)}
