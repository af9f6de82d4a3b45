"""Casts leave only after the commit, once per committed attempt."""
import threading

import pytest
import sqlalchemy as sa

from nubes.common import rpc
from nubes.common.db.transaction import Database, RetryRequest

metadata = sa.MetaData()
widgets = sa.Table("widgets", metadata, sa.Column("id", sa.Integer, primary_key=True),
                   sa.Column("name", sa.String(50)))


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/casts.sqlite")
    metadata.create_all(database.engine)
    yield database
    database.dispose()


class Watcher:
    """An endpoint that reads the database when the cast arrives."""

    def __init__(self, db):
        self.db = db
        self.seen = []
        self.done = threading.Event()

    def created(self, ctx, name):
        rows = self.db.read(lambda conn: conn.execute(
            sa.select(widgets.c.name).where(widgets.c.name == name)).all())
        self.seen.append((name, len(rows)))
        self.done.set()


@pytest.fixture
def setup(db, transport):
    watcher = Watcher(db)
    server = rpc.RPCServer(transport, "watcher", "h1", [watcher]).start()
    client = rpc.RPCClient(transport, rpc.Target("watcher"))
    yield db, watcher, client
    server.stop()


def test_write_then_cast_sends_after_commit(setup):
    db, watcher, client = setup

    def work(conn, casts):
        conn.execute(widgets.insert().values(name="w1"))
        casts.cast(client, None, "created", name="w1")
        assert not watcher.done.wait(0.2)  # nothing sent inside the transaction
        return "ok"

    assert rpc.write_then_cast(db, work) == "ok"
    assert watcher.done.wait(5)
    assert watcher.seen == [("w1", 1)]  # the receiver saw the committed row


def test_retried_attempts_do_not_send_twice(setup):
    db, watcher, client = setup
    attempts = []

    def work(conn, casts):
        attempts.append(1)
        conn.execute(widgets.insert().values(name=f"w{len(attempts)}"))
        casts.cast(client, None, "created", name=f"w{len(attempts)}")
        if len(attempts) == 1:
            raise RetryRequest(RuntimeError("lost a race"))

    rpc.write_then_cast(db, work)
    assert watcher.done.wait(5)
    assert len(attempts) == 2 and watcher.seen == [("w2", 1)]


def test_rollback_sends_nothing(setup):
    db, watcher, client = setup

    def work(conn, casts):
        conn.execute(widgets.insert().values(name="w1"))
        casts.cast(client, None, "created", name="w1")
        raise ValueError("invalid")

    with pytest.raises(ValueError):
        rpc.write_then_cast(db, work)
    assert not watcher.done.wait(0.3)


def test_unencodable_cast_fails_the_transaction(setup):
    db, watcher, client = setup

    def work(conn, casts):
        conn.execute(widgets.insert().values(name="w1"))
        casts.cast(client, None, "created", name={"a", "set"})

    with pytest.raises(rpc.SerializationError):
        rpc.write_then_cast(db, work)
    assert db.read(lambda conn: conn.execute(sa.select(widgets)).all()) == []


def test_context_manager_form_with_retries(setup):
    db, watcher, client = setup
    attempts = []

    def work(conn):
        attempts.append(1)
        conn.execute(widgets.insert().values(name="cm"))
        casts.cast(client, None, "created", name="cm")
        casts.fanout_cast(client, None, "created", name="cm")
        if len(attempts) == 1:
            raise RetryRequest(RuntimeError("again"))

    with rpc.PostCommitCasts() as casts:
        db.write(casts.each_attempt(work))
        assert len(casts.pending) == 2 and not watcher.done.is_set()
    assert watcher.done.wait(5)
    _wait_for(lambda: len(watcher.seen) == 2)
    assert watcher.seen == [("cm", 1), ("cm", 1)]  # one cast, one fanout copy


def test_context_manager_discards_on_error(setup):
    db, watcher, client = setup
    with pytest.raises(RuntimeError):
        with rpc.PostCommitCasts() as casts:
            casts.cast(client, None, "created", name="x")
            raise RuntimeError("boom")
    assert not watcher.done.wait(0.2)


def test_every_cast_is_tried_and_the_first_failure_raised(setup):
    db, watcher, client = setup
    nobody = client.prepare(topic="nobody")
    casts = rpc.PostCommitCasts()
    casts.cast(nobody, None, "created", name="lost")
    casts.cast(client, None, "created", name="delivered")
    with pytest.raises(rpc.Undeliverable):
        casts.send()
    assert watcher.done.wait(5) and watcher.seen[0][0] == "delivered"


def _wait_for(predicate, timeout=5.0):
    import time
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
