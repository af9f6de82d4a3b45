"""``os-quota-sets`` and ``/limits``: show, update and reset a project's
limits; its usage beside them."""
from __future__ import annotations

from nubes.common.db.transaction import Database
from nubes.volume import exceptions as exc
from nubes.volume.api.service import quota
from nubes.volume.repo import locks
from nubes.volume.repo import quotas as quota_repo


def show(db: Database, conf, project_id: str, *, with_usage: bool) -> dict:
    """Resource -> limit, or with usage -> {limit, in_use, reserved}."""
    def work(conn):
        limits = quota.limits(conn, conf, project_id)
        if not with_usage:
            return limits
        used = quota.usage(conn, project_id)
        return {r: {"limit": v, "in_use": used.get(r, 0), "reserved": 0}
                for r, v in limits.items()}
    return db.read(work)


def defaults(db: Database, conf) -> dict[str, int]:
    return db.read(lambda conn: quota.defaults(conf, quota.type_names(conn)))


def update(db: Database, conf, project_id: str, values: dict[str, int]) -> dict[str, int]:
    def work(conn):
        known = quota.defaults(conf, quota.type_names(conn))
        bad = sorted(set(values) - set(known))
        if bad:
            raise exc.Invalid(f"Bad key(s) in quota set: {', '.join(bad)}")
        locks.lock_project(conn, project_id)
        for resource, limit in values.items():
            quota_repo.set_limit(conn, project_id, resource, limit)
        return quota.limits(conn, conf, project_id)
    return db.write(work)


def reset(db: Database, project_id: str) -> None:
    def work(conn):
        locks.lock_project(conn, project_id)
        quota_repo.delete_all(conn, project_id)
    db.write(work)
