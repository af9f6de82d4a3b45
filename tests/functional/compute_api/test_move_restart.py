"""A host that stops in the middle of a move step and starts again (its
start-up reconcile, :func:`nubes.compute.operations.reconcile.resume_moves`),
on SQLite, MariaDB and PostgreSQL: the destination finishing a cold
migration, either host of a revert, the source of a confirm, either host
of a live migration.  After each: the server on one host with its vm and
task state settled, the migration's final status, placement holding only
the instance's allocation where the server is (no migration consumer), no
usage on the other host, and ``nubes-manage placement audit`` finding
nothing.

A host "stops" when its driver raises :class:`HostDied` (a BaseException:
no ``except Exception`` on that host sees it, nothing after it there runs);
it "starts again" with its guests gone and its reconcile run."""
from __future__ import annotations

import threading
import time

import pytest

from nubes.cells.admin import placement_audit
from tests.functional.compute_api.two_host_moves import (
    DEST,
    SOURCE,
    TINY,
    HostDied,
    agents_fixture,
    providers_fixture,
    two_host_cloud,
)

pytestmark = pytest.mark.slow


cloud = two_host_cloud("restart", live_migration_seconds=0.2)
agents, providers = agents_fixture(), providers_fixture()


def _act(cloud, sid, body):
    code, answer = cloud.admin.post(f"/servers/{sid}/action", body)
    assert code in (202, 204), answer


def _on_source(cloud) -> str:
    sid = cloud.boot("mover", availability_zone=f"nova:{SOURCE}", api=cloud.admin)
    assert cloud.host_of(sid) == SOURCE
    return sid


def _migration(cloud, sid) -> dict:
    return cloud.admin.get(f"/os-migrations?instance_uuid={sid}",
                           version="2.59")[1]["migrations"][0]


class _Dies:
    """``agent.driver.<method>`` raises HostDied (once ``when`` says so);
    :meth:`wait` returns once it did, and puts the method back."""

    def __init__(self, agent, method: str, when=lambda *a, **kw: True):
        self.driver, self.method, self.died = agent.driver, method, threading.Event()
        real = getattr(agent.driver, method)

        def die(*args, **kwargs):
            if not when(*args, **kwargs):
                return real(*args, **kwargs)
            self.died.set()
            raise HostDied()
        setattr(agent.driver, method, die)

    def wait(self) -> None:
        try:
            assert self.died.wait(30), f"{self.method} was never called"
        finally:
            delattr(self.driver, self.method)


def _restart(agent, sid: str) -> None:
    """The host starts again: its guests are gone, its reconcile runs and
    takes up exactly one move."""
    agent.driver.destroy(sid)
    assert agent.reconcile().resumed == 1


def _settled_on(cloud, sid, host, providers, status="ACTIVE") -> dict:
    """Once the server is ``status`` with no task on ``host``: placement
    holds its allocation there and nothing else (no migration consumer, no
    usage on the other host), the audit finds nothing."""
    shown = cloud.settled(sid, status)
    assert shown["OS-EXT-SRV-ATTR:host"] == host
    migration = _migration(cloud, sid)
    assert cloud.allocations(sid) == {providers[host]: TINY}
    assert cloud.allocations(migration["uuid"]) == {}
    (other,) = {SOURCE, DEST} - {host}
    usages = cloud.placement.get_usages(providers[other])
    assert not any(usages.values()), usages
    result = placement_audit.audit(cloud.api_db, cloud.embedded.databases, cloud.placement)
    assert result.orphans == [] and result.unverified == {}, result
    for agent in cloud.embedded.agents:     # nothing left to take up, or to heal
        again = agent.reconcile()
        assert (again.resumed, again.healed, again.rolled_back) == (0, 0, 0), agent.host
    return _migration(cloud, sid)


def _resized_to_dest(cloud, sid) -> None:
    _act(cloud, sid, {"migrate": None})
    cloud.settled(sid, "VERIFY_RESIZE")
    assert cloud.host_of(sid) == DEST


def _done(cloud, sid) -> None:
    """The server still moves and deletes cleanly."""
    cloud.admin.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.admin, sid)
    cloud.wait_no_usage()


