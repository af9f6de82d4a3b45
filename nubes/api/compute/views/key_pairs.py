"""os-keypairs bodies: ``type`` from 2.2; show adds the record fields."""
from __future__ import annotations

from nubes.api.compute.views.timestamps import iso
from nubes.cells.records import KeyPairRecord


def _base(version, kp: KeyPairRecord) -> dict:
    view = {"name": kp.name, "public_key": kp.public_key, "fingerprint": kp.fingerprint}
    if version >= (2, 2):
        view["type"] = kp.type
    return view


def created(version, kp: KeyPairRecord, private_key: str | None) -> dict:
    view = {**_base(version, kp), "user_id": kp.user_id}
    if private_key is not None:
        view["private_key"] = private_key
    return {"keypair": view}


def shown(version, kp: KeyPairRecord) -> dict:
    return {"keypair": {**_base(version, kp), "user_id": kp.user_id, "id": kp.id,
                        "created_at": iso(kp.created_at), "updated_at": iso(kp.updated_at),
                        "deleted": False, "deleted_at": None}}


def many(version, found: list[KeyPairRecord], next_href: str | None) -> dict:
    body: dict = {"keypairs": [{"keypair": _base(version, kp)} for kp in found]}
    if next_href:
        body["keypairs_links"] = [{"rel": "next", "href": next_href}]
    return body
