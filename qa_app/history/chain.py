"""The hash chain over the history, and its check (`history verify`).

Each committed event gets one link: seq (1, 2, 3 … in commit order), the previous link's hash, and
HMAC-SHA256(HISTORY_KEY, seq ‖ previous hash ‖ the event's content ‖ the hash of its details).
Anyone who changes, deletes, inserts or reorders an event or a link breaks the chain from that point;
forging a link needs HISTORY_KEY, which the database does not hold.

Links are made when the transaction commits (a `before_commit` hook): the session's own changes are
flushed first, then appends are serialised (an advisory lock on PostgreSQL; on SQLite every
transaction already holds the write lock) so two writers can never fork the chain, and the lock is
held only for the few inserts of the links themselves.
"""

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from qa_app.history.models import ChainLink, Event, EventCase, EventPayload

GENESIS = "0" * 64
PENDING = "history_unsealed"
_CHAIN_LOCK = 7_461_012  # PostgreSQL advisory lock key: appends to the chain queue on it


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_hash(detail: dict) -> str:
    return hashlib.sha256(canonical(detail).encode()).hexdigest()


def history_key() -> bytes:
    """HISTORY_KEY from the configuration; derived from SECRET_KEY when it is not set."""
    config = current_app.config
    key = config.get("HISTORY_KEY") or ("qa_app history chain:" + str(config["SECRET_KEY"]))
    return key.encode()


def event_content(event: Event) -> list:
    return [event.id, event.at.isoformat(timespec="microseconds"), event.actor_id, event.role or "",
            event.action, event.object_type, event.object_id, event.client_address or "",
            event.request_id or "", event.case_ids or "", event.payload_hash]


def link_hash(key: bytes, seq: int, prev_hash: str, content: list) -> str:
    message = canonical([seq, prev_hash, content]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- sealing at commit


def add_pending(session: Session, event: Event) -> None:
    session.info.setdefault(PENDING, []).append(event)


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})


def tail(session: Session) -> tuple[int, str]:
    last = session.execute(sa.select(ChainLink.seq, ChainLink.hash).order_by(ChainLink.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last else (0, GENESIS)


def seal(session: Session, events: list[Event]) -> None:
    """Link `events` (flushed, in the order given) to the end of the chain."""
    if not events:
        return
    _lock(session)
    seq, prev = tail(session)
    key = history_key()
    for event in events:
        seq += 1
        digest = link_hash(key, seq, prev, event_content(event))
        session.add(ChainLink(seq=seq, event_id=event.id, prev_hash=prev, hash=digest))
        prev = digest


def _before_commit(session: Session) -> None:
    pending = session.info.get(PENDING)
    if not pending:
        return
    session.flush()  # every other change first, so the chain lock is held only for the links
    events = [e for e in pending if sa.inspect(e).persistent]
    session.info[PENDING] = []
    if events and has_app_context():
        seal(session, sorted(events, key=lambda e: e.id))
        session.flush()


def _forget(session: Session, *_args) -> None:
    session.info.pop(PENDING, None)


sa.event.listen(Session, "before_commit", _before_commit)
sa.event.listen(Session, "after_rollback", _forget)
sa.event.listen(Session, "after_commit", _forget)


# --------------------------------------------------------------------------- verifying


@dataclass
class Verification:
    links: int = 0
    erased: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _describe(event_id, action, at) -> str:
    return f"event {event_id} ({action}, {at:%Y-%m-%d %H:%M:%S} UTC)" if action else f"event {event_id}"


def verify(session: Session, *, batch: int = 5000, max_problems: int = 50) -> Verification:
    """Walk the whole chain; every problem found, in chain order (the first is the first break)."""
    result = Verification()
    key = history_key()

    def problem(text: str) -> None:
        if len(result.problems) < max_problems:
            result.problems.append(text)

    expected_seq, prev = 1, GENESIS
    for link, event, payload in _walk(session, batch):
        result.links += 1
        where = f"chain link {link.seq}, " + (_describe(event.id, event.action, event.at) if event else
                                               f"event {link.event_id}")
        if link.seq != expected_seq:
            missing = f"{expected_seq}" if link.seq == expected_seq + 1 else f"{expected_seq} to {link.seq - 1}"
            problem(f"Chain link(s) {missing} are missing: the event(s) before {where} were deleted.")
        if link.prev_hash != prev:
            problem(f"{where}: does not follow the link before it (an event was deleted, inserted or reordered "
                    "here).")
        if event is None:
            problem(f"{where}: the event was deleted.")
        elif not hmac.compare_digest(link_hash(key, link.seq, link.prev_hash, event_content(event)), link.hash):
            problem(f"{where}: was changed, or moved from elsewhere in the chain (its content does not match "
                    "its hash).")
        if event is not None:
            _check_payload(event, payload, where, result, problem)
        expected_seq, prev = link.seq + 1, link.hash
    for event_id, action, at in session.execute(
            sa.select(Event.id, Event.action, Event.at).outerjoin(ChainLink, ChainLink.event_id == Event.id)
            .where(ChainLink.seq.is_(None)).order_by(Event.id)):
        problem(f"{_describe(event_id, action, at)} is not in the chain: it was inserted outside the app.")
    _check_case_index(session, problem)
    return result


def _walk(session: Session, batch: int) -> Iterator[tuple]:
    last = 0
    while True:
        rows = session.execute(
            sa.select(ChainLink, Event, EventPayload)
            .outerjoin(Event, Event.id == ChainLink.event_id)
            .outerjoin(EventPayload, EventPayload.event_id == ChainLink.event_id)
            .where(ChainLink.seq > last).order_by(ChainLink.seq).limit(batch)
            .execution_options(populate_existing=True)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][0].seq
        session.expunge_all()


def _check_payload(event: Event, payload: EventPayload | None, where: str, result: Verification, problem) -> None:
    if event.payload_hash is None:
        if payload is not None:
            problem(f"{where}: has details added after it was recorded.")
        return
    if payload is None:
        problem(f"{where}: its details were deleted.")
    elif payload.detail is None:
        result.erased += 1
        if payload.erased_at is None:
            problem(f"{where}: its details were removed without being erased by retention.")
    elif payload_hash(payload.detail) != event.payload_hash:
        problem(f"{where}: its details were changed.")


def _check_case_index(session: Session, problem) -> None:
    """`event_cases` must say exactly what each event's own `case_ids` say."""
    indexed: dict[int, list[int]] = {}
    for event_id, case_id in session.execute(
            sa.select(EventCase.event_id, EventCase.case_file_id).order_by(EventCase.event_id, EventCase.case_file_id)):
        indexed.setdefault(event_id, []).append(case_id)
    for event_id, case_ids in session.execute(sa.select(Event.id, Event.case_ids).where(Event.case_ids != "")):
        own = [int(c) for c in case_ids.split(",")]
        if indexed.pop(event_id, []) != own:
            problem(f"event {event_id}: the index of case files it concerns was changed.")
    for event_id in sorted(indexed):
        problem(f"event {event_id}: the index of case files it concerns was changed.")
