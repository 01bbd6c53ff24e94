"""Declarative base, naming convention and database-level safety settings."""

import re
import sqlite3
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time in UTC, as a naive datetime (both databases store it the same way)."""
    return datetime.now(UTC).replace(tzinfo=None)


# --- SQLite: reads never queue, writes take the lock once, briefly ------------------------------
#
# Every transaction starts deferred (plain BEGIN): in WAL mode any number of readers run side by
# side and alongside the one writer. The first statement that writes (INSERT, UPDATE, DELETE …)
# first swaps the read transaction for BEGIN IMMEDIATE, which waits for the write lock (up to the
# busy timeout) instead of failing: a deferred transaction that reads and then writes fails with
# "database is locked" at once if another connection wrote in between, whatever the busy timeout.
# Nothing has been written before that point, so ending the read transaction loses nothing;
# concurrent changes to what was read are caught as before by the version columns (optimistic
# locking) and the constraints. So a request holds the write lock only from its first write to its
# commit: a page that reads for seconds and then records one history row holds it for
# milliseconds.

_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|SAVEPOINT)\b", re.IGNORECASE)
WRITING = "sqlite_writing"   # connection.info key: this transaction holds the write lock


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" hook below issue BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.info[WRITING] = immediate
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_take_write_lock(connection, cursor, statement, _parameters, _context, _executemany) -> None:
    if (connection.dialect.name != "sqlite" or connection.info.get(WRITING, True)
            or not _WRITES.match(statement)):
        return
    # The read transaction so far wrote nothing: end it and wait for the write lock.
    cursor.execute("COMMIT")
    cursor.execute("BEGIN IMMEDIATE")
    connection.info[WRITING] = True


def lock_for_writing(session) -> None:
    """Take the write lock now, before the reads a write depends on (check, then insert), so that
    two such transactions run one after the other, as they did when every transaction began with
    BEGIN IMMEDIATE. SQLite only: on PostgreSQL the callers use row or advisory locks."""
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.info.get(WRITING):
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute("COMMIT")
            cursor.execute("BEGIN IMMEDIATE")
        finally:
            cursor.close()
        connection.info[WRITING] = True


def holds_write_lock(connection) -> bool:
    """Whether this SQLite connection's transaction holds the write lock (for tests and checks)."""
    return bool(connection.info.get(WRITING))
