"""PostgreSQL: the app runs as a role that owns nothing.

The migrations run as the role that owns the tables (it can alter them, and drop or disable their
triggers). The app connects as another role, which may read and write the data but not change the
schema, and may only append to the history: `events`, `event_chain` and `event_cases` get SELECT and
INSERT, `event_payloads` also UPDATE (retention erases details; a trigger allows nothing else). Run
`database grant-app ROLE` as the owner after every `db upgrade` (docs/deployment.md).
"""

import sqlalchemy as sa

APPEND_ONLY = {"events": "SELECT, INSERT", "event_chain": "SELECT, INSERT", "event_cases": "SELECT, INSERT",
               "event_payloads": "SELECT, INSERT, UPDATE", "alembic_version": "SELECT"}
READ_WRITE = "SELECT, INSERT, UPDATE, DELETE"


def grant_app_role(connection: sa.Connection, role: str) -> list[str]:
    """Give `role` exactly the rights the app needs on every table of the current database; returns
    the statements run. Must be run by the tables' owner."""
    if connection.dialect.name != "postgresql":
        raise ValueError("database roles exist on PostgreSQL only")
    quote = connection.dialect.identifier_preparer.quote
    who = quote(role)
    database = connection.exec_driver_sql("SELECT current_database()").scalar()
    tables = sa.inspect(connection).get_table_names(schema="public")
    statements = [f"GRANT CONNECT ON DATABASE {quote(database)} TO {who}",
                  f"GRANT USAGE ON SCHEMA public TO {who}",
                  f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {who}"]
    for table in sorted(tables):
        statements.append(f"GRANT {APPEND_ONLY.get(table, READ_WRITE)} ON {quote(table)} TO {who}")
    statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}")
    for statement in statements:
        connection.exec_driver_sql(statement)
    return statements
