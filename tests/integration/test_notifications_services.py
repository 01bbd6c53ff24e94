"""The outbox: without SMTP_HOST notifications stay queued; with it they are delivered (to a small
SMTP server run by the test on the loopback interface) and marked sent."""

import email
import socket
import threading
from email import policy

import pytest
import sqlalchemy as sa

from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.notifications.cli import notifications_cli
from qa_app.notifications.models import Notification
from qa_app.notifications.services import MAX_ATTEMPTS, SmtpSettings, queue, send_pending


class SmtpSink:
    """Just enough SMTP for smtplib: accepts mail on 127.0.0.1, refuses recipients in `refuse`,
    keeps (sender, recipients, message) for each accepted message. Runs in a daemon thread with
    socket timeouts, so a test can never hang on it."""

    def __init__(self, refuse=()):
        self.refuse = {address.lower() for address in refuse}
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="smtp-sink", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(timeout=5)
        self.server.close()

    def _serve(self):
        while not self.stopping.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(5)
                self._session(connection.makefile("rb"), connection)

    def _session(self, reader, connection):
        def reply(line):
            connection.sendall(line.encode() + b"\r\n")

        reply("220 sink ready")
        sender, recipients = "", []
        while True:
            line = reader.readline()
            if not line:
                return
            command = line.decode().strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                reply("250 sink")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                reply("250 OK")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip(" <>")
                if address.lower() in self.refuse:
                    reply("550 No such mailbox")
                else:
                    recipients.append(address)
                    reply("250 OK")
            elif verb == "DATA":
                reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := reader.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                self.messages.append((sender, recipients, email.message_from_bytes(b"".join(lines),
                                                                                    policy=policy.default)))
                reply("250 OK queued")
            elif verb == "QUIT":
                reply("221 Bye")
                return
            else:  # RSET, NOOP …
                reply("250 OK")


@pytest.fixture
def waiting(make_user):
    alice, bob = make_user("auditor"), make_user("moderator")
    for user in (alice, bob):
        queue(user, subject="Child at immediate risk: case file CF-1", body="Open the escalation: /escalations/1",
              object_type="escalations", object_id=1)
    db.session.commit()
    return alice, bob


def notifications():
    db.session.expire_all()
    return db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()


def test_without_smtp_host_everything_stays_queued(waiting):
    result = send_pending(SmtpSettings(host=""))
    assert (result.sent, result.left_queued) == (0, 2)
    assert result.messages == ["SMTP_HOST is not set: 2 notification(s) left queued."]
    assert [(n.sent_at, n.attempts) for n in notifications()] == [(None, 0), (None, 0)]


def test_sends_by_smtp_and_marks_sent(waiting):
    alice, bob = waiting
    with SmtpSink() as sink:
        result = send_pending(SmtpSettings(host="127.0.0.1", port=sink.port, sender="audit@council.example",
                                           timeout=5))
        db.session.commit()
    assert (result.sent, result.failed, result.left_queued, result.error) == (2, 0, 0, "")
    assert [recipients for _, recipients, _ in sink.messages] == [[alice.email], [bob.email]]
    sender, _, message = sink.messages[0]
    assert sender == "audit@council.example"
    assert message["Subject"] == "Child at immediate risk: case file CF-1"
    assert message["To"] == alice.email
    assert "/escalations/1" in message.get_content()
    assert all(n.sent_at is not None and n.attempts == 1 for n in notifications())
    sent = db.session.scalars(sa.select(Event).where(Event.action == "notification.sent")).all()
    assert [e.detail["to"] for e in sent] == [alice.email, bob.email]
    # Nothing is sent twice.
    with SmtpSink() as sink:
        again = send_pending(SmtpSettings(host="127.0.0.1", port=sink.port, timeout=5))
    assert again.sent == 0 and sink.messages == []


def test_a_refused_recipient_is_retried_a_bounded_number_of_times(waiting):
    alice, bob = waiting
    with SmtpSink(refuse=[bob.email]) as sink:
        settings = SmtpSettings(host="127.0.0.1", port=sink.port, timeout=5)
        first = send_pending(settings)
        db.session.commit()
        assert (first.sent, first.failed, first.left_queued) == (1, 1, 1)
        for _ in range(MAX_ATTEMPTS):
            send_pending(settings)
            db.session.commit()
    alice_n, bob_n = notifications()
    assert alice_n.sent_at is not None
    assert bob_n.sent_at is None and bob_n.attempts == MAX_ATTEMPTS and "No such mailbox" in bob_n.last_error
    assert [recipients for _, recipients, _ in sink.messages] == [[alice.email]]


def test_an_unreachable_server_leaves_everything_queued_without_using_attempts(waiting):
    spare = socket.create_server(("127.0.0.1", 0))
    port = spare.getsockname()[1]
    spare.close()   # nothing listens on this port now
    result = send_pending(SmtpSettings(host="127.0.0.1", port=port, timeout=2))
    assert result.error and result.left_queued == 2 and result.sent == 0
    assert [(n.sent_at, n.attempts) for n in notifications()] == [(None, 0), (None, 0)]


def test_the_cli_command(app, runner, waiting):
    result = runner.invoke(notifications_cli, ["send"])
    assert result.exit_code == 0, result.output
    assert "SMTP_HOST is not set: 2 notification(s) left queued." in result.output
    with SmtpSink() as sink:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port, SMTP_FROM="qa@council.example")
        result = runner.invoke(notifications_cli, ["send"])
    assert result.exit_code == 0, result.output
    assert "Sent 2, failed 0, 0 left queued." in result.output
    assert len(sink.messages) == 2 and sink.messages[0][0] == "qa@council.example"
    assert all(n.sent_at is not None for n in notifications())


def test_two_senders_at_once_send_each_email_once(app, waiting, database_url):
    """Two `notifications send` runs at the same moment, each with its own app and connection: every
    email goes out once (SQLite: the second waits for the first's write lock; PostgreSQL: skip_locked)."""
    from qa_app import create_app
    from tests.conftest import TEMPLATES_DIR

    start = threading.Barrier(2, timeout=30)
    errors = []
    # Each sender's app is made here, one after the other: building apps in two threads at once
    # (werkzeug compiles each URL rule with the ast module) now and then trips a CPython 3.11 bug,
    # "SystemError: AST constructor recursion depth mismatch". The sending is what runs at once.
    apps = [create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "TEMPLATES_DIR": str(TEMPLATES_DIR)})
            for _ in range(2)]
    with SmtpSink() as sink:
        def run(other):
            with other.app_context():
                try:
                    start.wait()
                    send_pending(SmtpSettings(host="127.0.0.1", port=sink.port, timeout=5))
                    db.session.commit()
                except BaseException as error:  # noqa: BLE001  (reported below)
                    errors.append(error)
                finally:
                    db.session.remove()
                    db.engine.dispose()

        threads = [threading.Thread(target=run, args=(other,)) for other in apps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert errors == []
    assert sorted(recipients[0] for _, recipients, _ in sink.messages) == sorted(u.email for u in waiting)
    assert all(n.sent_at is not None and n.attempts == 1 for n in notifications())
