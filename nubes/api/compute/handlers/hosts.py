"""/os-hosts (2.1-2.42; 404 from 2.43): list (``zone`` filter), show (a
compute host's resources), update (``status``/``maintenance_mode``) and the
power actions.  nubes's virt drivers cannot enable a host, put it in
maintenance or power it, so those answer 501 for a known host, as
OpenStack compute does for a driver without them."""
from __future__ import annotations

from nubes.api.compute import errors as compute_errors
from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import hosts as policy
from nubes.api.compute.schemas import hosts as schema
from nubes.api.compute.service import hosts as service

_LAST = (2, 42)
_UNSUPPORTED = "The requested functionality is not supported."


def _window(req, rule: str) -> None:
    respond.require_version(req, (2, 1), _LAST)
    respond.authorize(req, rule)


def list_hosts(req, resp) -> None:
    _window(req, policy.LIST)
    found = service.list_hosts(respond.state(req), respond.ctx(req),
                               zone=respond.query(req, "zone"))
    respond.send(resp, {"hosts": [{"host_name": h.host, "service": h.service, "zone": h.zone}
                                  for h in found]})


def show_host(req, resp, host_name: str) -> None:
    _window(req, policy.SHOW)
    found = service.resources(respond.state(req), host_name)
    respond.send(resp, {"host": [{"resource": {
        "host": host_name, "project": r.project, "cpu": r.cpu, "memory_mb": r.memory_mb,
        "disk_gb": r.disk_gb}} for r in found]})


def update_host(req, resp, host_name: str) -> None:
    _window(req, policy.UPDATE)
    respond.read_body(req, schema.UPDATE)
    service.check_compute_host(respond.state(req), host_name)
    raise compute_errors.NotImplementedFault(_UNSUPPORTED)


def _power(req, host_name: str, rule: str) -> None:
    _window(req, rule)
    service.check_compute_host(respond.state(req), host_name)
    raise compute_errors.NotImplementedFault(_UNSUPPORTED)


def reboot_host(req, resp, host_name: str) -> None:
    _power(req, host_name, policy.REBOOT)


def shutdown_host(req, resp, host_name: str) -> None:
    _power(req, host_name, policy.SHUTDOWN)


def startup_host(req, resp, host_name: str) -> None:
    _power(req, host_name, policy.START)
