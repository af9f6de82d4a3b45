"""``volumeAttachment`` bodies, by microversion: ``id`` (the volume's id)
before 2.89, ``tag`` from 2.70, ``delete_on_termination`` from 2.79,
``attachment_id`` and ``bdm_uuid`` from 2.89."""
from __future__ import annotations

from typing import Any


def attachment(version, server_id: str, bdm: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"device": bdm.get("device_name"), "serverId": server_id,
                           "volumeId": bdm["volume_id"]}
    if version < (2, 89):
        out["id"] = bdm["volume_id"]
    if version >= (2, 70):
        out["tag"] = bdm.get("tag")
    if version >= (2, 79):
        out["delete_on_termination"] = bool(bdm.get("delete_on_termination"))
    if version >= (2, 89):
        out["attachment_id"] = bdm.get("attachment_id")
        out["bdm_uuid"] = bdm.get("uuid")
    return out


def listing(version, server_id: str, bdms: list[dict[str, Any]]) -> dict[str, Any]:
    return {"volumeAttachments": [attachment(version, server_id, b) for b in bdms]}
