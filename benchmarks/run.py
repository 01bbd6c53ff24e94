"""Benchmark: the report and the Excel export against their bare equivalents, and peak memory.

    .venv/bin/python benchmarks/run.py --audits 10000 [--database-url URL] [--json results.json]

Generates N submitted audits (about 30 answers each, one in ten moderated) in a fresh database
(a temporary SQLite file unless --database-url names an empty PostgreSQL database), then measures,
each step in its own process so its peak memory (max RSS) is its own:

- report:  build_report() over every round (every figure of the report page and JSON)
- bare:    the same GROUP BY queries as plain SQL text, results fetched, nothing else
- export:  write_exchange_workbook() to a file (all eight sheets)
- raw:     openpyxl write-only writing the Audits and Answers cells, fetched with plain SQL

Targets (issue "Themed reports…"): report ≤ 2× bare; export ≤ 1.5× raw; peak memory < 300 MB
and not growing with N. Results go to docs/performance.md by hand, with the machine and date.
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


def generate(url: str, n: int) -> None:
    """Schema, templates and N audits, inserted in bulk (Core executemany, chunks of 5,000)."""
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
                submitted = datetime(2025, 1, 1) + timedelta(days=30 * (i % ROUNDS) + rng.randrange(20))
                audits.append({"id": audit_id, "round_id": i % ROUNDS + 1, "case_file_id": audit_id,
                               "template_version_id": version.id, "auditor_id": i % 25 + 1,
                               "status": "moderated" if moderated else "submitted", "overall_grade": overall,
                               "overall_summary": "Benchmark audit summary text.", "immediate_risk": False,
                               "immediate_risk_reason": "", "sampled_by": "rule", "created_at": submitted,
                               "started_at": submitted, "updated_at": submitted, "submitted_at": submitted,
                               "version": 2})
                for key in graded:
                    answer_id += 1
                    grade = max(1, min(4, overall + rng.choice([-1, 0, 0, 1])))
                    answers.append({"id": answer_id, "audit_id": audit_id, "question_key": key, "grade": grade,
                                    "value": "", "evidence": "Evidence from the case record." if grade > 2 else ""})
                for question in others:
                    answer_id += 1
                    value = {"yes_partly_no": "yes", "choice": (question.choices or ("",))[0], "text": "Notes.",
                             "date": "2025-06-01", "number": "7"}[question.type]
                    answers.append({"id": answer_id, "audit_id": audit_id, "question_key": question.key,
                                    "grade": None, "value": value, "evidence": ""})
                if moderated:
                    moderated_grade = min(4, overall + rng.choice([0, 0, 1]))
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
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as c:
                c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            with db.engine.connect() as c:
                c.exec_driver_sql("ANALYZE")
                c.commit()


BARE_SQL = {
    # The report's GROUP BYs as plain SQL: final grade = the completed moderation's grade, else the auditor's.
    "scope": """
        CREATE TEMP TABLE {scope} AS
        SELECT a.id AS audit_id, a.round_id, a.template_version_id, a.auditor_id, a.overall_grade AS auditor_grade,
               m.overall_grade AS moderated_grade, COALESCE(m.overall_grade, a.overall_grade) AS final_grade,
               m.id AS moderation_id, c.team_id, c.case_type
        FROM audits a JOIN case_files c ON c.id = a.case_file_id
        LEFT JOIN moderations m ON m.audit_id = a.id AND m.status = 'completed'
        WHERE a.status IN ('submitted', 'in_moderation', 'returned', 'resubmitted', 'moderated')""",
    "final": """SELECT g.rank, g.label, count(*), sum(CASE WHEN g.good_or_better THEN 1 ELSE 0 END),
                       sum(CASE WHEN g.inadequate THEN 1 ELSE 0 END)
                FROM {scope} s JOIN template_grades g ON g.template_version_id = s.template_version_id
                 AND g.value = s.final_grade GROUP BY g.rank, g.label""",
    "auditor": """SELECT g.rank, g.label, count(*) FROM {scope} s JOIN template_grades g
                  ON g.template_version_id = s.template_version_id AND g.value = s.auditor_grade
                  GROUP BY g.rank, g.label""",
    "themes": """SELECT t.theme, g.label, count(*), sum(CASE WHEN g.good_or_better THEN 1 ELSE 0 END),
                        sum(CASE WHEN g.inadequate THEN 1 ELSE 0 END)
                 FROM {scope} s JOIN answers a ON a.audit_id = s.audit_id
                 LEFT JOIN moderated_answers ma ON ma.moderation_id = s.moderation_id AND ma.question_key = a.question_key
                 JOIN question_themes t ON t.template_version_id = s.template_version_id AND t.question_key = a.question_key
                 JOIN template_grades g ON g.template_version_id = s.template_version_id
                  AND g.value = COALESCE(ma.grade, a.grade)
                 GROUP BY t.theme, g.label""",
    "questions": """SELECT a.question_key, count(*), sum(CASE WHEN g.good_or_better THEN 1 ELSE 0 END)
                    FROM {scope} s JOIN answers a ON a.audit_id = s.audit_id
                    LEFT JOIN moderated_answers ma ON ma.moderation_id = s.moderation_id AND ma.question_key = a.question_key
                    JOIN template_grades g ON g.template_version_id = s.template_version_id
                     AND g.value = COALESCE(ma.grade, a.grade)
                    GROUP BY a.question_key""",
    "teams": """SELECT s.team_id, g.label, count(*) FROM {scope} s JOIN template_grades g
                ON g.template_version_id = s.template_version_id AND g.value = s.final_grade GROUP BY s.team_id, g.label""",
    "case_types": """SELECT s.case_type, count(*) FROM {scope} s GROUP BY s.case_type""",
    "trend": """SELECT s.round_id, t.theme, count(*) FROM {scope} s JOIN answers a ON a.audit_id = s.audit_id
                JOIN question_themes t ON t.template_version_id = s.template_version_id AND t.question_key = a.question_key
                GROUP BY s.round_id, t.theme""",
    "pairs": """SELECT s.auditor_id, s.auditor_grade, s.moderated_grade, count(*) FROM {scope} s
                WHERE s.moderated_grade IS NOT NULL GROUP BY s.auditor_id, s.auditor_grade, s.moderated_grade""",
}


def step_report(url: str) -> dict:
    from qa_app.reports.builder import build_report
    from qa_app.reports.queries import ReportFilter

    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        report = build_report(ReportFilter())
        return {"seconds": time.perf_counter() - started, "audits": report["audits"]}


def step_bare(url: str) -> dict:
    from qa_app.extensions import db

    app = make_app(url)
    with app.app_context():
        connection = db.engine.raw_connection()
        cursor = connection.cursor()
        started = time.perf_counter()
        scope = "bench_scope"
        cursor.execute(BARE_SQL["scope"].format(scope=scope))
        for name, sql in BARE_SQL.items():
            if name != "scope":
                cursor.execute(sql.format(scope=scope))
                cursor.fetchall()
        seconds = time.perf_counter() - started
        connection.rollback()
        connection.close()
        return {"seconds": seconds}


def step_export(url: str, target: str) -> dict:
    from qa_app.exports.workbook import write_exchange_workbook
    from qa_app.reports.queries import ReportFilter

    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        with open(target, "wb") as out:
            write_exchange_workbook(out, filters=ReportFilter(), generated_by="benchmark")
        return {"seconds": time.perf_counter() - started, "bytes": os.path.getsize(target)}


def step_raw(url: str, target: str) -> dict:
    from openpyxl import Workbook

    from qa_app.extensions import db

    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        workbook = Workbook(write_only=True)
        with db.engine.connect() as conn:
            conn = conn.execution_options(yield_per=1000)
            for title, sql in (
                ("Audits", "SELECT a.id, r.name, v.key, v.version_label, c.reference, c.case_type, t.name, u.email, "
                           "a.submitted_at, a.overall_grade, '', m.completed_at, m.overall_grade, "
                           "COALESCE(m.overall_grade, a.overall_grade), m.outcome, m.overall_rationale, "
                           "a.immediate_risk, a.status, a.immediate_risk_reason, a.overall_summary, u.display_name, "
                           "'', m.selected_because, r.created_at, r.due_date, v.title "
                           "FROM audits a JOIN audit_rounds r ON r.id = a.round_id "
                           "JOIN template_versions v ON v.id = a.template_version_id "
                           "JOIN case_files c ON c.id = a.case_file_id JOIN teams t ON t.id = c.team_id "
                           "JOIN users u ON u.id = a.auditor_id LEFT JOIN moderations m ON m.audit_id = a.id "
                           "ORDER BY a.id"),
                ("Answers", "SELECT a.audit_id, q.section_title, a.question_key, q.text, '', "
                            "COALESCE(CAST(a.grade AS TEXT), a.value), ma.grade, a.evidence, ma.rationale "
                            "FROM answers a JOIN audits au ON au.id = a.audit_id "
                            "JOIN template_questions q ON q.template_version_id = au.template_version_id "
                            "AND q.key = a.question_key "
                            "LEFT JOIN moderations m ON m.audit_id = a.audit_id "
                            "LEFT JOIN moderated_answers ma ON ma.moderation_id = m.id AND ma.question_key = a.question_key "
                            "ORDER BY a.audit_id, q.position"),
            ):
                ws = workbook.create_sheet(title)
                for row in conn.exec_driver_sql(sql):
                    ws.append(list(row))
        with open(target, "wb") as out:
            workbook.save(out)
        return {"seconds": time.perf_counter() - started, "bytes": os.path.getsize(target)}


def child(step: str, url: str, n: int, target: str) -> None:
    result = {"generate": lambda: (generate(url, n), {})[1], "report": lambda: step_report(url),
              "bare": lambda: step_bare(url), "export": lambda: step_export(url, target),
              "raw": lambda: step_raw(url, target)}[step]()
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_step(step: str, url: str, n: int, target: str) -> dict:
    started = time.perf_counter()
    output = subprocess.run([sys.executable, __file__, "--child", step, "--database-url", url, "--audits", str(n),
                             "--target", target], check=True, capture_output=True, text=True)
    result = json.loads(output.stdout.strip().splitlines()[-1])
    result.setdefault("seconds", time.perf_counter() - started)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--audits", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="an EMPTY database (default: a temporary SQLite file)")
    parser.add_argument("--json", default=None, help="append the results to this JSON-lines file")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--target", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.database_url, args.audits, args.target)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite"
        target = f"{folder}/export.xlsx"
        results = {"audits": args.audits, "database": url.split(":")[0], "date": date.today().isoformat()}
        for step in ("generate", "report", "bare", "export", "raw"):
            results[step] = run_step(step, url, args.audits, target)
            print(f"{step:9} {results[step]['seconds']:8.2f} s   peak {results[step]['peak_mb']:7.1f} MB", flush=True)
        results["report_ratio"] = results["report"]["seconds"] / results["bare"]["seconds"]
        results["export_ratio"] = results["export"]["seconds"] / results["raw"]["seconds"]
        print(f"report / bare SQL = {results['report_ratio']:.2f} (target ≤ 2)")
        print(f"export / raw openpyxl = {results['export_ratio']:.2f} (target ≤ 1.5)")
        if args.json:
            with open(args.json, "a") as out:
                out.write(json.dumps(results) + "\n")


if __name__ == "__main__":
    main()
