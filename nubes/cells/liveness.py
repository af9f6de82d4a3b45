"""Is a service up?  The one rule, used by the compute API (os-services,
os-hypervisors, server host status, local delete), the scheduler and
anyone else who asks.

A service is up unless it is forced down, was never heard from, or its
last heartbeat is more than ``[DEFAULT] service_down_time`` seconds away
from now (either way: a clock that runs behind does not make it down).
"""
from __future__ import annotations

import datetime

from nubes.cells.records import ServiceRecord


def last_heartbeat(service: ServiceRecord) -> datetime.datetime | None:
    return service.last_seen_up or service.created_at


def up_window(service: ServiceRecord, down_time: int
              ) -> tuple[datetime.datetime, datetime.datetime] | None:
    """The times at which the service counts as up (None: at no time)."""
    if service.forced_down:
        return None
    last = last_heartbeat(service)
    if last is None:
        return None
    margin = datetime.timedelta(seconds=down_time)
    return last - margin, last + margin


def is_up(service: ServiceRecord, now: datetime.datetime, down_time: int) -> bool:
    window = up_window(service, down_time)
    return window is not None and window[0] <= now <= window[1]


def last_activity(service: ServiceRecord) -> datetime.datetime | None:
    """The service's newest change or heartbeat (what the compute API shows
    as its ``updated_at``)."""
    stamps = [s for s in (service.updated_at, service.last_seen_up) if s is not None]
    return max(stamps) if stamps else None
