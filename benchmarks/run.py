"""Benchmarks that tell the truth: each ratio from one run, the steps interleaved and repeated, the
median taken, the machine's load recorded next to it.

    .venv/bin/python benchmarks/run.py --audits 10000 [--database-url URL] [--repeats 3] [--json FILE]
        [--load-seconds 30] [--no-load]
    .venv/bin/python benchmarks/run.py --generate-only --audits N --database-url URL
    .venv/bin/python benchmarks/run.py --scaling 1000,10000,100000 [--database-url URL]
    .venv/bin/python benchmarks/run.py --load-only --existing --audits N --database-url URL [--json FILE]

It generates N submitted audits (about 23 answers each, one in ten moderated) in a fresh database
(a temporary SQLite file unless --database-url names an EMPTY database; the PostgreSQL one is left
usable: its id sequences are moved past the generated rows), then measures, each step in a
process of its own so its peak memory is its own, in rounds (report, sql, export, ceiling):

- report:   build_report() over every round: every figure of the report page and JSON.
- sql:      the very statements build_report ran (captured), as plain SQL text through the
            driver, rows fetched, nothing else: report_vs_sql = report / sql.
- export:   write_exchange_workbook() to a file: the product, end to end.
- ceiling:  the same cells (the rows exchange_data() yields, fetched and shaped first, timed
            apart as fetch_shape) written by a minimal streaming writer (zip + inline-string rows)
            and by openpyxl in write-only mode: export_vs_ceiling = export / minimal writer,
            export_vs_openpyxl = export / openpyxl, and export_vs_fetch_and_ceiling = export /
            (fetch_shape + minimal writer), the fairest of the three.
- load:     gunicorn with 4 workers on a loopback port and 20 clients for --load-seconds: p50,
            p95, p99 and errors of the sign-in page (the baseline), the round report page, the
            report JSON, the case list, an audit form and a draft save; then the same while an
            export of everything runs beside it (`flask export all`, as a job worker would).

`--scaling` times build_report (median of 3) at each size, each in a fresh database; on PostgreSQL
the database is left holding the last size. `--load-only` runs the load test alone (no interleaved
steps), and with `--existing` on a database already filled (by `--generate-only` or `--scaling`).
The load average (1, 5, 15 min) is recorded before and after each measured step.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROUNDS = 10
MODERATED_SHARE = 0.1


def make_app(url: str):
    from qa_app import create_app

    return create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "TEMPLATES_DIR": str(ROOT / "audit_templates"),
                               "SQLALCHEMY_ENGINE_OPTIONS": {}})


LOAD_CLIENTS = 20
LOAD_PASSWORD = "bench-password-2026"
LOAD_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"   # the load testers' authenticator app


def generate(url: str, n: int) -> None:
    """Schema, templates and N audits, inserted in bulk (Core executemany, chunks of 5,000), and
    the load test's people: 20 QA leads who are also auditors, each with an audit in progress."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from qa_app.audit_forms.services import current_version, sync_templates
    from qa_app.extensions import db
    from qa_app.models import Answer, Audit, AuditRound, CaseFile, ModeratedAnswer, Moderation, Team, User, UserRole

    app = make_app(url)
    rng = random.Random(2026)
    with app.app_context():
        upgrade()
        sync_templates(str(ROOT / "audit_templates"))
        db.session.commit()
        version = current_version("cp-cin-case-file")
        template = version.template
        graded = [q.key for q in template.questions() if q.is_graded]
        others = [q for q in template.questions() if not q.is_graded]
        conn = db.session.connection()
        teams = [f"Team {i}" for i in range(6)]
        conn.execute(sa.insert(Team), [{"id": i + 1, "name": name, "service_area": ""} for i, name in enumerate(teams)])
        users = [{"id": i + 1, "email": f"user{i}@bench.example", "display_name": f"Auditor {i}",
                  "password_hash": None, "team_id": i % 6 + 1, "active": True, "created_at": datetime(2026, 1, 1)}
                 for i in range(30)]
        conn.execute(sa.insert(User), users)
        conn.execute(sa.insert(UserRole), [{"user_id": u["id"], "role": "auditor" if u["id"] <= 25 else "moderator"}
                                           for u in users])
        conn.execute(sa.insert(AuditRound), [{
            "id": r + 1, "name": f"Round {r + 1}", "template_version_id": version.id, "due_date": date(2026, 1, 1),
            "status": "reporting", "sample_rule": {}, "seed": r, "sample_confirmed_at": datetime(2026, 1, 1),
            "moderation_percent": 10, "moderate_inadequate": True, "moderate_outstanding": True,
            "moderate_immediate_risk": True, "blind_moderation": True, "reflections_enabled": False,
            "created_at": datetime(2025, 1, 1) + timedelta(days=30 * r)} for r in range(ROUNDS)])
        answer_id = moderated_answer_id = 0
        for start in range(0, n, 5000):
            count = min(5000, n - start)
            cases, audits, answers, moderations, moderated_answers = [], [], [], [], []
            for i in range(start, start + count):
                audit_id = i + 1
                cases.append({"id": audit_id, "reference": f"B{audit_id:07d}", "case_type": rng.choice(["CIN", "CP"]),
                              "team_id": i % 6 + 1, "allocated_worker": "", "status": "open",
                              "created_at": datetime(2026, 1, 1), "updated_at": datetime(2026, 1, 1)})
                overall = rng.choices([1, 2, 3, 4], weights=[1, 4, 4, 2])[0]
                moderated = rng.random() < MODERATED_SHARE
                moderated_grade = min(4, overall + rng.choice([0, 0, 1])) if moderated else None
                submitted = datetime(2025, 1, 1) + timedelta(days=30 * (i % ROUNDS) + rng.randrange(20))
                audits.append({"id": audit_id, "round_id": i % ROUNDS + 1, "case_file_id": audit_id,
                               "template_version_id": version.id, "auditor_id": i % 25 + 1,
                               "status": "moderated" if moderated else "submitted", "overall_grade": overall,
                               "overall_summary": "Benchmark audit summary text.", "immediate_risk": False,
                               "immediate_risk_reason": "", "sampled_by": "rule", "created_at": submitted,
                               "started_at": submitted, "updated_at": submitted, "submitted_at": submitted,
                               "version": 2, "final_grade": moderated_grade or overall})
                for position, key in enumerate(graded):
                    answer_id += 1
                    grade = max(1, min(4, overall + rng.choice([-1, 0, 0, 1])))
                    final = moderated_grade if moderated and position < 5 else grade   # stored, as the app does
                    answers.append({"id": answer_id, "audit_id": audit_id, "question_key": key, "grade": grade,
                                    "value": "", "evidence": "Evidence from the case record." if grade > 2 else "",
                                    "final_grade": final})
                for question in others:
                    answer_id += 1
                    value = {"yes_partly_no": "yes", "choice": (question.choices or ("",))[0], "text": "Notes.",
                             "date": "2025-06-01", "number": "7"}[question.type]
                    answers.append({"id": answer_id, "audit_id": audit_id, "question_key": question.key,
                                    "grade": None, "value": value, "evidence": "", "final_grade": None})
                if moderated:
                    moderations.append({
                        "id": audit_id, "audit_id": audit_id, "round_id": i % ROUNDS + 1, "moderator_id": 26 + i % 5,
                        "status": "completed", "selected_because": "percentage", "selection_note": "",
                        "overall_grade": moderated_grade, "overall_rationale": "", "auditor_overall_grade": overall,
                        "outcome": "agreed" if moderated_grade == overall else "moderated_worse",
                        "return_comments": "", "created_at": submitted, "graded_at": submitted,
                        "completed_at": submitted, "version": 1})
                    for key in graded[:5]:
                        moderated_answer_id += 1
                        moderated_answers.append({"id": moderated_answer_id, "moderation_id": audit_id,
                                                  "question_key": key, "grade": moderated_grade,
                                                  "auditor_grade": overall, "rationale": ""})
            for model, rows in ((CaseFile, cases), (Audit, audits), (Answer, answers), (Moderation, moderations),
                                (ModeratedAnswer, moderated_answers)):
                if rows:
                    conn.execute(sa.insert(model), rows)
        _load_test_people(conn, n, version.id)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            _fix_sequences(db.engine)
            with db.engine.connect() as c:
                c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            with db.engine.connect() as c:
                c.exec_driver_sql("ANALYZE")
                c.commit()
        db.session.remove()
        db.engine.dispose()


