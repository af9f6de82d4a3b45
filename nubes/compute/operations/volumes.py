"""Volumes on this host, through the volume service's attachments (the
new attach flow only: every volume mapping has an ``attachment_id``).

* **attach** (``attach_volume``): the API reserved the volume (an
  attachment without a connector), wrote the mapping and started the
  ``attach_volume`` action.  Here: the host's connector (with the
  mapping's device as ``mountpoint``) goes to ``attachment_update``, which
  answers the connection info; the driver attaches it; the mapping records
  the connection info; ``attachment_complete`` puts the volume in use.  Any
  failure deletes the attachment and the mapping (the volume is
  ``available`` again) and finishes the event with the error.
* **detach** (``detach_volume``): the API called ``begin_detaching``.
  Here: the driver detaches (a failure rolls the volume back to
  ``in-use``), then ``attachment_delete`` (the remaining attachments of
  a multiattach volume decide its status) and the mapping is dropped.
* **swap** (``swap_volume``, admins): the new volume was reserved and the
  old one is ``detaching``; the new one is connected at the old one's
  device, the mapping points at it, the old attachment is deleted.
* **boot from volume** (:func:`prepare_boot_volumes`, from the build):
  volumes the server boots with are created here when the request asked
  for a new one (``source_type`` image: a volume of ``volume_size`` made
  from the image by the volume service; blank: an empty one),
  reserved, then connected as above before the guest spawns.
* **delete** (:func:`release_all`, from the terminate): every attachment
  is deleted and the volumes marked ``delete_on_termination`` deleted.
* **moves** (:func:`hand_over` on the host a server leaves,
  :func:`take_over` on the one it arrives on): see the section below;
  across cells the target cell's mappings come without attachments
  (:func:`reserve_here` makes them before :func:`take_over`) and the cell
  a server leaves for good drops its own (:func:`release_here`).
"""
from __future__ import annotations

import logging
import time
import traceback
from typing import Any

from nubes.common.context import RequestContext
from nubes.compute import messages
from nubes.compute.operations import Host
from nubes.compute.states import TaskState, VmState
from nubes.conductor.cell.messages import event_done, fault
from nubes.volume.client import VolumeClientError

LOG = logging.getLogger(__name__)
ATTACH_EVENT = messages.ATTACH_VOLUME_EVENT
DETACH_EVENT = messages.DETACH_VOLUME_EVENT
SWAP_EVENT = "compute_swap_volume"
BUILD_EVENT = "compute__do_build_and_run_instance"
# How long a build waits for a volume it created to become available.
VOLUME_WAIT = 60.0


class VolumeError(Exception):
    """A volume could not be connected (the attach or build fails)."""


