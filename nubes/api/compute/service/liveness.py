"""Is a service up?  Its last heartbeat against ``[DEFAULT] service_down_time``."""
from __future__ import annotations

import datetime

from nubes.cells.repo.service_records import ServiceRecord


def last_heartbeat(service: ServiceRecord) -> datetime.datetime | None:
    return service.last_seen_up or service.created_at


def is_up(service: ServiceRecord, now: datetime.datetime, down_time: int) -> bool:
    """Up unless forced down, never heard from, or silent for longer than
    ``down_time`` seconds."""
    if service.forced_down:
        return False
    last = last_heartbeat(service)
    if last is None:
        return False
    return abs((now - last).total_seconds()) <= down_time


def shown_updated_at(service: ServiceRecord) -> datetime.datetime | None:
    """What the API shows as the service's ``updated_at``: its newest change
    or heartbeat."""
    stamps = [s for s in (service.updated_at, service.last_seen_up) if s is not None]
    return max(stamps) if stamps else None
