"""Absolute limits of a project for GET /limits.

Limits: the project's own quota rows, else the ``default`` quota class,
else ``[quota]`` in the configuration.  Usage: server groups are counted;
instances, cores and RAM show 0 until counted quotas land (they need
every cell's instances).
"""
from __future__ import annotations

import dataclasses

from nubes.api.compute.state import ComputeState
from nubes.cells.repo import quota_limits, server_groups

RESOURCES = ("instances", "cores", "ram", "metadata_items", "injected_files",
             "injected_file_content_bytes", "injected_file_path_length", "key_pairs",
             "server_groups", "server_group_members")


@dataclasses.dataclass(frozen=True)
class Limits:
    limits: dict[str, int]
    usage: dict[str, int]


def for_project(state: ComputeState, project_id: str) -> Limits:
    def work(conn):
        merged = {name: getattr(state.conf.quota, name) for name in RESOURCES}
        merged.update({k: v for k, v in quota_limits.class_limits(conn).items()
                       if k in merged})
        merged.update({k: v for k, v in quota_limits.project_limits(conn, project_id).items()
                       if k in merged})
        usage = {"instances": 0, "cores": 0, "ram": 0,
                 "server_groups": server_groups.count(conn, project_id)}
        return Limits(merged, usage)
    return state.api_db.read(work)