def _text(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def _client(host: Host):
    if host.volumes is None:
        raise VolumeError("no volume service is configured ([identity] volume_endpoint)")
    return host.volumes


def _kw(ctx: RequestContext) -> dict[str, Any]:
    return {"token": ctx.auth_token, "request_id": ctx.request_id}


def connect(host: Host, ctx: RequestContext, instance_uuid: str, bdm: dict) -> dict:
    """Connect the mapping's reserved volume here and complete its
    attachment; the connection info (as the mapping records it).  The
    mapping records the connection before the volume shows ``in-use``, so
    a volume in use is always one its server's record is complete for."""
    volumes = _client(host)
    connector = dict(host.driver.get_volume_connector(), mountpoint=bdm["device_name"])
    attachment = volumes.attachment_update(bdm["attachment_id"], connector, **_kw(ctx))
    info = _translate(attachment.connection_info, bdm["volume_id"])
    host.driver.attach_volume(instance_uuid, info, bdm["device_name"])
    try:
        if not host.conductor.bdm_update(ctx, bdm["uuid"], {"connection_info": info}):
            raise VolumeError(f"the mapping of volume {bdm['volume_id']} is gone")
        volumes.attachment_complete(bdm["attachment_id"], **_kw(ctx))
    except Exception:
        host.driver.detach_volume(instance_uuid, bdm["device_name"])
        raise
    return info


def _translate(info: dict, volume_id: str) -> dict:
    """The volume service's flat connection info -> the mapping's
    (``driver_volume_type`` and ``data``, ``serial`` = the volume)."""
    if not info:
        return {"serial": volume_id}
    data = {k: v for k, v in info.items() if k not in ("driver_volume_type", "attachment_id")}
    return {"driver_volume_type": info.get("driver_volume_type"), "data": data,
            "serial": volume_id}


def _forget(host: Host, ctx: RequestContext, bdm: dict) -> None:
    """A failed attach: the attachment and the mapping go (the volume is
    available again)."""
    try:
        if bdm.get("attachment_id"):
            _client(host).attachment_delete(bdm["attachment_id"], **_kw(ctx))
    except Exception:  # noqa: BLE001 - logged; an operator deletes it
        LOG.exception("could not delete attachment %s", bdm.get("attachment_id"))
    host.conductor.bdm_destroy(ctx, bdm["uuid"])


def _begin(host: Host, ctx: RequestContext, instance_uuid: str, event: str, bdm_uuid: str,
           bdm: dict | None, event_started: bool) -> dict | None:
    """The event started (unless the API did) and the mapping (as the cast
    carried it, else read; None when it is gone)."""
    if not event_started:
        host.conductor.action_event_start(ctx, instance_uuid, event, host=host.name)
    return bdm if bdm is not None else host.conductor.bdm_get(ctx, bdm_uuid)


def attach_volume(host: Host, ctx: RequestContext, *, instance_uuid: str, bdm_uuid: str,
                  bdm: dict | None = None, event_started: bool = False) -> bool:
    """``bdm`` given: the mapping as the API wrote it (if it has gone since,
    recording the connection fails and the attach is undone)."""
    with host.locks.hold(instance_uuid):
        conductor = host.conductor
        bdm = _begin(host, ctx, instance_uuid, ATTACH_EVENT, bdm_uuid, bdm, event_started)
        if bdm is None:
            conductor.action_event_finish(ctx, instance_uuid, ATTACH_EVENT, host=host.name,
                                          error="the volume mapping is gone")
            return False
        try:
            connect(host, ctx, instance_uuid, bdm)
        except Exception as exc:  # noqa: BLE001 - every failure undoes the reservation
            LOG.warning("attaching volume %s to %s failed: %s", bdm["volume_id"],
                        instance_uuid, exc)
            _forget(host, ctx, bdm)
            conductor.action_event_finish(ctx, instance_uuid, ATTACH_EVENT, host=host.name,
                                          error=_text(exc))
            return False
        conductor.action_event_finish(ctx, instance_uuid, ATTACH_EVENT, host=host.name,
                                      finish_action=True)
        LOG.info("volume %s attached to %s at %s", bdm["volume_id"], instance_uuid,
                 bdm["device_name"])
        return True


def detach_volume(host: Host, ctx: RequestContext, *, instance_uuid: str, bdm_uuid: str,
                  bdm: dict | None = None, event_started: bool = False) -> bool:
    with host.locks.hold(instance_uuid):
        conductor = host.conductor
        bdm = _begin(host, ctx, instance_uuid, DETACH_EVENT, bdm_uuid, bdm, event_started)
        if bdm is None:
            conductor.action_event_finish(ctx, instance_uuid, DETACH_EVENT, host=host.name,
                                          error="the volume mapping is gone")
            return False
        volumes = _client(host)
        try:
            host.driver.detach_volume(instance_uuid, bdm["device_name"])
        except Exception as exc:  # noqa: BLE001 - the volume stays attached
            LOG.warning("detaching volume %s from %s failed: %s", bdm["volume_id"],
                        instance_uuid, exc)
            try:
                volumes.roll_detaching(bdm["volume_id"], **_kw(ctx))
            except VolumeClientError:
                LOG.exception("could not roll back the detach of %s", bdm["volume_id"])
            conductor.action_event_finish(ctx, instance_uuid, DETACH_EVENT, host=host.name,
                                          error=_text(exc))
            return False
        try:
            volumes.attachment_delete(bdm["attachment_id"], **_kw(ctx))
        except VolumeClientError as exc:
            LOG.warning("deleting attachment %s failed: %s", bdm["attachment_id"], exc)
            conductor.action_event_finish(ctx, instance_uuid, DETACH_EVENT, host=host.name,
                                          error=_text(exc))
            return False
        if not conductor.bdm_destroy(
                ctx, bdm_uuid, finish_event=event_done(instance_uuid, DETACH_EVENT,
                                                       host=host.name)):
            # The mapping went meanwhile (the server is being deleted).
            conductor.action_event_finish(ctx, instance_uuid, DETACH_EVENT, host=host.name,
                                          finish_action=True)
        LOG.info("volume %s detached from %s", bdm["volume_id"], instance_uuid)
        return True


def swap_volume(host: Host, ctx: RequestContext, *, instance_uuid: str, bdm_uuid: str,
                new_volume_id: str, new_attachment_id: str) -> bool:
    with host.locks.hold(instance_uuid):
        conductor = host.conductor
        conductor.action_event_start(ctx, instance_uuid, SWAP_EVENT, host=host.name)
        old = conductor.bdm_get(ctx, bdm_uuid)
        volumes = _client(host)
        new = None if old is None else dict(old, volume_id=new_volume_id,
                                            attachment_id=new_attachment_id)
        try:
            if old is None:
                raise VolumeError("the volume mapping is gone")
            host.driver.detach_volume(instance_uuid, old["device_name"])
            try:
                connector = dict(host.driver.get_volume_connector(),
                                 mountpoint=old["device_name"])
                info = _translate(volumes.attachment_update(
                    new_attachment_id, connector, **_kw(ctx)).connection_info, new_volume_id)
                host.driver.attach_volume(instance_uuid, info, old["device_name"])
            except Exception:
                host.driver.attach_volume(instance_uuid, old["connection_info"] or {},
                                          old["device_name"])
                raise
            conductor.bdm_update(ctx, bdm_uuid, {"volume_id": new_volume_id,
                                                 "attachment_id": new_attachment_id,
                                                 "connection_info": info})
            volumes.attachment_complete(new_attachment_id, **_kw(ctx))
        except Exception as exc:  # noqa: BLE001 - the old volume stays
            LOG.warning("swapping a volume of %s failed: %s", instance_uuid, exc)
            _undo_swap(host, ctx, old, new_attachment_id)
            conductor.action_event_finish(ctx, instance_uuid, SWAP_EVENT, host=host.name,
                                          error=_text(exc))
            return False
        try:
            volumes.attachment_delete(old["attachment_id"], **_kw(ctx))
        except VolumeClientError:
            LOG.exception("could not delete the swapped-out attachment %s",
                          old["attachment_id"])
        conductor.action_event_finish(ctx, instance_uuid, SWAP_EVENT, host=host.name,
                                      finish_action=True)
        return new is not None


def _undo_swap(host: Host, ctx: RequestContext, old: dict | None,
               new_attachment_id: str) -> None:
    volumes = _client(host)
    for what, call in (("new attachment", lambda: volumes.attachment_delete(
                            new_attachment_id, **_kw(ctx))),
                       ("old volume", lambda: old and volumes.roll_detaching(
                            old["volume_id"], **_kw(ctx)))):
        try:
            call()
        except VolumeClientError:
            LOG.exception("undoing the swap: %s", what)


# --- moves --------------------------------------------------------------------------
#
# A server that moves takes its volumes along through their attachments,
# as nova does with cinder's: the host it leaves swaps each mapping's
# attachment for a fresh reservation of the same volume (a new attachment
# without a connector, then the old one deleted: the volume never looks
# free) and disconnects it; the host it arrives on connects the
# reservations (``attachment_update`` with its connector, then complete).
# A revert does the same the other way round.

def _volume_mappings(host: Host, ctx: RequestContext, instance_uuid: str) -> list[dict]:
    return [b for b in host.conductor.bdm_list(ctx, instance_uuid)
            if b.get("destination_type") == "volume" and b.get("attachment_id")]


def hand_over(host: Host, ctx: RequestContext, instance_uuid: str, *,
              detach: bool = True) -> int:
    """This host lets go of the server's volumes (its guest is off or
    gone); how many.  Each mapping ends up holding a reservation.
    ``detach`` False: the volumes were connected on another host, which is
    down (an evacuation takes them over from here)."""
    done = 0
    for bdm in _volume_mappings(host, ctx, instance_uuid):
        if not bdm.get("connection_info"):
            continue            # reserved already: nothing connected here
        volumes = _client(host)
        fresh = volumes.attachment_create(bdm["volume_id"], instance_uuid=instance_uuid,
                                          **_kw(ctx))
        if not host.conductor.bdm_update(ctx, bdm["uuid"], {"attachment_id": fresh.id,
                                                            "connection_info": None}):
            volumes.attachment_delete(fresh.id, **_kw(ctx))
            continue
        try:
            volumes.attachment_delete(bdm["attachment_id"], **_kw(ctx))
        except VolumeClientError:
            LOG.exception("could not delete attachment %s of %s after moving it",
                          bdm["attachment_id"], instance_uuid)
        if detach:
            host.driver.detach_volume(instance_uuid, bdm["device_name"])
        done += 1
    return done


def take_over(host: Host, ctx: RequestContext, instance_uuid: str) -> int:
    """This host connects the server's reserved volumes (before its guest
    is made here); how many."""
    done = 0
    for bdm in _volume_mappings(host, ctx, instance_uuid):
        if not bdm.get("connection_info"):
            connect(host, ctx, instance_uuid, bdm)
            done += 1
    return done


def reserve_here(host: Host, ctx: RequestContext, instance_uuid: str) -> int:
    """A move across cells: this cell's copies of the server's volume
    mappings have no attachment yet; each gets a reservation for the
    server (the source's reservation of the same volume is the same
    server's, so the volume service allows it); how many."""
    done = 0
    for bdm in host.conductor.bdm_list(ctx, instance_uuid):
        if bdm.get("destination_type") != "volume" or not bdm.get("volume_id") \
                or bdm.get("attachment_id"):
            continue
        fresh = _client(host).attachment_create(bdm["volume_id"],
                                                instance_uuid=instance_uuid, **_kw(ctx))
        if not host.conductor.bdm_update(ctx, bdm["uuid"], {"attachment_id": fresh.id}):
            _client(host).attachment_delete(fresh.id, **_kw(ctx))
            continue
        done += 1
    return done


def release_here(host: Host, ctx: RequestContext, instance_uuid: str) -> None:
    """The server leaves this cell for good (a move across cells confirmed
    at the source, reverted or failed at the target): the guest's volumes
    disconnected, this cell's attachments of them deleted (the other
    cell's keep each volume the server's), its mappings dropped.  No
    volume is deleted.  Errors are logged and skipped."""
    for bdm in host.conductor.bdm_list(ctx, instance_uuid):
        if bdm.get("destination_type") != "volume":
            continue
        if bdm.get("connection_info"):
            host.driver.detach_volume(instance_uuid, bdm["device_name"])
        try:
            if bdm.get("attachment_id"):
                _client(host).attachment_delete(bdm["attachment_id"], **_kw(ctx))
        except (VolumeError, VolumeClientError) as exc:
            LOG.warning("releasing volume %s of %s here: %s", bdm.get("volume_id"),
                        instance_uuid, exc)
    host.conductor.bdm_destroy_all(ctx, instance_uuid)


# --- boot from volume and delete ------------------------------------------------------

def _await_available(host: Host, ctx: RequestContext, volume_id: str) -> None:
    deadline = time.monotonic() + VOLUME_WAIT
    while True:
        volume = _client(host).get_volume(volume_id, **_kw(ctx))
        if volume is None:
            raise VolumeError(f"volume {volume_id} disappeared while being created")
        if volume.status == "available":
            return
        if volume.status not in ("creating", "downloading"):
            raise VolumeError(f"volume {volume_id} is {volume.status}, not available")
        if time.monotonic() > deadline:
            raise VolumeError(f"volume {volume_id} was not available after {VOLUME_WAIT}s")
        time.sleep(0.05)


def _create_volume(host: Host, ctx: RequestContext, instance_uuid: str, bdm: dict) -> dict:
    """A new volume for a mapping that asks for one (image or blank ->
    volume), reserved for the instance; the mapping as recorded."""
    volumes = _client(host)
    kind = "blank" if bdm.get("source_type") == "blank" else "image"
    volume = volumes.create_volume(int(bdm["volume_size"]),
                                   name=f"{instance_uuid}-{kind}-vol",
                                   volume_type=bdm.get("volume_type"),
                                   image_id=bdm.get("image_id") if kind == "image" else None,
                                   **_kw(ctx))
    _await_available(host, ctx, volume.id)
    attachment = volumes.attachment_create(volume.id, instance_uuid=instance_uuid,
                                           **_kw(ctx))
    values = {"volume_id": volume.id, "attachment_id": attachment.id}
    host.conductor.bdm_update(ctx, bdm["uuid"], values)
    return dict(bdm, **values)


def prepare_boot_volumes(host: Host, ctx: RequestContext, instance_uuid: str) -> int:
    """Create, reserve and connect the volumes of a server being built;
    how many.  Raises on the first failure (see :func:`abort_build`)."""
    done = 0
    for bdm in host.conductor.bdm_list(ctx, instance_uuid):
        if bdm.get("destination_type") != "volume" or bdm.get("connection_info"):
            continue
        if not bdm.get("volume_id"):
            bdm = _create_volume(host, ctx, instance_uuid, bdm)
        connect(host, ctx, instance_uuid, bdm)
        done += 1
    return done


def abort_build(host: Host, ctx: RequestContext, instance_uuid: str,
                exc: Exception) -> None:
    """A volume of a build could not be connected: the server goes to
    ERROR with a fault (no other host would do better), its claim is
    released; its volumes stay reserved until the server is deleted."""
    text = _text(exc)
    conductor = host.conductor
    try:
        conductor.instance_update(
            ctx, instance_uuid, {"vm_state": VmState.ERROR, "task_state": None},
            expected_task_state=[TaskState.SPAWNING],
            fault=fault(500, f"Build of instance {instance_uuid} aborted: {exc}"[:255],
                        host=host.name))
    except Exception:  # noqa: BLE001 - deleted meanwhile
        LOG.info("%s changed while its volumes were prepared", instance_uuid)
    conductor.action_event_finish(ctx, instance_uuid, BUILD_EVENT, host=host.name, error=text)
    try:
        host.placement.delete_allocations(instance_uuid, request_id=ctx.request_id)
    except Exception:  # noqa: BLE001
        LOG.exception("could not release the claim of %s", instance_uuid)


def release_all(host: Host, ctx: RequestContext, instance_uuid: str) -> None:
    """A deleted server's volumes: every attachment the volume service has
    for it deleted — its mappings' and any other (a move across cells
    waiting for confirmation keeps a reservation in the source cell, whose
    host may be down) — then the volumes marked ``delete_on_termination``
    deleted and the mappings dropped.  Errors are logged and skipped (the
    server is gone either way)."""
    bdms = host.conductor.bdm_list(ctx, instance_uuid)
    if not bdms:
        return
    volume_bdms = [b for b in bdms
                   if b.get("destination_type") == "volume" and b.get("volume_id")]
    held = [b["attachment_id"] for b in volume_bdms if b.get("attachment_id")]
    try:
        if volume_bdms:
            held += [a.id for a in _client(host).attachments_of(
                instance_uuid=instance_uuid, **_kw(ctx)) if a.id not in held]
    except (VolumeError, VolumeClientError) as exc:
        LOG.warning("listing the attachments of deleted %s: %s", instance_uuid, exc)
    for attachment_id in held:
        try:
            _client(host).attachment_delete(attachment_id, **_kw(ctx))
        except (VolumeError, VolumeClientError) as exc:
            LOG.warning("deleting attachment %s of deleted %s: %s", attachment_id,
                        instance_uuid, exc)
    for bdm in volume_bdms:
        try:
            if bdm.get("delete_on_termination"):
                _client(host).delete_volume(bdm["volume_id"], **_kw(ctx))
        except (VolumeError, VolumeClientError) as exc:
            LOG.warning("deleting volume %s of deleted %s: %s", bdm["volume_id"],
                        instance_uuid, exc)
    host.conductor.bdm_destroy_all(ctx, instance_uuid)
