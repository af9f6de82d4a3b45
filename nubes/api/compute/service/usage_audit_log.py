"""os-instance_usage_audit_log: the instance usage audit of the last
completed month, host by host.

nubes runs no usage audit task, so there are no task logs: every compute
host (enabled or not, in every cell that answers) is reported as not run,
as OpenStack compute reports hosts whose audit has not run.
"""
from __future__ import annotations

import dataclasses
import datetime

from nubes.api.compute.service import services as service_ops
from nubes.api.compute.state import ComputeState
from nubes.common import timeutils
from nubes.common.context import RequestContext
from nubes.common.service_names import COMPUTE_BINARY


@dataclasses.dataclass(frozen=True)
class AuditLog:
    period_beginning: datetime.datetime
    period_ending: datetime.datetime
    hosts: list[str]              # every compute host
    hosts_done: list[str]
    hosts_running: list[str]
    hosts_not_run: list[str]
    total_instances: int
    total_errors: int
    log: dict[str, dict]


def audit_period(before: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """The last whole month that ended at or before ``before``."""
    end = before.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    begin = (end - datetime.timedelta(days=1)).replace(day=1)
    return begin, end


def audit_log(state: ComputeState, ctx: RequestContext,
              before: datetime.datetime | None = None) -> AuditLog:
    begin, end = audit_period(before or timeutils.utcnow())
    listing = service_ops.list_services(state, ctx, binary=COMPUTE_BINARY)
    hosts = sorted({s.record.host for s in listing.services if s.record.host})
    return AuditLog(period_beginning=begin, period_ending=end, hosts=hosts, hosts_done=[],
                    hosts_running=[], hosts_not_run=hosts, total_instances=0,
                    total_errors=0, log={})
