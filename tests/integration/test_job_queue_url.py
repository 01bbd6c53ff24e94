"""An app keeps one queue per queue URL: after its configuration names another queue, jobs go to
that one. (The tests share one app per worker; a test that pointed the app at a queue file after an
earlier test had used the in-memory queue once had its jobs vanish into the old queue, and waited
for a worker that never saw them.)"""

from huey import MemoryHuey, SqliteHuey

from qa_app.jobs.queue import enqueue, get_queue


def test_a_changed_queue_url_gives_that_queue(app, tmp_path):
    app.config["JOB_QUEUE_URL"] = "memory://"
    first = get_queue(app)
    assert isinstance(first, MemoryHuey) and get_queue(app) is first   # made once, then kept
    file = tmp_path / "queue.sqlite"
    app.config["JOB_QUEUE_URL"] = f"sqlite:///{file}"
    enqueue(app, 41)
    second = get_queue(app)
    assert isinstance(second, SqliteHuey) and second.storage.filename == str(file)
    assert second.pending_count() == 1 and first.pending_count() == 0
    [task] = second.pending()
    assert task.args == (41,)