def _load_test_people(conn, n: int, version_id: int) -> None:
    import sqlalchemy as sa

    from qa_app.auth.services import hash_password
    from qa_app.models import Audit, AuditRound, CaseFile, User, UserRole

    password = hash_password(LOAD_PASSWORD)   # one hash, the configured cost, shared by the 20
    first_user, first_case = 1000, n + 1
    conn.execute(sa.insert(User), [{
        "id": first_user + i, "email": f"load{i}@bench.example", "display_name": f"Load tester {i}",
        "password_hash": password, "team_id": 1, "active": True, "created_at": datetime(2026, 1, 1)}
        for i in range(LOAD_CLIENTS + 1)])   # the last one warms the report cache
    conn.execute(sa.insert(UserRole), [{"user_id": first_user + i, "role": role}
                                       for i in range(LOAD_CLIENTS + 1) for role in ("auditor", "qa_lead")])
    # A QA lead signs in with two steps: each load tester has an authenticator app set up.
    from qa_app.mfa.models import TotpCredential

    conn.execute(sa.insert(TotpCredential), [{
        "user_id": first_user + i, "secret": LOAD_TOTP_SECRET, "created_at": datetime(2026, 1, 1),
        "confirmed_at": datetime(2026, 1, 1)} for i in range(LOAD_CLIENTS + 1)])
    conn.execute(sa.insert(AuditRound), [{
        "id": ROUNDS + 1, "name": "Load test round", "template_version_id": version_id,
        "due_date": date(2027, 1, 1), "status": "auditing", "sample_rule": {}, "seed": 0,
        "sample_confirmed_at": datetime(2026, 1, 1), "moderation_percent": 10, "moderate_inadequate": True,
        "moderate_outstanding": True, "moderate_immediate_risk": True, "blind_moderation": True,
        "reflections_enabled": False, "created_at": datetime(2026, 6, 1)}])
    conn.execute(sa.insert(CaseFile), [{
        "id": first_case + i, "reference": f"L{i:07d}", "case_type": "CP", "team_id": 2, "allocated_worker": "",
        "status": "open", "created_at": datetime(2026, 1, 1), "updated_at": datetime(2026, 1, 1)}
        for i in range(LOAD_CLIENTS)])
    conn.execute(sa.insert(Audit), [{
        "id": first_case + i, "round_id": ROUNDS + 1, "case_file_id": first_case + i,
        "template_version_id": version_id, "auditor_id": first_user + i, "status": "in_progress",
        "overall_summary": "", "immediate_risk": False, "immediate_risk_reason": "", "sampled_by": "rule",
        "created_at": datetime(2026, 6, 1), "started_at": datetime(2026, 6, 1), "updated_at": datetime(2026, 6, 1),
        "version": 1} for i in range(LOAD_CLIENTS)])


