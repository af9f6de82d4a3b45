"""``/os-quota-sets/{project}`` (show, ``/defaults``, update, reset) and
``/limits``."""
from __future__ import annotations

from nubes.common.wsgi import errors
from nubes.volume.api.handlers import respond
from nubes.volume.api.policies import quotas as rules
from nubes.volume.api.schemas import quota_sets as schemas
from nubes.volume.api.schemas.common import as_int
from nubes.volume.api.service import quota_sets as service


PROJECT_ID_MAX = 255        # the quota tables' project_id columns


def _project(target: str) -> str:
    """The project of the path: a 400 for one no table could hold (before
    anything is locked or written for it)."""
    if len(target) > PROJECT_ID_MAX or "\x00" in target:
        raise errors.BadRequest(f"Invalid input received: project id must be a string of "
                                f"at most {PROJECT_ID_MAX} characters without NUL.")
    return target


def show_quota_set(req, resp, target, project_id=None) -> None:
    target = _project(target)
    respond.authorize(req, rules.SHOW, {"project_id": target})
    values = service.show(respond.db(req), respond.conf(req), target,
                          with_usage=respond.query_bool(req, "usage"))
    respond.send(resp, {"quota_set": {"id": target, **values}})


def show_defaults(req, resp, target, project_id=None) -> None:
    target = _project(target)
    respond.authorize(req, rules.SHOW, {"project_id": target})
    values = service.defaults(respond.db(req), respond.conf(req))
    respond.send(resp, {"quota_set": {"id": target, **values}})


def update_quota_set(req, resp, target, project_id=None) -> None:
    target = _project(target)
    respond.authorize(req, rules.UPDATE, {"project_id": target})
    data = respond.read_body(req, schemas.UPDATE)["quota_set"]
    values = {k: as_int(v) for k, v in data.items()}
    bad = [k for k, v in values.items() if v < -1]
    if bad:
        raise errors.BadRequest(f"Invalid input received: Quota limit for {bad[0]} must be "
                                "-1 or greater.")
    limits = service.update(respond.db(req), respond.conf(req), target, values)
    respond.send(resp, {"quota_set": limits})


def delete_quota_set(req, resp, target, project_id=None) -> None:
    target = _project(target)
    respond.authorize(req, rules.DELETE, {"project_id": target})
    service.reset(respond.db(req), target)
    respond.empty(resp, 200)


# /limits absolute names -> (quota resource, is usage)
_ABSOLUTE = (("maxTotalVolumes", "volumes", False), ("maxTotalSnapshots", "snapshots", False),
             ("maxTotalVolumeGigabytes", "gigabytes", False),
             ("maxTotalBackups", "backups", False),
             ("maxTotalBackupGigabytes", "backup_gigabytes", False),
             ("totalVolumesUsed", "volumes", True), ("totalSnapshotsUsed", "snapshots", True),
             ("totalGigabytesUsed", "gigabytes", True), ("totalBackupsUsed", "backups", True),
             ("totalBackupGigabytesUsed", "backup_gigabytes", True))


def show_limits(req, resp, project_id=None) -> None:
    ctx = respond.ctx(req)
    target = ctx.project_id
    asked = respond.query(req, "project_id")
    if asked and asked != target and respond.allowed(req, rules.UPDATE):
        target = asked
    respond.authorize(req, rules.LIMITS, {"project_id": target})
    values = service.show(respond.db(req), respond.conf(req), target, with_usage=True)
    absolute = {name: values[resource]["in_use" if used else "limit"]
                for name, resource, used in _ABSOLUTE}
    respond.send(resp, {"limits": {"rate": [], "absolute": absolute}})
