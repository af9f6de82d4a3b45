"""Creating servers: flow step 1 (``POST /servers``).

1. resolve what the request names: the flavor (visible to the project),
   the image (through the image API: :mod:`nubes.image.client`), the key
   pair, the server group and its members' hosts;
2. check the requested availability zone (400 unless it is available or
   the default zone) and counted quota (:mod:`quota`): ``max_count``
   shrinks to what fits, but not below ``min_count`` (403 otherwise);
3. **one API-database transaction** for every instance of the request:
   the project's quota lock and counted quota again (what fits *now*, no
   other create of the project in between: this decides the count), then
   build request + request spec + instance mapping (no cell), and the
   server-group memberships (403 when they would pass the group's
   ``server_group_members`` quota: the transaction is rolled back);
4. after the commit, **one cast** ``schedule_and_build_instances`` to the
   super-conductor on the API-level bus.

Nothing is written when a check fails; the scheduler's answer comes later
(the server goes ACTIVE in a cell, or ERROR in cell0 with a fault).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import re
import secrets
import string
import uuid as uuidlib
from typing import Any

from nubes.api.compute import exceptions as exc
from nubes.api.compute.schemas import server_create as create_schema
from nubes.api.compute.service import availability_zones, boot_volumes, metadata_quota, quota
from nubes.api.compute.service import server_groups as group_service
from nubes.api.compute.state import ComputeState
from nubes.cells.repo import (
    build_requests,
    flavors,
    instance_mappings,
    instances,
    key_pairs,
    server_groups,
)
from nubes.common.context import RequestContext
from nubes.common.rpc.postcommit import PostCommitCasts
from nubes.common.timeutils import utcnow
from nubes.compute.states import PowerState, TaskState, VmState
from nubes.conductor.super.rpcapi import SuperConductorAPI
from nubes.image.client import Image, ImageClientError, ImageUnavailable
from nubes.scheduler.messages import Destination, Flavor, RequestSpec, ServerGroup

LOG = logging.getLogger(__name__)

_PASSWORD_CHARS = string.ascii_letters + string.digits


@dataclasses.dataclass
class CreateRequest:
    """``POST /servers`` as the handler parsed it."""
    name: str
    flavor_ref: str
    image_id: str | None
    min_count: int = 1
    max_count: int = 1
    networks: Any = None                 # "auto", "none", [] (recorded only)
    availability_zone: str | None = None
    forced_host: str | None = None       # admin: az:host[:node], or 2.74 host
    forced_node: str | None = None
    key_name: str | None = None
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    user_data: str | None = None
    description: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    hostname: str | None = None          # unset: derived from each server's name
    scheduler_hints: dict[str, Any] = dataclasses.field(default_factory=dict)
    admin_pass: str | None = None
    config_drive: bool = False
    auto_disk_config: bool = False
    access_ip_v4: str | None = None
    access_ip_v6: str | None = None
    # block_device_mapping_v2 as given (checked by boot_volumes.plan).
    block_devices: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    multiattach_ok: bool = False         # 2.60+


@dataclasses.dataclass
class Created:
    uuids: list[str]
    reservation_id: str
    admin_pass: str | None


def _random_text(alphabet: str, length: int) -> str:
    """``length`` characters of ``alphabet`` (at most 256), uniformly, from
    one read of the system's randomness (``secrets.choice`` reads it once
    per character).  Bytes past the last whole multiple of the alphabet's
    size are skipped, so no character is likelier than another."""
    size = len(alphabet)
    usable = 256 - 256 % size
    out: list[str] = []
    while len(out) < length:
        out.extend(alphabet[b % size] for b in secrets.token_bytes(2 * length)
                   if b < usable)
    return "".join(out[:length])


def new_reservation_id() -> str:
    return "r-" + _random_text(string.ascii_lowercase + string.digits, 8)


def new_password() -> str:
    """A generated admin password (create, rescue)."""
    return _random_text(_PASSWORD_CHARS, 12)


# --- resolving what the request names ----------------------------------------------------

def _image(state: ComputeState, ctx: RequestContext, image_id: str | None) -> Image | None:
    if not image_id:
        raise exc.Invalid("Missing imageRef attribute: give an image, or a block device "
                          "mapping with boot_index 0.")
    if state.images is None:
        raise exc.Unavailable("The image service is not configured "
                              "([image_client] endpoint).")
    try:
        # Across the process boundary: the image API, with the caller's token.
        image = state.images.get_image(image_id, token=ctx.auth_token,
                                       request_id=ctx.request_id)
    except ImageUnavailable as err:
        raise exc.Unavailable(f"The image service did not answer: {err}") from None
    except ImageClientError as err:
        raise exc.Invalid(f"Image {image_id} could not be read: {err}") from None
    if image is None:
        raise exc.Invalid(f"Image {image_id} could not be found.")
    if image.status != "active":
        raise exc.Invalid(f"Image {image_id} is not active.")
    return image


# What a rebuild checks as a create does.
active_image = _image


def check_image_fits(image: Image, memory_mb: int, root_gb: int) -> None:
    """400 when a flavor of that size is too small for the image."""
    if image.min_ram and memory_mb < image.min_ram:
        raise exc.Invalid("Flavor's memory is too small for requested image.")
    if image.min_disk and root_gb and root_gb < image.min_disk:
        raise exc.Invalid("Flavor's disk is too small for requested image.")


def _member_hosts(state: ComputeState, members: tuple[str, ...]) -> list[str]:
    """The hosts the group's members run on (one entry per member)."""
    if not members:
        return []
    cells_by_id = {c.id: c for c in state.cells.cells()}
    where = state.api_db.read(lambda conn: instance_mappings.cells_of(conn, members))
    by_cell: dict[int, list[str]] = {}
    for uuid, cell_id in where.items():
        if cell_id is not None and cell_id in cells_by_id:
            by_cell.setdefault(cell_id, []).append(uuid)
    hosts = []
    for cell_id, uuids in by_cell.items():
        db = state.cells.database(cells_by_id[cell_id])
        for uuid in uuids:
            row = db.read(lambda conn, u=uuid: instances.get(conn, u))
            if row and not row.get("deleted") and row.get("host"):
                hosts.append(row["host"])
    return hosts


