"""/servers/{id}/os-volume_attachments: list (``limit``/``offset``) and
attach (200 with the attachment; the host connects the volume after the
answer); /servers/{id}/os-volume_attachments/{volume_id}: show, update
(202: a swap for admins, or from 2.85 ``delete_on_termination`` of the
same volume) and detach (202).  A server the caller's project cannot see
is a 404; fields by microversion (:mod:`..views.volume_attachments`)."""
from __future__ import annotations

from nubes.api.compute.handlers import respond, server_access
from nubes.api.compute.policies import volume_attachments as policy
from nubes.api.compute.schemas import volume_attachments as schema
from nubes.api.compute.service import volume_attachments as service
from nubes.api.compute.views import volume_attachments as view
from nubes.common.wsgi import errors

MAX_LIMIT = 1000


def list_attachments(req, resp, server_id: str) -> None:
    mapping = server_access.authorized_mapping(req, server_id, policy.INDEX)
    limit = respond.query_limit(req, MAX_LIMIT)
    offset = respond.query(req, "offset")
    start = respond.parse_int(offset, "offset") if offset is not None else 0
    bdms = service.list_attachments(respond.state(req), mapping)
    respond.send(resp, view.listing(respond.version(req), mapping.instance_uuid,
                                    bdms[start:start + limit]))


def show_attachment(req, resp, server_id: str, volume_id: str) -> None:
    mapping = server_access.authorized_mapping(req, server_id, policy.SHOW)
    bdm = service.show(respond.state(req), mapping, volume_id)
    respond.send(resp, {"volumeAttachment": view.attachment(respond.version(req),
                                                            mapping.instance_uuid, bdm)})


def attach_volume(req, resp, server_id: str) -> None:
    version = respond.version(req)
    body = respond.read_body(req, schema.create(version))["volumeAttachment"]
    mapping = server_access.authorized_mapping(req, server_id, policy.CREATE)
    request = service.AttachRequest(
        volume_id=body["volumeId"], device=body.get("device"), tag=body.get("tag"),
        delete_on_termination=schema.boolean(body.get("delete_on_termination", False)),
        multiattach_ok=version >= (2, 60))
    bdm = service.attach(respond.state(req), respond.ctx(req), mapping, request)
    respond.send(resp, {"volumeAttachment": view.attachment(version, mapping.instance_uuid,
                                                            bdm)})


def update_attachment(req, resp, server_id: str, volume_id: str) -> None:
    version = respond.version(req)
    body = respond.read_body(req, schema.update(version))["volumeAttachment"]
    state, ctx = respond.state(req), respond.ctx(req)
    new_volume_id = body["volumeId"]
    swapping = new_volume_id != volume_id or version < (2, 85)
    mapping = server_access.authorized_mapping(req, server_id,
                                               policy.SWAP if swapping else policy.UPDATE)
    delete_flag = body.get("delete_on_termination")
    delete_flag = None if delete_flag is None else schema.boolean(delete_flag)
    if swapping:
        if new_volume_id == volume_id:
            raise errors.BadRequest(f"Invalid volume: volume {volume_id} is already "
                                    "attached; swap it for another volume.")
        service.swap(state, ctx, mapping, volume_id, new_volume_id, delete_flag)
        respond.empty(resp, 202)
        return
    current = view.attachment(version, mapping.instance_uuid,
                              service.show(state, mapping, volume_id))
    for key in schema.READ_ONLY:
        if key in body and body[key] != current.get(key):
            raise errors.BadRequest(f"The {key} property is not mutable.")
    if delete_flag is not None:
        service.update(state, ctx, mapping, volume_id, delete_flag)
    respond.empty(resp, 202)


def detach_volume(req, resp, server_id: str, volume_id: str) -> None:
    mapping = server_access.authorized_mapping(req, server_id, policy.DELETE)
    service.detach(respond.state(req), respond.ctx(req), mapping, volume_id)
    respond.empty(resp, 202)
