"""Counted quotas: a project's limits (its own rows, else ``[volume_quota]``)
and its usage counted from its volumes, never kept as a running total.

A create counts and inserts inside one write transaction that first takes
the project's lock row (:func:`nubes.volume.repo.locks.lock_project`), so
parallel creates of one project cannot both pass the count.
"""
from __future__ import annotations

import sqlalchemy as sa

from nubes.volume import exceptions as exc
from nubes.volume.repo import quotas as quota_repo
from nubes.volume.repo import snapshots as snapshot_repo
from nubes.volume.repo import volume_types as type_repo
from nubes.volume.repo import volumes as volume_repo

# Resource -> [volume_quota] option, in the order cinder shows them.
DEFAULTS = {
    "volumes": "quota_volumes",
    "snapshots": "quota_snapshots",
    "gigabytes": "quota_gigabytes",
    "backups": "quota_backups",
    "backup_gigabytes": "quota_backup_gigabytes",
    "groups": "quota_groups",
    "per_volume_gigabytes": "per_volume_size_limit",
}
PER_TYPE = ("volumes", "gigabytes", "snapshots")


def type_names(conn: sa.Connection) -> list[str]:
    return [t.name for t in type_repo.list_types(conn, project_id=None, is_public=None)]


def defaults(conf, names: list[str]) -> dict[str, int]:
    values = {r: getattr(conf.volume_quota, opt) for r, opt in DEFAULTS.items()}
    for name in names:
        for resource in PER_TYPE:
            values[f"{resource}_{name}"] = -1
    return values


def limits(conn: sa.Connection, conf, project_id: str) -> dict[str, int]:
    values = defaults(conf, type_names(conn))
    for resource, limit in quota_repo.limits(conn, project_id).items():
        if resource in values:
            values[resource] = limit
    return values


def usage(conn: sa.Connection, project_id: str) -> dict[str, int]:
    """In-use counts for every resource that has a limit (backups and
    groups do not exist yet: 0).  Snapshots count in ``gigabytes`` too."""
    used = {r: 0 for r in DEFAULTS}
    for resource, counted in (("volumes", volume_repo.usage(conn, project_id)),
                              ("snapshots", snapshot_repo.usage(conn, project_id))):
        for name, (count, gigabytes) in counted.items():
            used[resource] += count
            used["gigabytes"] += gigabytes
            used[f"{resource}_{name}"] = count
            used[f"gigabytes_{name}"] = used.get(f"gigabytes_{name}", 0) + gigabytes
    return used


def _over(limit: int, used: int, wanted: int) -> bool:
    return limit >= 0 and used + wanted > limit


def check(conn: sa.Connection, conf, project_id: str, type_name: str, *,
          volumes: int, gigabytes: int, size: int | None = None,
          snapshots: int = 0) -> None:
    """Raise OverQuota if the project may not have ``volumes`` more volumes
    (``snapshots`` more snapshots) of ``gigabytes`` more of type
    ``type_name``.  Call under the project's lock
    (:func:`nubes.volume.repo.locks.lock_project`)."""
    limit = limits(conn, conf, project_id)
    used = usage(conn, project_id)
    per_volume = limit["per_volume_gigabytes"]
    if size is not None and per_volume >= 0 and size > per_volume:
        raise exc.OverQuota(f"VolumeSizeExceedsLimit: Requested volume size {size}G is "
                            f"larger than maximum allowed limit {per_volume}G.")
    for name in ("volumes", f"volumes_{type_name}"):
        if volumes and _over(limit.get(name, -1), used.get(name, 0), volumes):
            raise exc.OverQuota(f"VolumeLimitExceeded: Maximum number of volumes allowed "
                                f"({limit[name]}) exceeded for quota '{name}'.")
    for name in ("snapshots", f"snapshots_{type_name}"):
        if snapshots and _over(limit.get(name, -1), used.get(name, 0), snapshots):
            raise exc.OverQuota(f"SnapshotLimitExceeded: Maximum number of snapshots allowed "
                                f"({limit[name]}) exceeded for quota '{name}'.")
    for name in ("gigabytes", f"gigabytes_{type_name}"):
        if gigabytes and _over(limit.get(name, -1), used.get(name, 0), gigabytes):
            raise exc.OverQuota(
                f"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds "
                f"allowed {name} quota. Requested {gigabytes}G, quota is {limit[name]}G and "
                f"{used.get(name, 0)}G has been consumed.")
