"""One compute host: its service record, liveness, RPC server and resource
sync, started and stopped as a unit.

::

    agent = ComputeAgent(conf, "cell1-c1", transport=cell_bus, placement=client)
    agent.start()      # register (waits for a cell conductor), sync, listen
    ...
    agent.stop()       # stop listening and reporting; the record stays

Start-up order: the driver's ``init_host``; the service record
(``nova-compute``, topic ``compute``) through the cell conductor, which the
agent waits for if none answers yet; a first resource sync (a failure is
logged and retried by the periodic sync, as when placement is down); then
the RPC server (topic ``compute``, server = host) and two periodic jobs:

* the liveness report every ``report_interval`` seconds; its answer is the
  service record, so a change of ``disabled`` (an operator disabling the
  service) reaches the resource tracker within one interval;
* the resource sync every ``update_resources_interval`` seconds.

A host holds no database credentials: everything it writes to its cell
goes through the cell conductor.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

from nubes.common import rpc
from nubes.common.context import RequestContext
from nubes.common.log import request_id_var
from nubes.common.periodic import Periodic
from nubes.compute.endpoint import ComputeEndpoint
from nubes.compute.messages import BINARY, SERVICE_VERSION, TOPIC, HostStatus, NodeStatus
from nubes.compute.operations import Host, evacuate, live_migration, resize, shelve
from nubes.compute.operations import reconcile as reconcile_ops
from nubes.compute.operations import power_sync, soft_delete
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.resource_tracker import ResourceTracker, SyncResult
from nubes.compute.virt import load_driver
from nubes.compute.virt.driver import Driver
from nubes.conductor.cell.messages import ServiceNotFound, RegisteredService
from nubes.conductor.cell.rpcapi import CellConductorAPI
from nubes.image.client import ImageClient
from nubes.placement.client import PlacementClient
from nubes.volume.client import VolumeClient

LOG = logging.getLogger(__name__)
REGISTER_TIMEOUT = 10.0     # seconds one registration attempt waits for a conductor
MAX_WAIT_INTERVAL = 10.0    # longest pause between attempts
# Seconds stop() waits for a periodic run under way: one blocked on a call
# to a conductor that has gone would otherwise hold it for the whole RPC
# timeout.  The run is abandoned (its thread is a daemon).
STOP_WAIT = 5.0


class AgentStopped(Exception):
    """The agent was stopped while it was still starting."""


class ComputeAgent:
    def __init__(self, conf: Any, host: str, *, transport: rpc.Transport,
                 placement: PlacementClient, driver: Driver | None = None,
                 conductor: CellConductorAPI | None = None):
        self.conf = conf
        self.host = host
        self.transport = transport
        self.driver = driver if driver is not None else load_driver(conf, host)
        self.conductor = conductor or CellConductorAPI(transport)
        self.tracker = ResourceTracker(conf, host, self.driver, self.conductor, placement)
        self.service: RegisteredService | None = None
        # What the instance operations work with (the endpoint's and the
        # periodic reclaim's).
        self.ops = Host(host, self.driver, self.conductor, placement,
                        images=ImageClient.from_conf(conf), peers=ComputeAPI(transport),
                        live_controls=live_migration.Controls(),
                        volumes=VolumeClient.from_conf(conf))
        self._server = rpc.RPCServer(transport, TOPIC, host, [ComputeEndpoint(self)],
                                     conf=conf)
        self._heartbeat = Periodic(f"report {host}", conf.report_interval, self._report)
        # The first periodic sync comes at a random point of the interval, so
        # many hosts started together do not all sync at the same moments.
        self._resources = Periodic(f"resources {host}", conf.update_resources_interval,
                                   self.update_available_resource,
                                   initial_delay=random.uniform(
                                       0.5, 1.0) * conf.update_resources_interval)
        # Soft-deleted instances older than reclaim_instance_interval are
        # deleted, shelved ones older than shelved_offload_time offloaded,
        # moves waiting longer than resize_confirm_window confirmed; checked
        # as often as the shortest asks (at least every minute).
        waits = [w for w in (conf.reclaim_instance_interval, conf.shelved_offload_time,
                             conf.resize_confirm_window) if w > 0]
        self._reclaim = Periodic(f"housekeeping {host}", min(waits + [60]),
                                 self._housekeeping) if waits else None
        # Power states from the driver to the cell database (a guest that
        # stopped on its own); first run after one interval.
        interval = conf.sync_power_state_interval
        self._power_sync = Periodic(f"power sync {host}", interval, self.sync_power_states,
                                    initial_delay=interval) if interval > 0 else None
        # Set by stop(); a signal handler may set it to abort a start.
        self.stop_requested = threading.Event()
        self._lifecycle = threading.Lock()

    # --- life cycle ----------------------------------------------------------------

    def start(self, *, conductor_wait: float | None = None) -> "ComputeAgent":
        """Start the host; ``conductor_wait`` bounds the wait for a cell
        conductor (None: wait until one answers or :meth:`stop`)."""
        self.driver.init_host()
        self._set_service(self._register(conductor_wait))
        try:
            self.update_available_resource()
        except Exception:  # noqa: BLE001 - the periodic sync tries again
            LOG.exception("host %s: first resource sync failed", self.host)
        with self._lifecycle:
            if self.stop_requested.is_set():
                raise AgentStopped(f"{self.host} was stopped while starting")
            self._server.start()
            self._heartbeat.start()
            self._resources.start()
            for job in (self._reclaim, self._power_sync):
                if job is not None:
                    job.start()
            # Clean-up after evacuations and the reconcile talk to the cell
            # conductor and placement: off the start path, so a host that
            # cannot reach them still starts, and stops, at once.
            threading.Thread(target=self._after_start, name=f"after-start {self.host}",
                             daemon=True).start()
        LOG.info("compute host %s started (service %s%s)", self.host, self.service.uuid,
                 ", disabled" if self.service.disabled else "")
        return self

    def stop(self) -> None:
        self.stop_requested.set()
        with self._lifecycle:
            self._heartbeat.stop(timeout=STOP_WAIT)
            self._resources.stop(timeout=STOP_WAIT)
            for job in (self._reclaim, self._power_sync):
                if job is not None:
                    job.stop(timeout=STOP_WAIT)
            self._server.stop()
        if self.ops.images is not None:
            self.ops.images.close()
        LOG.info("compute host %s stopped", self.host)

    def __enter__(self) -> "ComputeAgent":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what the endpoint and the periodic jobs run --------------------------------

    def update_available_resource(self, ctx: RequestContext | None = None) -> SyncResult:
        if ctx is None:  # a periodic run: its own request id, in its log lines too
            ctx = self._context()
            token = request_id_var.set(ctx.request_id)
            try:
                return self.update_available_resource(ctx)
            finally:
                request_id_var.reset(token)
        result = self.tracker.update_available_resource(ctx)
        if not result.ok:
            LOG.warning("host %s: %d of %d nodes failed to sync", self.host,
                        len(result.failed), len(result.failed) + len(result.synced))
        return result

    def _after_start(self) -> None:
        if not self.stop_requested.is_set():
            self.destroy_evacuated()
        if not self.stop_requested.is_set():
            self.reconcile()

    def reconcile(self) -> reconcile_ops.Reconciled:
        """Guests and allocations lined up with the cell database (at start)."""
        nodes = {n.nodename: n.uuid for n in self.status().nodes}
        try:
            return reconcile_ops.reconcile(self.ops, self._context(), nodes)
        except Exception:  # noqa: BLE001 - the next start tries again
            LOG.exception("host %s: reconciling its instances failed", self.host)
            return reconcile_ops.Reconciled()

    def destroy_evacuated(self) -> int:
        """Clean up after servers evacuated away while this host was down
        (run at start)."""
        try:
            return evacuate.destroy_evacuated(self.ops, self._context())
        except Exception:  # noqa: BLE001 - the next start tries again
            LOG.exception("host %s: cleaning up after evacuations failed", self.host)
            return 0

    def _housekeeping(self) -> None:
        ctx = self._context()
        token = request_id_var.set(ctx.request_id)
        try:
            if self.conf.reclaim_instance_interval > 0:
                soft_delete.reclaim(self.ops, ctx, self.conf.reclaim_instance_interval)
            if self.conf.shelved_offload_time > 0:
                shelve.offload_shelved(self.ops, ctx, self.conf.shelved_offload_time)
            if self.conf.resize_confirm_window > 0:
                resize.confirm_due(self.ops, ctx, self.conf.resize_confirm_window)
        finally:
            request_id_var.reset(token)

    def sync_power_states(self) -> power_sync.Synced:
        """The periodic power-state sync (also run by tests)."""
        ctx = self._context()
        token = request_id_var.set(ctx.request_id)
        try:
            return power_sync.sync_power_states(self.ops, ctx)
        except Exception:  # noqa: BLE001 - the next run tries again
            LOG.exception("host %s: the power-state sync failed", self.host)
            return power_sync.Synced()
        finally:
            request_id_var.reset(token)

    def set_disabled(self, ctx: RequestContext, disabled: bool) -> SyncResult:
        """Act on the service's disabled flag now (the API changed it)."""
        self.tracker.disabled = disabled
        return self.update_available_resource(ctx)

    def status(self) -> HostStatus:
        return HostStatus(
            host=self.host, service_id=self.service.id if self.service else None,
            disabled=self.tracker.disabled,
            nodes=[NodeStatus(name, record.uuid)
                   for name, record in sorted(self.tracker.nodes.items())])

    # --- service record and liveness --------------------------------------------------

    def _context(self) -> RequestContext:
        return RequestContext.admin(self.conf)

    def _register(self, wait: float | None) -> RegisteredService:
        deadline = None if wait is None else time.monotonic() + wait
        pause = 0.2
        while True:
            timeout = REGISTER_TIMEOUT
            if deadline is not None:
                timeout = max(0.1, min(timeout, deadline - time.monotonic()))
            try:
                return self.conductor.service_register(
                    self._context(), host=self.host, binary=BINARY, topic=TOPIC,
                    version=SERVICE_VERSION, timeout=timeout)
            except (rpc.MessagingTimeout, rpc.DeliveryFailure) as exc:
                if deadline is not None and time.monotonic() + pause >= deadline:
                    raise
                LOG.warning("host %s: waiting for a cell conductor: %s", self.host, exc)
            if self.stop_requested.wait(pause):
                raise AgentStopped(f"{self.host} was stopped while starting")
            pause = min(pause * 2, MAX_WAIT_INTERVAL)

    def _set_service(self, record: RegisteredService) -> bool:
        """Adopt the service record; True if the tracker has something new
        to act on (the disabled flag, or a new record after a re-register)."""
        changed = (self.service is None or record.id != self.service.id
                   or record.disabled != self.tracker.disabled)
        self.service = record
        self.tracker.service_id = record.id
        self.tracker.disabled = record.disabled
        return changed

    def _report(self) -> None:
        ctx = self._context()
        try:
            record = self.conductor.service_report(ctx, self.service.id)
        except ServiceNotFound:
            LOG.warning("service record of %s was deleted; registering again", self.host)
            record = self._register(wait=REGISTER_TIMEOUT)
        except rpc.MessagingError as exc:
            LOG.warning("host %s could not report liveness: %s", self.host, exc)
            return
        if self._set_service(record):
            LOG.info("host %s: service record changed (%s); syncing resources", self.host,
                     "disabled" if record.disabled else "enabled")
            self._resources.trigger()
