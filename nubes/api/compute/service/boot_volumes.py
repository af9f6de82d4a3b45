"""``block_device_mapping_v2`` of ``POST /servers``: what a server boots
with beyond (or instead of) its image.

:func:`plan` checks the mappings (OpenStack compute's rules) and turns
them into block device mapping rows:

* ``source_type=volume`` (``destination_type=volume``): an existing
  volume, the root disk at ``boot_index`` 0; one server only;
* ``source_type=image, destination_type=volume`` (``volume_size``,
  ``delete_on_termination``): the host asks the volume service for a
  volume of that size made from the image (its data written in, the
  volume bootable, the image's metadata on it);
* ``source_type=blank, destination_type=volume``: a new empty volume;
* ``source_type=blank, destination_type=local``: swap
  (``guest_format=swap``, MB, at most the flavor's) or an ephemeral disk
  (GB; together at most the flavor's ephemeral disk);
* ``source_type=image, destination_type=local`` at boot index 0: the
  image as the local root disk (what a plain ``imageRef`` does).

:func:`reserve` reserves the existing volumes for one server
(``attachment_create`` without a connector, before the build request is
written); :func:`unreserve` gives them back when the create fails.  The
host connects every volume before the guest spawns
(``nubes.compute.operations.volumes``).
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any

from nubes.api.compute import exceptions as exc
from nubes.api.compute.state import ComputeState
from nubes.common import local_disks
from nubes.common.context import RequestContext
from nubes.volume.client import VolumeClientError, VolumeUnavailable

LOG = logging.getLogger(__name__)
MAX_MAPPINGS = 64
ROOT_DEVICE = "/dev/vda"
_LETTERS = "bcdefghijklmnopqrstuvwxyz"


@dataclasses.dataclass
class Plan:
    rows: list[dict[str, Any]]          # block device mapping rows (no uuid yet)
    is_bfv: bool                        # the root disk is a volume
    image_id: str | None                # the image the server boots from, if any

    @property
    def existing_volumes(self) -> list[str]:
        return [r["volume_id"] for r in self.rows if r["source_type"] == "volume"]


def _invalid(why: str) -> exc.Invalid:
    return exc.Invalid(f"Block Device Mapping is Invalid: {why}")


def _int(value: Any, what: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _invalid(f"{what} '{value}' is not an integer.") from None
    if number < -1 or number > 2**31 - 1:
        raise _invalid(f"{what} '{value}' is out of range.")
    return number


def _row(bdm: dict[str, Any], boolish) -> dict[str, Any]:
    source = bdm.get("source_type")
    dest = bdm.get("destination_type") or ("volume" if source == "volume" else "local")
    boot_index = _int(bdm.get("boot_index"), "boot_index")
    row = {"source_type": source, "destination_type": dest,
           "boot_index": None if boot_index is not None and boot_index < 0 else boot_index,
           "volume_size": _int(bdm.get("volume_size"), "volume_size"),
           "delete_on_termination": boolish(bdm.get("delete_on_termination", False)),
           "device_name": bdm.get("device_name") or None,
           "guest_format": bdm.get("guest_format"), "disk_bus": bdm.get("disk_bus"),
           "device_type": bdm.get("device_type"), "tag": bdm.get("tag"),
           "volume_type": bdm.get("volume_type"), "volume_id": None, "image_id": None}
    uuid = bdm.get("uuid")
    if source == "volume":
        if not uuid or dest != "volume":
            raise _invalid("a volume mapping needs the volume's uuid and "
                           "destination_type volume.")
        row["volume_id"] = uuid
    elif source == "image":
        if not uuid:
            raise _invalid("an image mapping needs the image's uuid.")
        row["image_id"] = uuid
    elif source == "snapshot":
        raise _invalid("booting from a volume snapshot is not supported yet.")
    elif source == "blank" and uuid:
        raise _invalid("a blank mapping takes no uuid.")
    if dest == "volume" and source in ("image", "blank") and not row["volume_size"]:
        raise _invalid(f"a new volume from {source} needs volume_size.")
    return row


def _check_local(rows: list[dict], flavor) -> None:
    swaps = [r for r in rows if r["destination_type"] == "local"
             and r["source_type"] == "blank" and r["guest_format"] == "swap"]
    ephemerals = [r for r in rows if r["destination_type"] == "local"
                  and r["source_type"] == "blank" and r["guest_format"] != "swap"]
    if len(swaps) > 1:
        raise _invalid("more than one swap drive requested.")
    if swaps and (swaps[0]["volume_size"] or 0) > int(flavor.swap or 0):
        raise exc.Invalid("Swap drive requested is larger than instance type allows.")
    if sum(r["volume_size"] or 0 for r in ephemerals) > int(flavor.ephemeral_gb or 0):
        raise exc.Invalid("Ephemeral disks requested are larger than the instance "
                          "type allows.")


def _name_devices(rows: list[dict], flavor) -> None:
    """Rows without a device get the first free one; the flavor's own
    ephemeral and swap disks (when no row stands for them) keep theirs."""
    used = {r["device_name"] for r in rows if r["device_name"]}
    local = set()
    if not any(r["destination_type"] == "local" and r["source_type"] == "blank"
               for r in rows):
        local = {name for name in local_disks.local_devices(
            flavor.ephemeral_gb, flavor.swap).values() if name}
    free = (f"/dev/vd{c}" for c in _LETTERS if f"/dev/vd{c}" not in used | local)
    for row in rows:
        if row["device_name"]:
            continue
        if row["boot_index"] == 0 and ROOT_DEVICE not in used:
            row["device_name"] = ROOT_DEVICE
            used.add(ROOT_DEVICE)
            continue
        try:
            row["device_name"] = next(free)
        except StopIteration:
            raise _invalid("too many disks requested.") from None


def plan(bdms: list[dict], image_id: str | None, flavor, max_count: int,
         boolish) -> Plan:
    """The rows a server of this request gets; 400 for what OpenStack
    compute refuses."""
    if len(bdms) > MAX_MAPPINGS:
        raise _invalid(f"more than {MAX_MAPPINGS} block device mappings.")
    rows = [_row(b, boolish) for b in bdms]
    roots = [r for r in rows if r["boot_index"] == 0]
    if len(roots) > 1:
        raise _invalid("Boot sequence for the instance and image/block device mapping "
                       "combination is not valid.")
    root = roots[0] if roots else None
    if root is not None and root["destination_type"] == "local":
        if root["source_type"] != "image" or (image_id and root["image_id"] != image_id):
            raise _invalid("the local root disk must be the image (imageRef).")
        rows.remove(root)       # the plain image root, as imageRef alone
        image_id = root["image_id"]
        root = None
    is_bfv = root is not None
    if not is_bfv and not image_id:
        raise exc.Invalid("Missing imageRef attribute: give an image, or a block device "
                          "mapping with boot_index 0.")
    if any(r["source_type"] == "volume" for r in rows) and max_count > 1:
        raise exc.Invalid("Cannot attach one or more volumes to multiple instances")
    if rows and any(r["volume_id"] for r in rows):
        ids = [r["volume_id"] for r in rows if r["volume_id"]]
        if len(set(ids)) != len(ids):
            raise _invalid("the same volume is mapped twice.")
    _check_local(rows, flavor)
    _name_devices(rows, flavor)
    if is_bfv:
        image_id = root["image_id"]     # an image -> volume root (None: a volume)
    return Plan(rows, is_bfv, image_id)


def _kw(ctx: RequestContext) -> dict[str, Any]:
    return {"token": ctx.auth_token, "request_id": ctx.request_id}


def check_volumes(state: ComputeState, ctx: RequestContext, planned: Plan,
                  multiattach_ok: bool) -> None:
    """The existing volumes are there and free (400 otherwise)."""
    if not planned.existing_volumes:
        return
    if state.volumes is None:
        raise exc.Unavailable("The volume service is not configured "
                              "([identity] volume_endpoint).")
    for volume_id in planned.existing_volumes:
        try:
            volume = state.volumes.get_volume(volume_id, **_kw(ctx))
        except VolumeUnavailable as err:
            raise exc.Unavailable(f"The volume service did not answer: {err}") from None
        if volume is None:
            raise _invalid(f"failed to get volume {volume_id}.")
        if volume.multiattach and not multiattach_ok:
            raise exc.Invalid("Multiattach volumes are only supported starting with "
                              "compute API version 2.60.")
        if volume.status != "available" and not volume.multiattach:
            raise exc.Invalid(f"Invalid volume: volume {volume_id} status must be "
                              f"available, but the current status is {volume.status}.")
        for row in planned.rows:
            if row["volume_id"] == volume_id and not row["volume_size"]:
                row["volume_size"] = volume.size


def reserve(state: ComputeState, ctx: RequestContext, planned: Plan,
            instance_uuid: str) -> list[dict]:
    """The server's rows with the existing volumes reserved for it
    (``attachment_id`` set); on a refusal the ones made are deleted."""
    rows = [dict(r) for r in planned.rows]
    try:
        for row in rows:
            if row["source_type"] == "volume":
                row["attachment_id"] = state.volumes.attachment_create(
                    row["volume_id"], instance_uuid=instance_uuid, **_kw(ctx)).id
    except VolumeUnavailable as err:
        unreserve(state, ctx, rows)
        raise exc.Unavailable(f"The volume service did not answer: {err}") from None
    except VolumeClientError as err:
        unreserve(state, ctx, rows)
        raise exc.Invalid(f"Invalid volume: {err}") from None
    return rows


def unreserve(state: ComputeState, ctx: RequestContext, rows: list[dict]) -> None:
    for row in rows:
        if row.get("attachment_id"):
            try:
                state.volumes.attachment_delete(row["attachment_id"], **_kw(ctx))
            except VolumeClientError as err:
                LOG.warning("could not delete attachment %s: %s", row["attachment_id"], err)


def release_instance(state: ComputeState, ctx: RequestContext, uuid: str,
                     rows: list[dict] = ()) -> None:
    """A server deleted where no host will do it (a build request, a local
    delete): every attachment the volume service has for it deleted, and
    the volumes of ``rows`` marked ``delete_on_termination`` deleted."""
    if state.volumes is None:
        return
    try:
        for attachment in state.volumes.attachments_of(instance_uuid=uuid, **_kw(ctx)):
            state.volumes.attachment_delete(attachment.id, **_kw(ctx))
        for row in rows:
            if row.get("delete_on_termination") and row.get("volume_id"):
                state.volumes.delete_volume(row["volume_id"], **_kw(ctx))
    except VolumeClientError as err:
        LOG.warning("could not release the volumes of deleted %s: %s", uuid, err)