def _fix_sequences(engine) -> None:
    """Rows were inserted with explicit ids: move every id sequence past them, so the app (and
    `users create`) can add rows to the generated database."""
    from qa_app.db import Base

    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            column = table.c.get("id")
            if column is None or not column.autoincrement or column.type.python_type is not int:
                continue
            sequence = conn.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table.name}', 'id')").scalar()
            if sequence:
                conn.exec_driver_sql(f"SELECT setval('{sequence}', (SELECT COALESCE(MAX(id), 0) + 1 FROM "
                                     f"{table.name}), false)")


# --- the measured steps (each in a process of its own) ------------------------------------------

def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def step_report(url: str) -> dict:
    """build_report over every round, with the SQL it ran captured for the sql step."""
    import sqlalchemy as sa

    from qa_app.extensions import db
    from qa_app.reports.builder import build_report
    from qa_app.reports.queries import ReportFilter

    app = make_app(url)
    with app.app_context():
        statements = []

        def capture(_conn, _cursor, statement, parameters, _context, _many):
            statements.append((statement, parameters))

        build_report(ReportFilter())   # warm: the lookups' first query plans, the connection
        db.session.rollback()
        sa.event.listen(db.engine, "before_cursor_execute", capture)
        started = time.perf_counter()
        report = build_report(ReportFilter())
        seconds = time.perf_counter() - started
        sa.event.remove(db.engine, "before_cursor_execute", capture)
        db.session.rollback()
        with open(os.environ["BENCH_SQL_FILE"], "w") as out:
            json.dump([[s, list(p) if isinstance(p, (list, tuple)) else p] for s, p in statements
                       if not s.strip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))], out, default=str)
        return {"seconds": seconds, "audits": report["audits"], "statements": len(statements)}


