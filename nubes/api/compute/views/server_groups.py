"""os-server-groups bodies: ``policies`` and ``metadata`` before 2.64,
``policy`` and ``rules`` from 2.64; project_id and user_id from 2.13."""
from __future__ import annotations

from nubes.cells.records import ServerGroupRecord


def group(version, found: ServerGroupRecord) -> dict:
    view = {"id": found.uuid, "name": found.name, "members": list(found.members)}
    if version >= (2, 64):
        view["policy"] = found.policy
        view["rules"] = dict(found.rules)
    else:
        view["policies"] = [found.policy] if found.policy else []
        view["metadata"] = {}
    if version >= (2, 13):
        view["project_id"] = found.project_id
        view["user_id"] = found.user_id
    return view


def one(version, found: ServerGroupRecord) -> dict:
    return {"server_group": group(version, found)}


def many(version, found: list[ServerGroupRecord]) -> dict:
    return {"server_groups": [group(version, g) for g in found]}
