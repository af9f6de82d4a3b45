"""Query parameters every volume API list shares: ``limit``, ``offset``,
``marker``, and the sort order (``sort=key[:dir],...`` or the older
``sort_key``/``sort_dir``; direction ``desc`` unless given)."""
from __future__ import annotations

import ast
import urllib.parse

from nubes.common.wsgi import errors
from nubes.volume.api import microversions as mv
from nubes.volume.api.handlers import respond
from nubes.volume.api.service.lists import Listing

PAGING = ("limit", "offset", "marker", "sort", "sort_key", "sort_dir")
MAX_SORT_KEYS = 8


def limit(req) -> int:
    maximum = respond.conf(req).volume.osapi_max_limit
    value = respond.query(req, "limit")
    if value is None:
        return maximum
    return min(respond.parse_int(value, "limit") or maximum, maximum)


def offset(req) -> int:
    value = respond.query(req, "offset")
    return 0 if value is None else respond.parse_int(value, "offset")


def marker(req) -> str | None:
    value = respond.query(req, "marker")
    if value is not None and not 0 < len(value) <= 255:
        raise errors.BadRequest("Invalid marker.")
    return value


def _direction(value: str) -> str:
    value = value.strip().lower()
    if value not in ("asc", "desc"):
        raise errors.BadRequest(f"Invalid sort direction {value}: must be asc or desc.")
    return value


def sort(req, allowed, default: list[tuple[str, str]]) -> list[tuple[str, str]]:
    text = respond.query(req, "sort")
    if text is not None and (respond.query(req, "sort_key") or respond.query(req, "sort_dir")):
        raise errors.BadRequest("The 'sort_key' and 'sort_dir' parameters are deprecated "
                                "and cannot be used with the 'sort' parameter.")
    keys: list[tuple[str, str]] = []
    if text is not None:
        for item in text.split(","):
            key, _, direction = item.strip().partition(":")
            keys.append((key, _direction(direction) if direction else "desc"))
    elif respond.query(req, "sort_key") is not None:
        keys.append((respond.query(req, "sort_key"),
                     _direction(respond.query(req, "sort_dir") or "desc")))
    if len(keys) > MAX_SORT_KEYS:
        raise errors.BadRequest(f"At most {MAX_SORT_KEYS} sort keys are allowed.")
    for key, _ in keys:
        if key not in allowed:
            raise errors.BadRequest(f"Invalid sort key: {key}.")
    return keys or list(default)


def request(req, filters: dict, sort_columns) -> Listing:
    """The page the request asks for (``with_count`` from 3.45)."""
    with_count = respond.version(req) >= mv.WITH_COUNT and respond.query_bool(req, "with_count")
    return Listing(filters=filters, sort=sort(req, sort_columns, [("created_at", "desc")]),
                   limit=limit(req), offset=offset(req), marker=marker(req),
                   with_count=with_count)


def body(req, key: str, items: list, page: Listing, found: list, total: int | None) -> dict:
    """``{key: items}``, the next link when the page is full, the count."""
    answer: dict = {key: items}
    if found and len(found) == page.limit:
        answer[f"{key}_links"] = [{"rel": "next", "href": _next_href(req, found[-1].id)}]
    if page.with_count:
        answer["count"] = total
    return answer


def _next_href(req, last_id: str) -> str:
    params = [(k, v) for k, v in req.params.items() if k != "marker" and isinstance(v, str)]
    params.append(("marker", last_id))
    return f"{req.prefix}{req.path}?{urllib.parse.urlencode(params)}"


def filters(req, all_tenants_rule: str, user_filters, inexact, ignored, parse) -> dict:
    """The list filters of the request: the caller's project unless an
    admin asks for ``all_tenants`` (and maybe one ``project_id``); the
    query parameters among ``user_filters`` (``inexact`` ones from 3.34),
    each value through ``parse(name, value)``; from 3.31 any other is a 400
    for users (admins' are ignored), except ``ignored`` and paging."""
    ctx = respond.ctx(req)
    admin = respond.allowed(req, all_tenants_rule)
    found: dict = {}
    if not (admin and respond.query_bool(req, "all_tenants")):
        found["project_id"] = ctx.project_id
    elif respond.query(req, "project_id"):
        found["project_id"] = respond.query(req, "project_id")
    strict = respond.version(req) >= mv.FILTERS_STRICT and not admin
    allowed = tuple(user_filters) + (tuple(inexact) if respond.version(req) >= mv.LIKE_FILTERS
                                     else ())
    for name in req.params:
        if name in PAGING or name in ignored:
            continue
        if name not in allowed:
            if strict:
                raise errors.BadRequest(f"Invalid filter keys: {name}")
            continue
        found[name] = parse(name, respond.query(req, name))
    return found


def parse_metadata(value: str) -> dict[str, str]:
    """The ``metadata`` filter: a Python-literal dict of strings."""
    try:
        parsed = ast.literal_eval(value) if len(value) <= 4096 else None
    except (ValueError, SyntaxError):
        parsed = None
    if not isinstance(parsed, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()):
        raise errors.BadRequest(f"Invalid metadata filter: {value}")
    return parsed