def step_sql(url: str) -> dict:
    """The statements build_report ran, as text through the driver, every row fetched."""
    from qa_app.extensions import db

    app = make_app(url)
    with app.app_context():
        with open(os.environ["BENCH_SQL_FILE"]) as source:
            statements = json.load(source)
        connection = db.engine.raw_connection()
        cursor = connection.cursor()
        for statement, parameters in statements:   # warm, as the report step is
            cursor.execute(statement, parameters)
            cursor.fetchall()
        connection.rollback()
        started = time.perf_counter()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        seconds = time.perf_counter() - started
        connection.rollback()
        connection.close()
        return {"seconds": seconds, "statements": len(statements)}


def step_export(url: str, target: str) -> dict:
    from qa_app.exchange.export import write_exchange_workbook
    from qa_app.reports.queries import ReportFilter

    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        with open(target, "wb") as out:
            write_exchange_workbook(out, filters=ReportFilter(), generated_by="benchmark")
        return {"seconds": time.perf_counter() - started, "bytes": os.path.getsize(target)}


def step_ceiling(url: str, target: str) -> dict:
    """The export's cells, fetched and shaped by the product's own queries, then written by the
    minimal streaming writer and by openpyxl write-only (the Summary sheet's charts aside)."""
    from datetime import date as date_type

    from qa_app.exchange.queries import exchange_data
    from qa_app.reports.queries import ReportFilter

    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        data = exchange_data(ReportFilter(), today=date_type.today(), generated_by="benchmark")
        tables = [(sheet.title, sheet.headers, list(sheet.rows)) for sheet in data.sheets]
        tables.append(("About", ["Field", "Value"], data.about))
        fetch_shape = time.perf_counter() - started
        cells = sum(len(rows) * len(headers) for _t, headers, rows in tables)
    started = time.perf_counter()
    minimal_write(target, tables)
    minimal = time.perf_counter() - started
    size = os.path.getsize(target)
    started = time.perf_counter()
    openpyxl_write(target, tables)
    openpyxl_seconds = time.perf_counter() - started
    return {"seconds": minimal, "fetch_shape": fetch_shape, "openpyxl": openpyxl_seconds, "cells": cells,
            "bytes": size}


