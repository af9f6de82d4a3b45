"""``GET /os-instance_usage_audit_log[/{before_timestamp}]`` (admin): the
instance usage audit of the last completed month (before the timestamp,
``YYYY-MM-DD HH:MM:SS[.ffffff]``)."""
from __future__ import annotations

import datetime

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import instance_usage_audit_log as policy
from nubes.api.compute.service import usage_audit_log as service
from nubes.common.wsgi import errors


def _body(log: service.AuditLog) -> dict:
    done, total = len(log.hosts_done), len(log.hosts)
    overall = "ALL" if done == total else f"{done} of {total}"
    return {"period_beginning": str(log.period_beginning),
            "period_ending": str(log.period_ending),
            "num_hosts": total, "num_hosts_done": done,
            "num_hosts_running": len(log.hosts_running),
            "num_hosts_not_run": len(log.hosts_not_run),
            "hosts_not_run": list(log.hosts_not_run),
            "total_instances": log.total_instances, "total_errors": log.total_errors,
            "overall_status": f"{overall} hosts done. {log.total_errors} errors.",
            "log": dict(log.log)}


def list_audit_logs(req, resp) -> None:
    respond.authorize(req, policy.LIST)
    log = service.audit_log(respond.state(req), respond.ctx(req))
    respond.send(resp, {"instance_usage_audit_logs": _body(log)})


def show_audit_log(req, resp, before_timestamp: str) -> None:
    respond.authorize(req, policy.SHOW)
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in before_timestamp else "%Y-%m-%d %H:%M:%S"
    try:
        before = datetime.datetime.strptime(before_timestamp, fmt)
    except ValueError:
        raise errors.BadRequest(
            f"Invalid timestamp for date {before_timestamp[:64]}") from None
    log = service.audit_log(respond.state(req), respond.ctx(req), before)
    respond.send(resp, {"instance_usage_audit_log": _body(log)})