@dataclasses.dataclass
class _Resolved:
    flavor: Any
    image: Image | None        # None: booted from an existing volume
    key: Any
    group: Any
    limits: dict[str, int]     # the project's quota limits
    volumes: boot_volumes.Plan | None = None   # block_device_mapping_v2

    @property
    def is_bfv(self) -> bool:
        return self.volumes is not None and self.volumes.is_bfv


def _resolve_disks(state: ComputeState, ctx: RequestContext, req: CreateRequest,
                   flavor) -> tuple[Image | None, boot_volumes.Plan | None]:
    """The image and the block device mappings (checked, the existing
    volumes looked at)."""
    if not req.block_devices:
        image = _image(state, ctx, req.image_id)
        check_image_fits(image, flavor.memory_mb, flavor.root_gb)
        return image, None
    planned = boot_volumes.plan(req.block_devices, req.image_id, flavor, req.max_count,
                                boolish=create_schema.boolish)
    image = _image(state, ctx, planned.image_id) if planned.image_id else None
    if image is not None and not planned.is_bfv:
        check_image_fits(image, flavor.memory_mb, flavor.root_gb)
    elif image is not None:
        check_image_fits(image, flavor.memory_mb, 0)
        root = next(r for r in planned.rows if r["boot_index"] == 0)
        if image.min_disk and (root["volume_size"] or 0) < image.min_disk:
            raise exc.Invalid("Volume is smaller than the minimum size specified in image "
                              "metadata.")
    boot_volumes.check_volumes(state, ctx, planned, req.multiattach_ok)
    return image, planned


def _resolve(state: ComputeState, ctx: RequestContext, req: CreateRequest) -> _Resolved:
    def work(conn):
        flavor = flavors.get(conn, req.flavor_ref, visible_to=ctx.project_id,
                             admin=ctx.is_admin)
        key = key_pairs.get(conn, ctx.user_id, req.key_name) if req.key_name else None
        group_uuid = req.scheduler_hints.get("group")
        group = server_groups.get(conn, group_uuid) if group_uuid else None
        return flavor, key, group, group_uuid, quota.limits_in(conn, state, ctx.project_id)
    flavor, key, group, group_uuid, limits = state.api_db.read(work)
    if flavor is None:
        raise exc.Invalid(f"Flavor {req.flavor_ref} could not be found.")
    if flavor.disabled:
        raise exc.Invalid(f"Flavor {req.flavor_ref} is disabled.")
    if req.key_name and key is None:
        raise exc.Invalid("Invalid key_name provided.")
    if group_uuid and (group is None or (not ctx.is_admin
                                         and group.project_id != ctx.project_id)):
        raise exc.Invalid(f"Invalid server group {group_uuid}: not found.")
    image, volumes = _resolve_disks(state, ctx, req, flavor)
    return _Resolved(flavor, image, key, group, limits, volumes)