# --- 1. the destination stops while finishing a cold migration ---------------------

def test_destination_stopped_while_finishing_rolls_back(cloud, agents, providers):
    sid = _on_source(cloud)
    dies = _Dies(agents[DEST], "finish_migration")
    _act(cloud, sid, {"migrate": None})
    dies.wait()
    shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    assert shown["OS-EXT-STS:task_state"] == "resize_finish"
    migration = _migration(cloud, sid)
    assert migration["status"] == "post-migrating"
    assert cloud.allocations(migration["uuid"]) == {providers[SOURCE]: TINY}
    assert cloud.allocations(sid) == {providers[DEST]: TINY}

    _restart(agents[DEST], sid)
    migration = _settled_on(cloud, sid, SOURCE, providers)
    assert migration["status"] == "error"
    assert agents[SOURCE].driver.power_state(sid) == 1
    assert agents[DEST].driver.power_state(sid) == 0
    _resized_to_dest(cloud, sid)          # and the server moves fine again
    _act(cloud, sid, {"confirmResize": None})
    _settled_on(cloud, sid, DEST, providers)
    _done(cloud, sid)


def test_destination_that_lost_the_finish_cast_rolls_back(cloud, agents, providers):
    """The ``finish_resize`` cast is lost with the destination (task
    ``resize_migrated``, the server's row still on the source); when the
    broker hands over a kept copy after the roll-back, it is dropped."""
    sid = _on_source(cloud)
    peers, kept = agents[SOURCE].ops.peers, []

    def lost(*args, **kwargs):
        kept.append((args, kwargs))
        return type("Lost", (), {"send": lambda self: None})()
    peers.finish_resize = lost
    try:
        _act(cloud, sid, {"migrate": None})
        deadline = time.monotonic() + 30
        while not kept:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        del peers.finish_resize
    shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    assert shown["OS-EXT-STS:task_state"] == "resize_migrated"
    assert shown["OS-EXT-SRV-ATTR:host"] == SOURCE

    _restart(agents[DEST], sid)
    migration = _settled_on(cloud, sid, SOURCE, providers)
    assert migration["status"] == "error"
    assert agents[SOURCE].driver.power_state(sid) == 1

    (args, kwargs), = kept
    peers.finish_resize(*args, **kwargs).send()       # the kept cast, too late
    time.sleep(0.5)
    assert _settled_on(cloud, sid, SOURCE, providers)["status"] == "error"
    assert agents[DEST].driver.power_state(sid) == 0
    _done(cloud, sid)


# --- 2. a host stops during a revert -----------------------------------------------

def test_destination_stopped_during_revert_reverts_on_restart(cloud, agents, providers):
    sid = _on_source(cloud)
    _resized_to_dest(cloud, sid)
    dies = _Dies(agents[DEST], "destroy", when=lambda uuid: uuid == sid)
    _act(cloud, sid, {"revertResize": None})
    dies.wait()
    shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    assert shown["OS-EXT-STS:task_state"] == "resize_reverting"
    assert shown["OS-EXT-SRV-ATTR:host"] == DEST
    assert _migration(cloud, sid)["status"] == "reverting"

    _restart(agents[DEST], sid)
    migration = _settled_on(cloud, sid, SOURCE, providers)
    assert migration["status"] == "reverted"
    assert agents[SOURCE].driver.power_state(sid) == 1
    assert agents[DEST].driver.power_state(sid) == 0
    _done(cloud, sid)


def test_source_stopped_while_taking_back_finishes_the_revert(cloud, agents, providers):
    sid = _on_source(cloud)
    _resized_to_dest(cloud, sid)
    dies = _Dies(agents[SOURCE], "finish_revert_migration")
    _act(cloud, sid, {"revertResize": None})
    dies.wait()
    shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    assert shown["OS-EXT-STS:task_state"] == "resize_reverting"
    migration = _migration(cloud, sid)
    assert migration["status"] == "reverting"
    # (placement's hand-back was done before the host stopped)
    assert cloud.allocations(sid) == {providers[SOURCE]: TINY}
    assert cloud.allocations(migration["uuid"]) == {}

    _restart(agents[SOURCE], sid)
    migration = _settled_on(cloud, sid, SOURCE, providers)
    assert migration["status"] == "reverted"
    assert agents[SOURCE].driver.power_state(sid) == 1
    assert agents[DEST].driver.power_state(sid) == 0
    _done(cloud, sid)


