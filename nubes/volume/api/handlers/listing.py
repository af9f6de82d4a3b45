"""Query parameters every volume API list shares: ``limit``, ``offset``,
``marker``, and the sort order (``sort=key[:dir],...`` or the older
``sort_key``/``sort_dir``; direction ``desc`` unless given)."""
from __future__ import annotations

from nubes.common.wsgi import errors
from nubes.volume.api.handlers import respond

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
