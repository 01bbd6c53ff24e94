"""A consistent copy of a running database, and putting one back into an empty database.

SQLite: the backup API copies every page in one step while holding a read lock, so the copy is the
database as it was at one moment, even while other processes write (WAL mode lets them go on).
PostgreSQL: `pg_dump --format=custom` works from one snapshot; `pg_restore` puts it back in one
transaction, so a restore either completes or leaves the target empty.
"""

import os
import shutil
import sqlite3
import subprocess
from glob import glob
from pathlib import Path

import sqlalchemy as sa


class BackupFailed(Exception):
    """The message says what went wrong, in words an operator can act on."""


def create_backup(url: str, target: Path) -> None:
    """Write a backup of the database at `url` to `target` (replaced only when the copy is complete)."""
    parsed = sa.engine.make_url(url)
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        if parsed.get_backend_name() == "sqlite":
            _sqlite_copy(_sqlite_path(parsed), partial)
        elif parsed.get_backend_name() == "postgresql":
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-password", f"--file={partial}",
                  *_pg_args(parsed)], parsed)
        else:
            raise BackupFailed(f"Backups of {parsed.get_backend_name()} databases are not supported.")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def restore_backup(url: str, source: Path) -> None:
    """Load the backup `source` into the empty database at `url`."""
    if not source.is_file():
        raise BackupFailed(f"There is no backup file {source}.")
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed)
        if _sqlite_tables(path):
            raise BackupFailed(f"The database {path} is not empty. Restore into a new, empty database.")
        with sqlite3.connect(source) as check:
            try:
                result = check.execute("PRAGMA integrity_check").fetchone()[0]
            except sqlite3.DatabaseError:
                result = "not a database"
        if result != "ok":
            raise BackupFailed(f"{source} is not a good SQLite backup ({result}).")
        _sqlite_copy(source, Path(path))
    elif parsed.get_backend_name() == "postgresql":
        engine = sa.create_engine(parsed)
        try:
            with engine.connect() as connection:
                tables = sa.inspect(connection).get_table_names(schema="public")
        finally:
            engine.dispose()
        if tables:
            raise BackupFailed(f"The database {parsed.database} is not empty ({len(tables)} tables). Restore into "
                               "a new, empty database.")
        _run([_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction", "--no-password",
              f"--dbname={parsed.database}", *_pg_args(parsed, with_database=False), str(source)], parsed)
    else:
        raise BackupFailed(f"Restoring {parsed.get_backend_name()} databases is not supported.")


def _sqlite_path(url: sa.engine.URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupFailed("An in-memory SQLite database cannot be backed up.")
    return url.database


def _sqlite_tables(path: str) -> list[str]:
    if not os.path.exists(path):
        return []
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


def _sqlite_copy(source_path, target_path: Path) -> None:
    try:
        source = sqlite3.connect(source_path, timeout=30)
        try:
            target = sqlite3.connect(target_path)
            try:
                source.backup(target)  # all pages in one step: one consistent moment
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        raise BackupFailed(f"the SQLite copy to {target_path} failed ({error})") from None


def _pg_tool(name: str) -> str:
    """The newest installed PostgreSQL client tool (pg_dump must be at least the server's version)."""
    candidates = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: [int(x) for x in Path(p).parts[-3].split(".") if x.isdigit()])
    found = (os.path.join(os.environ["PG_BIN_DIR"], name) if os.environ.get("PG_BIN_DIR") else None) or (
        candidates[-1] if candidates else shutil.which(name))
    if not found or not os.path.exists(found):
        raise BackupFailed(f"{name} was not found: install the PostgreSQL client (apt-get install postgresql-client) "
                           "or set PG_BIN_DIR.")
    return found


def _pg_args(url: sa.engine.URL, with_database: bool = True) -> list[str]:
    args = []
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    if with_database and url.database:
        args.append(f"--dbname={url.database}")
    return args


def _run(command: list[str], url: sa.engine.URL) -> None:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()
        raise BackupFailed(f"{Path(command[0]).name} failed: {message[-1] if message else done.returncode}")