# --- 3. the source stops during a confirm ------------------------------------------

def test_source_stopped_during_confirm_confirms_on_restart(cloud, agents, providers):
    sid = _on_source(cloud)
    _resized_to_dest(cloud, sid)
    dies = _Dies(agents[SOURCE], "confirm_migration")
    _act(cloud, sid, {"confirmResize": None})
    dies.wait()
    migration = _migration(cloud, sid)
    assert migration["status"] == "confirming"
    assert cloud.allocations(migration["uuid"]) == {providers[SOURCE]: TINY}

    _restart(agents[SOURCE], sid)
    migration = _settled_on(cloud, sid, DEST, providers)
    assert migration["status"] == "confirmed"
    assert agents[SOURCE].driver.power_state(sid) == 0
    assert agents[DEST].driver.power_state(sid) == 1
    _done(cloud, sid)


# --- 4. live migration ---------------------------------------------------------------

def _live(cloud, sid) -> None:
    _act(cloud, sid, {"os-migrateLive": {"host": DEST, "block_migration": "auto"}})


def test_source_stopped_mid_copy_rolls_the_live_migration_back(cloud, agents, providers):
    sid = _on_source(cloud)
    dies = _Dies(agents[SOURCE], "live_migration_time")
    _live(cloud, sid)
    dies.wait()
    shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    assert shown["OS-EXT-STS:task_state"] == "migrating"
    migration = _migration(cloud, sid)
    assert migration["status"] == "running"
    assert cloud.allocations(migration["uuid"]) == {providers[SOURCE]: TINY}
    assert cloud.allocations(sid) == {providers[DEST]: TINY}

    _restart(agents[SOURCE], sid)
    migration = _settled_on(cloud, sid, SOURCE, providers)
    assert migration["status"] == "error"
    assert agents[SOURCE].driver.power_state(sid) == 1     # the reconcile's guest
    assert agents[DEST].driver.power_state(sid) == 0
    _live(cloud, sid)                 # and it live-migrates fine again
    _settled_on(cloud, sid, DEST, providers)
    _done(cloud, sid)


def test_source_stopped_after_the_copy_finishes_the_live_migration(cloud, agents,
                                                                  providers):
    sid = _on_source(cloud)
    dies = _Dies(agents[SOURCE], "destroy", when=lambda uuid: uuid == sid)
    _live(cloud, sid)
    dies.wait()
    migration = _migration(cloud, sid)
    assert migration["status"] == "post-migrating"
    assert cloud.host_of(sid) == SOURCE

    _restart(agents[SOURCE], sid)
    migration = _settled_on(cloud, sid, DEST, providers)
    assert migration["status"] == "completed"
    assert agents[SOURCE].driver.power_state(sid) == 0
    assert agents[DEST].driver.power_state(sid) == 1
    _done(cloud, sid)


def test_destination_stopped_while_finishing_finishes_the_live_migration(cloud, agents,
                                                                        providers):
    sid = _on_source(cloud)
    dies = _Dies(agents[DEST], "spawn", when=lambda uuid, *_: uuid == sid)
    _live(cloud, sid)
    dies.wait()
    shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    assert shown["OS-EXT-STS:task_state"] == "migrating"
    assert shown["OS-EXT-SRV-ATTR:host"] == SOURCE
    migration = _migration(cloud, sid)
    assert migration["status"] == "post-migrating"
    # The source is done: its guest and the migration's allocation gone.
    assert cloud.allocations(migration["uuid"]) == {}
    assert cloud.allocations(sid) == {providers[DEST]: TINY}

    _restart(agents[DEST], sid)
    migration = _settled_on(cloud, sid, DEST, providers)
    assert migration["status"] == "completed"
    assert agents[DEST].driver.power_state(sid) == 1
    assert agents[SOURCE].driver.power_state(sid) == 0
    _done(cloud, sid)
