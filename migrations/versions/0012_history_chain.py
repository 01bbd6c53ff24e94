"""The history proves itself: a hash chain over the events, their details moved beside the chain (so
retention can erase case text), the actor's roles, client address and request id, and the case
files each event concerns. Existing events are chained in id order.

Revision ID: 0012
Revises: 0011
"""
import json
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

SQLITE_EVENTS = [
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END""",
]
SQLITE_NEW = [
    """CREATE TRIGGER event_chain_no_update BEFORE UPDATE ON event_chain
       BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END""",
    """CREATE TRIGGER event_chain_no_delete BEFORE DELETE ON event_chain
       BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END""",
    """CREATE TRIGGER event_cases_no_update BEFORE UPDATE ON event_cases
       BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END""",
    """CREATE TRIGGER event_cases_no_delete BEFORE DELETE ON event_cases
       BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END""",
    """CREATE TRIGGER event_payloads_no_delete BEFORE DELETE ON event_payloads
       BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END""",
    """CREATE TRIGGER event_payloads_erase_only BEFORE UPDATE ON event_payloads WHEN NEW.detail IS NOT NULL
       BEGIN SELECT RAISE(ABORT, 'the history is append-only: details can only be erased'); END""",
]
POSTGRESQL_NEW = [
    """CREATE TRIGGER event_chain_no_change BEFORE UPDATE OR DELETE ON event_chain
       FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
    """CREATE TRIGGER event_chain_no_truncate BEFORE TRUNCATE ON event_chain
       FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()""",
    """CREATE TRIGGER event_cases_no_change BEFORE UPDATE OR DELETE ON event_cases
       FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
    """CREATE TRIGGER event_cases_no_truncate BEFORE TRUNCATE ON event_cases
       FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()""",
    """CREATE FUNCTION event_payloads_erase_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND NEW.detail IS NULL AND NEW.event_id = OLD.event_id THEN RETURN NEW; END IF;
         RAISE EXCEPTION 'the history is append-only: details can only be erased';
       END $$""",
    """CREATE TRIGGER event_payloads_erase_only BEFORE UPDATE OR DELETE ON event_payloads
       FOR EACH ROW EXECUTE FUNCTION event_payloads_erase_only()""",
    """CREATE TRIGGER event_payloads_no_truncate BEFORE TRUNCATE ON event_payloads
       FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()""",
]

events = sa.table(
    "events", sa.column("id", sa.Integer), sa.column("at", sa.DateTime), sa.column("actor_id", sa.Integer),
    sa.column("role", sa.String), sa.column("action", sa.String), sa.column("object_type", sa.String),
    sa.column("object_id", sa.Integer), sa.column("client_address", sa.String), sa.column("request_id", sa.String),
    sa.column("case_ids", sa.Text), sa.column("payload_hash", sa.String), sa.column("detail", sa.JSON))
payloads = sa.table("event_payloads", sa.column("event_id", sa.Integer), sa.column("detail", sa.JSON))
chain = sa.table("event_chain", sa.column("seq", sa.Integer), sa.column("event_id", sa.Integer),
                 sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
event_cases = sa.table("event_cases", sa.column("event_id", sa.Integer), sa.column("case_file_id", sa.Integer))


def upgrade():
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('client_address', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('request_id', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('case_ids', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('payload_hash', sa.String(length=64), nullable=True))
    op.create_table('event_payloads',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('detail', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('erased_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_payloads_event_id_events')),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_payloads'))
    )
    op.create_table('event_chain',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_chain_event_id_events')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_event_chain')),
    sa.UniqueConstraint('event_id', name=op.f('uq_event_chain_event_id'))
    )
    op.create_table('event_cases',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('case_file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_file_id'], ['case_files.id'], name=op.f('fk_event_cases_case_file_id_case_files')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_cases_event_id_events')),
    sa.PrimaryKeyConstraint('event_id', 'case_file_id', name=op.f('pk_event_cases'))
    )
    with op.batch_alter_table('event_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_cases_case_file_id'), ['case_file_id'], unique=False)

    if dialect == "postgresql":
        op.execute("ALTER TABLE events DISABLE TRIGGER events_no_change")
    else:
        op.execute("DROP TRIGGER events_no_update")
    _move_details_and_chain()
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('detail')
    if dialect == "postgresql":
        op.execute("ALTER TABLE events ENABLE TRIGGER events_no_change")
        statements = POSTGRESQL_NEW
    else:
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")  # the table rebuild may have kept it
        statements = SQLITE_EVENTS + SQLITE_NEW
    for statement in statements:
        op.execute(statement)


def _case_lookup(bind) -> dict[str, dict[int, int]]:
    """object table → {object id: case file id}, for the kinds of object that belong to a case."""
    lookup = {"audits": dict(bind.execute(sa.text("SELECT id, case_file_id FROM audits")).all()),
              "challenges": dict(bind.execute(sa.text("SELECT id, case_file_id FROM challenges")).all())}
    for table in ("moderations", "actions", "escalations", "reflections"):
        lookup[table] = dict(bind.execute(sa.text(
            f"SELECT t.id, a.case_file_id FROM {table} t JOIN audits a ON a.id = t.audit_id")).all())
    return lookup


def _move_details_and_chain():
    from qa_app.history.chain import GENESIS, event_content, history_key, link_hash, payload_hash

    bind = op.get_bind()
    key = history_key()
    lookup = _case_lookup(bind)
    seq, prev, last_id = 0, GENESIS, 0
    while True:
        rows = bind.execute(sa.select(events.c.id, events.c.at, events.c.actor_id, events.c.action,
                                      events.c.object_type, events.c.object_id, events.c.detail)
                            .where(events.c.id > last_id).order_by(events.c.id).limit(2000)).all()
        if not rows:
            break
        payload_rows, chain_rows, case_rows = [], [], []
        for row in rows:
            detail = json.loads(row.detail) if isinstance(row.detail, str) else (row.detail or {})
            digest = payload_hash(detail) if detail else None
            if row.object_type == "case_files":
                case_id = row.object_id
            else:
                case_id = lookup.get(row.object_type, {}).get(row.object_id)
            case_ids = str(case_id) if case_id is not None else ""
            bind.execute(events.update().where(events.c.id == row.id).values(payload_hash=digest, case_ids=case_ids))
            if detail:
                payload_rows.append({"event_id": row.id, "detail": detail})
            if case_id is not None:
                case_rows.append({"event_id": row.id, "case_file_id": case_id})
            content = event_content(SimpleNamespace(
                id=row.id, at=row.at, actor_id=row.actor_id, role="", action=row.action,
                object_type=row.object_type, object_id=row.object_id, client_address="", request_id="",
                case_ids=case_ids, payload_hash=digest))
            seq += 1
            link = link_hash(key, seq, prev, content)
            chain_rows.append({"seq": seq, "event_id": row.id, "prev_hash": prev, "hash": link})
            prev = link
        for table, values in ((payloads, payload_rows), (chain, chain_rows), (event_cases, case_rows)):
            if values:
                bind.execute(table.insert(), values)
        last_id = rows[-1].id


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in ("DROP TRIGGER event_payloads_no_truncate ON event_payloads",
                          "DROP TRIGGER event_payloads_erase_only ON event_payloads",
                          "DROP FUNCTION event_payloads_erase_only()",
                          "DROP TRIGGER event_cases_no_truncate ON event_cases",
                          "DROP TRIGGER event_cases_no_change ON event_cases",
                          "DROP TRIGGER event_chain_no_truncate ON event_chain",
                          "DROP TRIGGER event_chain_no_change ON event_chain",
                          "ALTER TABLE events DISABLE TRIGGER events_no_change"):
            op.execute(statement)
    else:
        op.execute("DROP TRIGGER events_no_update")
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.JSON(), nullable=False, server_default='{}'))
    bind = op.get_bind()
    for event_id, detail in bind.execute(sa.select(payloads.c.event_id, payloads.c.detail)).all():
        if detail is not None:
            bind.execute(events.update().where(events.c.id == event_id).values(detail=detail))
    op.drop_table('event_cases')
    op.drop_table('event_chain')
    op.drop_table('event_payloads')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('payload_hash')
        batch_op.drop_column('case_ids')
        batch_op.drop_column('request_id')
        batch_op.drop_column('client_address')
        batch_op.drop_column('role')
    if dialect == "postgresql":
        op.execute("ALTER TABLE events ENABLE TRIGGER events_no_change")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")
        for statement in SQLITE_EVENTS:
            op.execute(statement)
