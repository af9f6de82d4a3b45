"""Availability zones of hosts and services.

A compute host is in the zones named by the ``availability_zone`` metadata
of its aggregates, else in ``[DEFAULT] default_availability_zone``; every
other service is in ``[DEFAULT] internal_service_availability_zone``.
"""
from __future__ import annotations

from typing import Iterable

from nubes.api.compute.state import ComputeState
from nubes.cells.records import ServiceRecord
from nubes.cells.repo import aggregates as aggregate_repo
from nubes.common.service_names import COMPUTE_BINARY


def host_zones(state: ComputeState, hosts: Iterable[str] | None = None) -> dict[str, str]:
    """host -> its zone name (several zones, which the aggregate checks
    prevent, are joined with commas); hosts in no zone are absent."""
    zones = state.api_db.read(lambda conn: aggregate_repo.zones_of_hosts(conn, hosts))
    return {host: ",".join(sorted(names)) for host, names in zones.items()}


def service_zone(state: ComputeState, service: ServiceRecord, zones: dict[str, str]) -> str:
    if service.binary != COMPUTE_BINARY:
        return state.conf.internal_service_availability_zone
    return zones.get(service.host) or state.conf.default_availability_zone