# --- the create ------------------------------------------------------------------------

def _spec(ctx: RequestContext, req: CreateRequest, r: _Resolved, count: int,
          group: ServerGroup | None) -> RequestSpec:
    f = r.flavor
    destination = None
    if req.forced_host or req.forced_node:
        destination = Destination(host=req.forced_host, node=req.forced_node)
    hints = {k: v for k, v in req.scheduler_hints.items()}
    return RequestSpec(
        flavor=spec_flavor(f),
        project_id=ctx.project_id, user_id=ctx.user_id,
        image_properties=dict(r.image.properties) if r.image else {},
        availability_zone=req.availability_zone, scheduler_hints=hints,
        server_group=group, num_instances=count, requested_destination=destination,
        is_bfv=r.is_bfv)


def spec_flavor(f) -> Flavor:
    """The scheduler's view of a flavor record (create and resize)."""
    return Flavor(vcpus=f.vcpus, memory_mb=f.memory_mb, root_gb=f.root_gb,
                  ephemeral_gb=f.ephemeral_gb, swap=f.swap, extra_specs=dict(f.extra_specs),
                  name=f.name, flavorid=f.flavorid)


def _flavor_json(f) -> str:
    return json.dumps({"name": f.name, "flavorid": f.flavorid, "vcpus": f.vcpus,
                       "memory_mb": f.memory_mb, "root_gb": f.root_gb,
                       "ephemeral_gb": f.ephemeral_gb, "swap": f.swap,
                       "extra_specs": dict(f.extra_specs)})


def _instance(ctx: RequestContext, req: CreateRequest, r: _Resolved, *, name: str,
              hostname: str, index: int, reservation_id: str, now) -> dict[str, Any]:
    f = r.flavor
    return {
        "display_name": name, "display_description": req.description,
        "hostname": hostname, "user_id": ctx.user_id,
        "vm_state": VmState.BUILDING, "task_state": TaskState.SCHEDULING,
        "power_state": PowerState.NOSTATE, "progress": 0,
        "image_ref": "" if r.is_bfv else r.image.id, "flavor": _flavor_json(f),
        "vcpus": f.vcpus, "memory_mb": f.memory_mb, "root_gb": f.root_gb,
        "ephemeral_gb": f.ephemeral_gb,
        "availability_zone": req.availability_zone,
        "reservation_id": reservation_id, "launch_index": index,
        "key_name": req.key_name, "key_data": r.key.public_key if r.key else None,
        "user_data": req.user_data, "config_drive": "True" if req.config_drive else "",
        "access_ip_v4": req.access_ip_v4, "access_ip_v6": req.access_ip_v6,
        "auto_disk_config": req.auto_disk_config, "locked": False,
        "metadata": dict(req.metadata), "created_at": now, "updated_at": None,
    }


_HOSTNAME_BAD = re.compile(r"[^a-z0-9.-]+")


def hostname_from(name: str) -> str:
    """What a server named ``name`` is called inside (as OpenStack compute
    derives it: lower case, spaces and underscores to dashes, the rest
    dropped, at most 63 characters)."""
    text = _HOSTNAME_BAD.sub("", re.sub(r"[ _]", "-", name.lower()))
    text = text.strip(".-")[:63].rstrip(".-")
    return text or "server"


def _within_request_cap(state: ComputeState, min_count: int, count: int) -> int:
    """``count`` bounded by ``[api] max_servers_per_request`` (quota bounds
    it too, but not when the project's quota is unlimited): nothing after
    this does work in proportion to a number the caller chose."""
    cap = state.conf.api.max_servers_per_request
    if min_count > cap:
        raise exc.Invalid(f"min_count ({min_count}) is more than the {cap} servers one "
                          "request may create.")
    return min(count, cap)


@dataclasses.dataclass
class _Plan:
    """What one create writes: its servers' uuids, their request spec and
    per server (uuid, instance values, request spec as stored)."""
    uuids: list[str]
    spec: RequestSpec
    rows: list[tuple[str, dict[str, Any], dict[str, Any]]]


