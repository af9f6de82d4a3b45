"""Time through one small, injectable helper so tests can pin it."""
from __future__ import annotations

import datetime
from email.utils import format_datetime

_override: datetime.datetime | None = None


def utcnow() -> datetime.datetime:
    """Naive UTC now (databases store naive UTC timestamps)."""
    if _override is not None:
        return _override
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


def set_override(value: datetime.datetime | None) -> None:
    global _override
    _override = value


def http_date(value: datetime.datetime) -> str:
    """RFC 7231 date for Last-Modified headers."""
    return format_datetime(value.replace(tzinfo=datetime.timezone.utc), usegmt=True)


def isoformat(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"
