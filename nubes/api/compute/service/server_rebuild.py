"""Rebuild a server (the ``rebuild`` action): the same server, on the same
host and node with the same flavor, re-created from an image.

1. the checks, all before anything is written: the server is ACTIVE,
   STOPPED or ERROR with no task, and unlocked unless the caller is an
   admin (409s, :mod:`.server_tasks`); the image exists and is active and
   the flavor is big enough for it (400s, as a create says them:
   :mod:`.server_create`); a *new* image's required traits
   (``trait:<NAME>=required`` properties) are all on the resource provider
   of the server's node in placement (else 400 ``Image ... is
   unacceptable``, as in OpenStack compute: a rebuild never moves the
   server); the key pair exists (400); the ``metadata_items`` and injected
   file quotas of the server's project (403);
2. one cell transaction (:func:`server_tasks.start`): task ``rebuilding``
   with the new image, name, access addresses, disk config, description,
   key, user data and hostname, the new metadata in place of the old, and
   the ``rebuild`` action;
3. the server is read for the answer (as accepted: task ``rebuilding``);
4. after the commit, a cast to the host (``rebuild_instance``), which
   re-creates the guest and clears the task (``nubes.compute.operations.
   rebuild``).  Placement allocations do not change.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import (
    metadata_quota,
    server_create,
    server_tasks,
    servers,
)
from nubes.api.compute.service.instance_cells import Located
from nubes.api.compute.service.server_tasks import Task
from nubes.api.compute.state import ComputeState
from nubes.cells.repo import compute_nodes, key_pairs
from nubes.common.context import RequestContext
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import Action, TaskState, VmState
from nubes.image.client import Image
from nubes.placement.client import PlacementError, PlacementNotFound

REBUILD = Task("rebuild", Action.REBUILD, (VmState.ACTIVE, VmState.STOPPED, VmState.ERROR),
               TaskState.REBUILDING)
_TRAIT = "trait:"


@dataclasses.dataclass
class RebuildRequest:
    """The ``rebuild`` body as the handler parsed it."""
    image_id: str
    # Instance columns the body sets (display_name, access_ip_v4/v6,
    # auto_disk_config, display_description, user_data, hostname).
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    metadata: dict[str, str] | None = None     # None: kept as it is
    set_key: bool = False                       # key_name was given (2.54)
    key_name: str | None = None                 # with set_key: None unsets the key
    admin_pass: str | None = None               # None: one is generated
    preserve_ephemeral: bool = False
    files: list[tuple[str, bytes]] = dataclasses.field(default_factory=list)


def rebuild(state: ComputeState, ctx: RequestContext, uuid: str, req: RebuildRequest,
            extras: servers.Extras) -> tuple[str, servers.Server]:
    """Start the rebuild of ``uuid``: the admin password its guest gets,
    and the server as the rebuild left it before the cast (read with
    ``extras``: what the answer shows is the server as accepted, task
    ``rebuilding``, whatever the host has done since)."""
    located = server_tasks.locate_live(state, uuid, REBUILD.verb)
    server_tasks.check(ctx, located, REBUILD)
    instance = located.instance
    image = server_create.active_image(state, ctx, req.image_id)
    server_create.check_image_fits(image, instance.memory_mb or 0, instance.root_gb or 0)
    if image.id != instance.image_ref:
        _check_image_traits(state, ctx, located, image)
    limits = metadata_quota.limits_of(state, instance.project_id)
    if req.metadata is not None:
        metadata_quota.check(limits, len(req.metadata))
    _check_files(limits, req.files)
    values = {**req.values, "image_ref": image.id}
    if req.set_key:
        values.update(_key_values(state, ctx, req.key_name))
    located = server_tasks.start(state, ctx, uuid, REBUILD, values, metadata=req.metadata)
    server = servers.find(state, ctx, uuid, extras=extras)
    password = req.admin_pass or server_create.new_password()
    ComputeAPI(state.buses.require(located.cell)).rebuild_instance(
        ctx, located.instance.host, uuid, admin_password=password,
        preserve_ephemeral=req.preserve_ephemeral).send()
    return password, server


def required_traits(image: Image) -> set[str]:
    """The traits the image requires of its host (``trait:NAME=required``)."""
    return {key[len(_TRAIT):] for key, value in image.properties.items()
            if key.startswith(_TRAIT) and str(value).lower() == "required"}


def _check_image_traits(state: ComputeState, ctx: RequestContext, located: Located,
                        image: Image) -> None:
    """400 unless the provider of the server's node has every trait the
    image requires (a rebuild stays where it is: nothing is scheduled)."""
    required = required_traits(image)
    if not required:
        return
    if state.placement is None:
        raise exc.Unavailable("An image that requires traits cannot be checked: placement "
                              "is not configured ([placement_client] endpoint).")
    instance = located.instance
    node = state.cells.database(located.cell).read(
        lambda conn: compute_nodes.find_live(conn, instance.host, instance.node))
    traits: frozenset[str] = frozenset()
    if node is not None:
        try:
            traits = state.placement.get_traits(node.uuid, request_id=ctx.request_id).traits
        except PlacementNotFound:
            pass
        except PlacementError as err:
            raise exc.Unavailable(f"Placement did not answer: {err}") from None
    missing = sorted(required - traits)
    if missing:
        raise exc.Invalid(
            f"Image {image.id} is unacceptable: the image's required traits "
            f"{', '.join(missing)} are not on the server's compute node. Rebuild with "
            "another image, or create a new server from this image.")


def _check_files(limits: dict[str, int], files: list[tuple[str, bytes]]) -> None:
    """The injected file quotas (personality, before 2.57): 403 past them."""
    def over(resource: str, value: int) -> bool:
        limit = limits.get(resource, -1)
        return 0 <= limit < value
    if over("injected_files", len(files)):
        raise exc.QuotaExceeded("Personality file limit exceeded")
    for path, contents in files:
        if over("injected_file_path_bytes", len(path.encode())):
            raise exc.QuotaExceeded("Personality file path exceeds the maximum "
                                    f"{limits['injected_file_path_bytes']}")
        if over("injected_file_content_bytes", len(contents)):
            raise exc.QuotaExceeded("Personality file content exceeds the maximum "
                                    f"{limits['injected_file_content_bytes']}")


def _key_values(state: ComputeState, ctx: RequestContext,
                key_name: str | None) -> dict[str, Any]:
    """The key columns for ``key_name`` (the caller's key pair, as on a
    create); None unsets the key."""
    if key_name is None:
        return {"key_name": None, "key_data": None}
    key = state.api_db.read(lambda conn: key_pairs.get(conn, ctx.user_id, key_name))
    if key is None:
        raise exc.Invalid("Invalid key_name provided.")
    return {"key_name": key_name, "key_data": key.public_key}
