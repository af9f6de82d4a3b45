"""Query parameters of ``GET /servers/{id}/os-instance-actions``.

Before 2.58 the listing takes no parameters and ignores any it is given.
From 2.58 it takes ``limit``, ``marker`` and ``changes-since`` (2.66 adds
``changes-before``), each at most once; anything else is a 400 with the
JSON-schema text OpenStack compute answers with.
"""
from __future__ import annotations

import dataclasses
import datetime

import jsonschema

from nubes.api.compute.schemas import servers as server_schema
from nubes.common.wsgi import body, errors

PAGING_MIN = (2, 58)
CHANGES_BEFORE_MIN = (2, 66)


def _single(schema: dict) -> dict:
    """A query parameter given exactly once (query values are lists)."""
    return {"type": "array", "minItems": 1, "maxItems": 1, "items": schema}


_NON_NEGATIVE_INT = {"type": ["integer", "string"], "pattern": "^[0-9]*$", "minimum": 0,
                     "minLength": 1}
_TEXT = {"type": "string"}

QUERY_V258 = {
    "type": "object",
    "properties": {"limit": _single(_NON_NEGATIVE_INT), "marker": _single(_TEXT),
                   "changes-since": _single({"type": "string"})},
    "additionalProperties": False,
}
QUERY_V266 = {
    "type": "object",
    "properties": {**QUERY_V258["properties"], "changes-before": _single({"type": "string"})},
    "additionalProperties": False,
}


@dataclasses.dataclass(frozen=True)
class ListParams:
    limit: int | None = None          # None: not given
    marker: str | None = None
    changes_since: datetime.datetime | None = None
    changes_before: datetime.datetime | None = None


def _validate(params: dict[str, list[str]], schema: dict) -> None:
    error = jsonschema.exceptions.best_match(body.validator_for(schema).iter_errors(params))
    if error is None:
        return
    if error.absolute_path:
        name = error.absolute_path[0]
        raise errors.BadRequest(f"Invalid input for query parameters {name}. "
                                f"Value: {error.instance}. {error.message}")
    raise errors.BadRequest(error.message)


def list_params(params: dict[str, str | list[str]], version) -> ListParams:
    """The listing's parameters at ``version`` (all ignored before 2.58)."""
    if version < PAGING_MIN:
        return ListParams()
    given = {k: (v if isinstance(v, list) else [v]) for k, v in params.items()}
    _validate(given, QUERY_V266 if version >= CHANGES_BEFORE_MIN else QUERY_V258)
    found = ListParams(
        limit=int(given["limit"][0]) if "limit" in given else None,
        marker=given["marker"][0] if "marker" in given else None,
        changes_since=_time(given, "changes-since"),
        changes_before=_time(given, "changes-before"))
    if found.changes_since and found.changes_before \
            and found.changes_since > found.changes_before:
        raise errors.BadRequest("The value of changes-since must be less than or equal to "
                                "changes-before.")
    return found


def _time(given: dict[str, list[str]], name: str) -> datetime.datetime | None:
    return server_schema.timestamp(given[name][0], name) if name in given else None
