"""Benchmark: importing a case list (`cases import`), time and peak memory, against a baseline.

    .venv/bin/python benchmarks/import_cases.py --rows 10000 100000 [--baseline REF] [--json out.json]

For each size it writes a case list CSV (7 columns, as a case-management system exports it: about
2.1 MB at 100,000 rows), makes a fresh SQLite database migrated to head, and runs
`flask --app wsgi cases import FILE` in a process of its own, so its wall time and peak memory
(maximum resident set size of that process) are the import's alone; the same command doing
nothing (`users list`) is measured beside it, so the app's own start-up time and memory can be
told apart from the import's. With --baseline REF the same
import runs, interleaved (baseline then current, per size), on the code of git REF, checked out in
a temporary worktree: the honest comparison on the same machine under the same load. The load
average is recorded before each run. Targets (issue 12): 100,000 rows in under 10 s, peak memory
under 150 MB.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("Case reference,Case type,Team,Allocated worker,Date of birth,Open date,Factors\n")
        types = ("CP", "CIN", "CLA", "EH", "CL")
        for n in range(rows):
            out.write(f"P{n:07d},{types[n % 5]},Team {n % 12},Worker {n % 300},{1 + n % 28:02d}/{1 + n % 12:02d}/"
                      f"{2008 + n % 16},{1 + n % 28:02d}/{1 + (n // 7) % 12:02d}/2024,"
                      f"{'neglect; domestic_abuse' if n % 3 == 0 else ''}\n")


def run(code: Path, url: str, *args: str) -> tuple[float, int, str]:
    """(seconds, peak RSS in MB, output) of `flask --app wsgi ARGS` run from `code`."""
    env = dict(os.environ, DATABASE_URL=url, QA_ENV="development", PYTHONPATH=str(code))
    started = time.monotonic()
    process = subprocess.Popen([str(PYTHON), "-m", "flask", "--app", "wsgi", *args], cwd=code, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} failed in {code}:\n{output}")
    return seconds, usage.ru_maxrss // 1024, (output.strip().splitlines() or [""])[-1]


def measure(code: Path, rows: int, csv_path: Path, workdir: Path) -> dict:
    database = workdir / f"bench-{code.name}-{rows}.sqlite"
    database.unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    run(code, url, "db", "upgrade")
    load = os.getloadavg()[0]
    startup, startup_peak, _ = run(code, url, "users", "list")  # the same process doing nothing
    seconds, peak, last = run(code, url, "cases", "import", str(csv_path))
    return {"code": str(code), "rows": rows, "seconds": round(seconds, 2), "peak_mb": peak,
            "startup_seconds": round(startup, 2), "startup_peak_mb": startup_peak,
            "load_average_1min": round(load, 2), "output": last}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--baseline", help="a git ref whose import to measure too, interleaved")
    parser.add_argument("--json", help="write the results to this file")
    options = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as temporary:
        workdir = Path(temporary)
        baseline = None
        if options.baseline:
            baseline = workdir / "baseline"
            subprocess.run(["git", "worktree", "add", "--detach", str(baseline), options.baseline], cwd=ROOT,
                           check=True, capture_output=True)
        try:
            for rows in options.rows:
                csv_path = workdir / f"cases-{rows}.csv"
                write_csv(csv_path, rows)
                for label, code in (("baseline", baseline), ("current", ROOT)):
                    if code is None:
                        continue
                    result = measure(code, rows, csv_path, workdir) | {
                        "label": label, "file_mb": round(csv_path.stat().st_size / 1e6, 2)}
                    results.append(result)
                    print(json.dumps(result), flush=True)
        finally:
            if baseline is not None:
                subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT, capture_output=True)
    if options.json:
        Path(options.json).write_text(json.dumps(results, indent=2))
    print(f"{'size':>8} {'code':>9} {'seconds':>8} {'peak MB':>8} {'startup s':>9} {'startup MB':>10} {'load':>5}")
    for r in results:
        print(f"{r['rows']:>8,} {r['label']:>9} {r['seconds']:>8} {r['peak_mb']:>8} {r['startup_seconds']:>9} "
              f"{r['startup_peak_mb']:>10} {r['load_average_1min']:>5}")


if __name__ == "__main__":
    sys.exit(main())
