"""``/<collection>/{id}/metadata``: show, add to, replace; one key at a
time — the same for volumes and snapshots, each with its own rules and
service functions."""
from __future__ import annotations

import dataclasses
from typing import Callable

from nubes.common.wsgi import errors
from nubes.volume.api.handlers import respond
from nubes.volume.api.schemas import volumes as schemas


@dataclasses.dataclass(frozen=True)
class Rules:
    get: str
    create: str
    update: str
    delete: str


class Metadata:
    """The handlers of one owner's metadata.  ``get(db, ctx, id)``,
    ``set(db, ctx, id, metadata, replace=...)`` and
    ``delete_key(db, ctx, id, key)`` are the owner's service functions;
    ``id_name`` its path parameter."""

    def __init__(self, noun: str, id_name: str, rules: Rules, get: Callable,
                 set: Callable, delete_key: Callable):
        self.noun, self.id_name, self.rules = noun, id_name, rules
        self._get, self._set, self._delete_key = get, set, delete_key

    def show(self, req, resp, project_id=None, **ids) -> None:
        respond.authorize(req, self.rules.get)
        metadata = self._get(respond.db(req), respond.ctx(req), ids[self.id_name])
        respond.send(resp, {"metadata": metadata})

    def _write(self, req, resp, rule: str, replace: bool, owner_id: str) -> None:
        respond.authorize(req, rule)
        data = respond.read_body(req, schemas.METADATA)["metadata"]
        metadata = self._set(respond.db(req), respond.ctx(req), owner_id, data,
                             replace=replace)
        respond.send(resp, {"metadata": metadata})

    def add(self, req, resp, project_id=None, **ids) -> None:
        self._write(req, resp, self.rules.create, False, ids[self.id_name])

    def replace(self, req, resp, project_id=None, **ids) -> None:
        self._write(req, resp, self.rules.update, True, ids[self.id_name])

    def show_key(self, req, resp, key, project_id=None, **ids) -> None:
        respond.authorize(req, self.rules.get)
        owner_id = ids[self.id_name]
        metadata = self._get(respond.db(req), respond.ctx(req), owner_id)
        if key not in metadata:
            raise errors.NotFound(f"{self.noun} {owner_id} has no metadata with key {key}.")
        respond.send(resp, {"meta": {key: metadata[key]}})

    def set_key(self, req, resp, key, project_id=None, **ids) -> None:
        respond.authorize(req, self.rules.update)
        data = respond.read_body(req, schemas.META_ITEM)["meta"]
        if key not in data:
            raise errors.BadRequest("Request body and URI mismatch")
        self._set(respond.db(req), respond.ctx(req), ids[self.id_name], data, replace=False)
        respond.send(resp, {"meta": data})

    def delete_key(self, req, resp, key, project_id=None, **ids) -> None:
        respond.authorize(req, self.rules.delete)
        self._delete_key(respond.db(req), respond.ctx(req), ids[self.id_name], key)
        respond.empty(resp, 200)