def minimal_write(target: str, tables) -> None:
    """The least an .xlsx writer can do: a zip with the four required parts and each sheet's rows
    as inline strings and numbers (dates as serial numbers), streamed; no styles, no cleaning."""
    import zipfile
    from datetime import date as date_type
    from datetime import datetime as datetime_type
    from xml.sax.saxutils import escape

    from openpyxl.utils import get_column_letter
    from openpyxl.utils.datetime import to_excel

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (_title, headers, rows) in enumerate(tables, start=1):
            columns = [get_column_letter(i) for i in range(1, len(headers) + 1)]
            with archive.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True) as stream:
                parts = [f'<worksheet xmlns="{main}"><sheetData>']
                for number, row in enumerate([headers] + list(rows), start=1):
                    parts.append(f'<row r="{number}">')
                    for column, value in zip(columns, row):
                        if value is None:
                            continue
                        if isinstance(value, str):
                            parts.append(f'<c r="{column}{number}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
                        elif isinstance(value, (datetime_type, date_type)):
                            parts.append(f'<c r="{column}{number}"><v>{to_excel(value)}</v></c>')
                        else:
                            parts.append(f'<c r="{column}{number}"><v>{value}</v></c>')
                    parts.append("</row>")
                    if len(parts) > 4000:
                        stream.write("".join(parts).encode())
                        parts = []
                parts.append("</sheetData></worksheet>")
                stream.write("".join(parts).encode())
        sheets = "".join(f'<sheet name="{escape(t)}" sheetId="{i}" r:id="rId{i}"/>' for i, (t, _h, _r) in
                         enumerate(tables, start=1))
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>{sheets}</sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/relationships">' + "".join(
                             f'<Relationship Id="rId{i}" Type="{rel}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                             for i in range(1, len(tables) + 1)) + "</Relationships>")
        archive.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                         f'relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
                         'Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                         'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                         'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                         'officedocument.spreadsheetml.sheet.main+xml"/>' + "".join(
                             f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                             'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                             for i in range(1, len(tables) + 1)) + "</Types>")


def openpyxl_write(target: str, tables) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, headers, rows in tables:
        ws = workbook.create_sheet(title)
        ws.append(headers)
        for row in rows:
            ws.append(row)
    workbook.save(target)


def child(step: str, url: str, n: int, target: str) -> None:
    result = {"generate": lambda: (generate(url, n), {})[1], "report": lambda: step_report(url),
              "sql": lambda: step_sql(url), "export": lambda: step_export(url, target),
              "ceiling": lambda: step_ceiling(url, target)}[step]()
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_step(step: str, url: str, n: int, target: str, sql_file: str) -> dict:
    load_before = load_average()
    output = subprocess.run([sys.executable, __file__, "--child", step, "--database-url", url, "--audits", str(n),
                             "--target", target], check=True, capture_output=True, text=True,
                            env={**os.environ, "BENCH_SQL_FILE": sql_file})
    result = json.loads(output.stdout.strip().splitlines()[-1])
    result["load_before"], result["load_after"] = load_before, load_average()
    return result


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


# --- the load test -----------------------------------------------------------------------------

ENDPOINTS = ("sign-in page", "round report page", "report JSON", "case list", "audit form", "draft save")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_TOTP_STEPS: dict[str, int] = {}


def _totp_code(email: str) -> str:
    """A code from the load tester's app for a time step its account has not used yet (the service
    refuses a code twice, and each load test signs everyone in again)."""
    import pyotp

    while True:
        now = time.time()
        current = int(now // 30)
        step = max(current - 1, _TOTP_STEPS.get(email, -10) + 1)
        if step <= current + 1:
            _TOTP_STEPS[email] = step
            return pyotp.TOTP(LOAD_TOTP_SECRET).at(step * 30)
        time.sleep((current + 1) * 30 - now + 0.05)


def _client_session(base: str, email: str):
    import http.cookiejar
    import re
    import urllib.parse
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    def request(path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with opener.open(urllib.request.Request(base + path, data=body), timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    _status, page = request("/sign-in")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    status, _ = request("/sign-in", {"csrf_token": token, "email": email, "password": LOAD_PASSWORD})
    if status != 302:
        raise RuntimeError(f"sign-in failed for {email}: {status}")
    _status, page = request("/sign-in/two-step")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    status, page = request("/sign-in/two-step", {"csrf_token": token, "code": _totp_code(email)})
    if status != 302:
        errors = re.findall(rb'class="govuk-error-message">(.*?)</p>', page, re.S)
        raise RuntimeError(f"the second sign-in step failed for {email}: {status} {errors[:1]}")
    return request


def load_test(url: str, seconds: float, *, with_export: bool, workdir: str) -> dict:
    """20 clients against gunicorn (4 workers) for `seconds`: each signs in, then cycles through the
    six requests; latencies per request kind; an error is a 5xx, a refused or timed-out request."""
    import re
    import threading
    import urllib.request

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "QA_ENV": "development", "SECRET_KEY": "b" * 40,
           "JOB_QUEUE_URL": f"sqlite:///{workdir}/queue.sqlite", "JOB_FILES_DIR": f"{workdir}/job-files"}
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-w", "4", "-b", f"127.0.0.1:{port}",
                               "--timeout", "300", "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=open(f"{workdir}/gunicorn.log", "ab"))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/sign-in", timeout=5).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.3)
        round_id = 10   # the latest generated round
        timings: dict[str, list[float]] = {name: [] for name in ENDPOINTS}
        errors: dict[str, int] = {name: 0 for name in ENDPOINTS}
        lock = threading.Lock()
        stop_at = [0.0]
        ready, go = threading.Barrier(LOAD_CLIENTS + 1), threading.Event()
        failures: list[str] = []

        def client(i: int) -> None:
            try:
                request = _client_session(base, f"load{i}@bench.example")
                status, page = request("/audits/mine")
                audit_id = int(re.search(rb'href="/audits/(\d+)"', page).group(1))
            except Exception as error:  # noqa: BLE001
                failures.append(f"client {i}: {error!r}")
                ready.abort()
                return
            ready.wait()
            go.wait()
            anonymous = urllib.request.build_opener()
            while time.monotonic() < stop_at[0]:
                for name in ENDPOINTS:
                    started = time.perf_counter()
                    try:
                        if name == "sign-in page":
                            with anonymous.open(base + "/sign-in", timeout=120) as response:
                                response.read()
                                status = response.status
                        elif name == "round report page":
                            status, _ = request(f"/reports/?rounds={round_id}")
                        elif name == "report JSON":
                            status, _ = request(f"/reports/report.json?rounds={round_id}")
                        elif name == "case list":
                            status, _ = request("/cases/")
                        elif name == "audit form":
                            status, form = request(f"/audits/{audit_id}")
                        else:
                            token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', form).group(1).decode()
                            version = re.search(rb'name="version"[^>]*value="(\d+)"', form).group(1).decode()
                            status, _ = request(f"/audits/{audit_id}", {"csrf_token": token, "version": version,
                                                                        "action": "draft",
                                                                        "overall_summary": f"Load {i}"})
                        failed = status >= 500 or (name == "draft save" and status != 302)
                    except Exception:  # noqa: BLE001  (refused, reset or timed out: an error)
                        failed = True
                    elapsed = time.perf_counter() - started
                    with lock:
                        timings[name].append(elapsed)
                        errors[name] += failed

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(LOAD_CLIENTS)]
        for thread in threads:
            thread.start()
        exporter = None
        # The report is computed once per change: one request stores it, as the first person to
        # open it after a change would (the load test measures the steady state, not that one).
        warm = _client_session(base, f"load{LOAD_CLIENTS}@bench.example")
        warm(f"/reports/?rounds={round_id}")
        warm(f"/reports/report.json?rounds={round_id}")
        ready.wait(timeout=600)   # every client signed in (a BrokenBarrierError names none did)
        load_before = load_average()
        stop_at[0] = time.monotonic() + seconds
        go.set()
        if with_export:
            exporter = subprocess.Popen([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "export",
                                         "all", "-o", f"{workdir}/load-export.xlsx"], cwd=ROOT, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for thread in threads:
            thread.join(timeout=seconds + 300)
        load_after = load_average()
        export_seconds = None
        if exporter is not None:
            started = time.monotonic()
            exporter.wait()
            export_seconds = round(time.monotonic() - started, 1)
        result = {"seconds": seconds, "clients": LOAD_CLIENTS, "workers": 4, "with_export": with_export,
                  "load_before": load_before, "load_after": load_after, "export_still_running_s": export_seconds}
        for name in ENDPOINTS:
            values = sorted(timings[name])
            if not values:
                result[name] = {"requests": 0, "errors": errors[name]}
                continue
            pick = lambda q: round(values[min(len(values) - 1, int(q * len(values)))], 3)  # noqa: E731
            result[name] = {"requests": len(values), "errors": errors[name], "p50": pick(0.50), "p95": pick(0.95),
                            "p99": pick(0.99)}
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- the run -----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--audits", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="an EMPTY database (default: a temporary SQLite file)")
    parser.add_argument("--json", default=None, help="append the results to this JSON-lines file")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of the interleaved steps")
    parser.add_argument("--load-seconds", type=float, default=30)
    parser.add_argument("--no-load", action="store_true", help="skip the load test")
    parser.add_argument("--generate-only", action="store_true", help="fill the database with N audits and stop")
    parser.add_argument("--scaling", default=None, help="sizes for build_report, e.g. 1000,10000,100000")
    parser.add_argument("--load-only", action="store_true", help="only the load test (alone and while exporting)")
    parser.add_argument("--existing", action="store_true",
                        help="with --load-only: the database already holds N generated audits")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--target", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.database_url, args.audits, args.target)
        return
    if args.generate_only:
        if not args.database_url:
            parser.error("--generate-only needs --database-url (an empty database)")
        result = run_step("generate", args.database_url, args.audits, "", "")
        print(f"generated {args.audits} audits in {args.database_url.split('@')[-1]} (peak {result['peak_mb']:.0f} MB)")
        return
    if args.scaling:
        scaling(args)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite"
        target, sql_file = f"{folder}/export.xlsx", f"{folder}/report-sql.json"
        results = {"audits": args.audits, "database": url.split(":")[0].split("+")[0], "date": date.today().isoformat(),
                   "cores": os.cpu_count(), "repeats": args.repeats}
        if not (args.load_only and args.existing):
            results["generate"] = run_step("generate", url, args.audits, target, sql_file)
            print(f"generate  {results['generate'].get('seconds', 0):8.2f} s", flush=True)
        if not args.load_only:
            _interleaved_steps(args, url, target, sql_file, results)
        if not args.no_load:
            results["load"] = {}
            for with_export in (False, True):
                label = "while exporting" if with_export else "alone"
                results["load"][label] = figures = load_test(url, args.load_seconds, with_export=with_export,
                                                             workdir=folder)
                for name in ENDPOINTS:
                    print(f"load {label:15} {name:18} {figures[name]}", flush=True)
        if args.json:
            with open(args.json, "a") as out:
                out.write(json.dumps(results) + "\n")


def _interleaved_steps(args, url: str, target: str, sql_file: str, results: dict) -> None:
    """report, sql, export and ceiling in turn, --repeats times; the medians and ratios into `results`."""
    runs: dict[str, list[dict]] = {step: [] for step in ("report", "sql", "export", "ceiling")}
    for repeat in range(args.repeats):
        for step in runs:
            runs[step].append(run_step(step, url, args.audits, target, sql_file))
            r = runs[step][-1]
            print(f"{repeat + 1}: {step:8} {r['seconds']:8.2f} s   peak {r['peak_mb']:7.1f} MB   "
                  f"load {r['load_before']}", flush=True)
    results["runs"] = runs
    med = {step: median([r["seconds"] for r in runs[step]]) for step in runs}
    fetch = median([r["fetch_shape"] for r in runs["ceiling"]])
    openpyxl_s = median([r["openpyxl"] for r in runs["ceiling"]])
    results["medians"] = {**med, "fetch_shape": fetch, "openpyxl": openpyxl_s}
    results["report_vs_sql"] = round(med["report"] / med["sql"], 2)
    results["export_vs_ceiling"] = round(med["export"] / med["ceiling"], 2)
    results["export_vs_fetch_and_ceiling"] = round(med["export"] / (fetch + med["ceiling"]), 2)
    results["export_vs_openpyxl"] = round(med["export"] / openpyxl_s, 2)
    results["peak_mb"] = max(r["peak_mb"] for rs in runs.values() for r in rs)
    print(f"report / its own SQL = {results['report_vs_sql']}")
    print(f"export / minimal writer = {results['export_vs_ceiling']} (target <= 2); "
          f"/ (fetch+shape + minimal writer) = {results['export_vs_fetch_and_ceiling']}; "
          f"/ openpyxl write-only = {results['export_vs_openpyxl']}")


def scaling(args) -> None:
    """build_report at each size (median of 3), each size in a fresh database: how the report grows."""
    results = {"scaling": [], "date": date.today().isoformat(), "database": (args.database_url or "sqlite").split(":")[0]}
    for size in [int(s) for s in args.scaling.split(",")]:
        with tempfile.TemporaryDirectory() as folder:
            url = args.database_url or f"sqlite:///{folder}/bench.sqlite"
            if args.database_url:
                _recreate(args.database_url)
            run_step("generate", url, size, "", f"{folder}/sql.json")
            times = [run_step("report", url, size, "", f"{folder}/sql.json") for _ in range(3)]
            entry = {"audits": size, "report_seconds": median([t["seconds"] for t in times]),
                     "load": times[0]["load_before"], "peak_mb": max(t["peak_mb"] for t in times)}
            results["scaling"].append(entry)
            print(json.dumps(entry), flush=True)
    if args.json:
        with open(args.json, "a") as out:
            out.write(json.dumps(results) + "\n")


def _recreate(url: str) -> None:
    """Drop and create the (PostgreSQL) database again, empty, for the next size."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    admin.dispose()


if __name__ == "__main__":
    main()
