"""Timestamps as OpenStack compute writes them: ``2024-05-01T12:00:00.000000``."""
from __future__ import annotations

import datetime


def iso(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.%f")
