"""Cell URLs: validation, masking for display, and cell0's derived database.

Transport URLs are opaque to this package (the rpc layer reads them); all
we need is that they look like ``scheme://...`` and that passwords in them,
including every host of a multi-host URL
(``rabbit://u:p@h1:5672,u:p@h2:5672/vhost``), can be hidden.
"""
from __future__ import annotations

import os
import re

from sqlalchemy.engine import make_url

from nubes.cells.exceptions import InvalidDatabaseURL, InvalidTransportURL

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
MASK = "****"


def check_transport_url(url: str | None) -> str:
    if not url or not url.strip():
        raise InvalidTransportURL("no transport URL given (--transport-url or "
                                  "[DEFAULT] transport_url)")
    url = url.strip()
    if not _SCHEME.match(url):
        raise InvalidTransportURL(f"transport URL {mask(url)!r} is not of the form "
                                  "scheme://[user:password@]host[:port]/[vhost]")
    return url


def check_database_url(url: str | None) -> str:
    if not url or not url.strip():
        raise InvalidDatabaseURL("no database connection given (--database_connection "
                                 "or [database] connection)")
    url = url.strip()
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises several types
        raise InvalidDatabaseURL(f"database connection {mask(url)!r} is not a valid "
                                 f"SQLAlchemy URL: {exc}") from None
    if parsed.get_backend_name() not in ("sqlite", "mysql", "mariadb", "postgresql"):
        raise InvalidDatabaseURL(f"database connection {mask(url)!r}: backend "
                                 f"{parsed.get_backend_name()!r} is not supported "
                                 "(use sqlite, mysql+pymysql or postgresql+psycopg)")
    return url


def mask(url: str | None) -> str | None:
    """``url`` with every password replaced by ``****``."""
    if url is None:
        return None
    match = _SCHEME.match(url)
    if not match:
        return url
    head, rest = match.group(0), url[match.end():]
    # The authority ends at the first '/', '?' or '#'; it may list hosts.
    end = len(rest)
    for sep in "/?#":
        pos = rest.find(sep)
        if pos != -1:
            end = min(end, pos)
    authority, tail = rest[:end], rest[end:]
    hosts = []
    for part in authority.split(","):
        userinfo, at, hostport = part.rpartition("@")
        if at and ":" in userinfo:
            user = userinfo.split(":", 1)[0]
            part = f"{user}:{MASK}@{hostport}"
        hosts.append(part)
    return head + ",".join(hosts) + _mask_query(tail)


def _mask_query(tail: str) -> str:
    # password=... in a query string (e.g. ?password=x for some drivers).
    return re.sub(r"(?i)([?&](?:password|passwd|pwd)=)[^&#]*", r"\1" + MASK, tail)


def cell0_database_url(url: str) -> str:
    """cell0's database beside ``url``'s: the database name plus ``_cell0``
    (for SQLite files, before the extension: ``nubes.sqlite`` ->
    ``nubes_cell0.sqlite``)."""
    parsed = make_url(check_database_url(url))
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite":
        if database in ("", ":memory:"):
            raise InvalidDatabaseURL("cannot derive a cell0 database from an in-memory "
                                     "SQLite database; give --database_connection")
        root, ext = os.path.splitext(database)
        new = f"{root}_cell0{ext}"
    else:
        if not database:
            raise InvalidDatabaseURL(f"{mask(url)!r} names no database to derive "
                                     "cell0's from; give --database_connection")
        new = f"{database}_cell0"
    return parsed.set(database=new).render_as_string(hide_password=False)