def _plan(ctx: RequestContext, req: CreateRequest, r: _Resolved, group: ServerGroup | None,
          count: int, reservation_id: str) -> _Plan:
    uuids = [str(uuidlib.uuid4()) for _ in range(count)]
    spec = _spec(ctx, req, r, count, group)
    image = {} if r.image is None else {
        "id": r.image.id, "name": r.image.name, "min_ram": r.image.min_ram,
        "min_disk": r.image.min_disk, "properties": dict(r.image.properties)}
    now = utcnow()
    rows = []
    for index, uuid in enumerate(uuids):
        name = f"{req.name}-{index + 1}" if count > 1 else req.name
        hostname = req.hostname or hostname_from(
            f"{req.name}-{index + 1}" if req.max_count > 1 else req.name)
        instance = _instance(ctx, req, r, name=name, hostname=hostname, index=index,
                             reservation_id=reservation_id, now=now)
        spec_dict = dict(spec.to_dict(), instance_uuid=uuid, image=image,
                         networks=req.networks, reservation_id=reservation_id)
        rows.append((uuid, instance, spec_dict))
    return _Plan(uuids, spec, rows)


def create(state: ComputeState, ctx: RequestContext, req: CreateRequest) -> Created:
    if state.api_transport is None:
        raise exc.Unavailable("Servers cannot be created: [DEFAULT] transport_url (the "
                              "API-level bus) is not set.")
    r = _resolve(state, ctx, req)
    if req.availability_zone and not (req.forced_host or req.forced_node):
        availability_zones.check_requested(state, ctx, req.availability_zone)
    limits = r.limits
    metadata_quota.check(limits, len(req.metadata))
    wanted = quota.Request(req.min_count, req.max_count, r.flavor.vcpus, r.flavor.memory_mb)
    # A quick refusal without the lock; the number written is decided below.
    count = quota.allowed_count(state, ctx, ctx.project_id, wanted, found=limits)
    count = _within_request_cap(state, req.min_count, count)

    group = None
    if r.group is not None:
        group = ServerGroup(uuid=r.group.uuid, policy=r.group.policy or "",
                            hosts=_member_hosts(state, r.group.members),
                            members=list(r.group.members), rules=dict(r.group.rules))
    reservation_id = new_reservation_id()
    casts = PostCommitCasts()
    conductor = SuperConductorAPI(state.api_transport)

    # Built before the transaction (the writer is held as briefly as it can
    # be); built again inside only if the locked count came out smaller.
    planned = _plan(ctx, req, r, group, count, reservation_id)
    # The mappings each server is built with; existing volumes reserved
    # for their (only) server now, given back if the create fails.
    shared = r.volumes.rows if r.volumes else []
    disks = {} if not (r.volumes and r.volumes.existing_volumes) else {
        planned.uuids[0]: boot_volumes.reserve(state, ctx, r.volumes, planned.uuids[0])}

    def work(conn) -> _Plan:
        casts.discard()
        # The project's quota lock first, held to the commit: counted and
        # written with no other create of the project in between.
        allowed = quota.claim(conn, state, ctx, ctx.project_id,
                              dataclasses.replace(wanted, max_count=count), found=limits)
        plan = planned if allowed == count else _plan(ctx, req, r, group, allowed,
                                                      reservation_id)
        if r.group is not None:
            group_service.check_member_quota(state, ctx, conn, r.group.id, len(plan.uuids))
        for uuid, instance, spec_dict in plan.rows:
            build_requests.create(conn, instance_uuid=uuid, project_id=ctx.project_id,
                                  user_id=ctx.user_id, instance=instance,
                                  spec=spec_dict, tags=req.tags,
                                  block_device_mappings=disks.get(uuid, shared))
        if r.group is not None:
            server_groups.add_members(conn, r.group.id, plan.uuids)
        # The spec travels with the cast: the super-conductor need not read it back.
        casts.add(conductor.message(ctx, plan.uuids, request_spec=plan.spec))
        return plan
    try:
        plan = state.api_db.write(work)
    except BaseException:
        for rows in disks.values():
            boot_volumes.unreserve(state, ctx, rows)
        raise
    uuids = plan.uuids
    try:
        casts.send()    # after the commit: the super-conductor reads what we wrote
    except Exception as err:  # noqa: BLE001 - committed; the servers stay in BUILD
        LOG.error("accepted %s but could not cast to the super-conductor: %s", uuids, err)
        raise exc.Unavailable(f"The servers were accepted but the build could not be "
                              f"requested: {err}") from None
    LOG.info("accepted %d server(s) %s (reservation %s)", len(uuids), uuids, reservation_id)
    admin_pass = None
    if state.conf.api.enable_instance_password:
        admin_pass = req.admin_pass or new_password()
    return Created(uuids=uuids, reservation_id=reservation_id, admin_pass=admin_pass)
