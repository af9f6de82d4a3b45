"""Policy rules for a server's instance actions (OpenStack compute's names).

A server's project reads its actions; the events' tracebacks (and, before
2.51, the events at all) and the event details (2.84) are admin-only.
"""
from nubes.api.compute.policies import base
from nubes.api.compute.policies.servers import PROJECT_READER_OR_ADMIN

_BASE = "os_compute_api:os-instance-actions:%s"
LIST = _BASE % "list"
SHOW = _BASE % "show"
EVENTS = _BASE % "events"
EVENTS_DETAILS = _BASE % "events:details"

_PATH = "/servers/{server_id}/os-instance-actions"

RULES = [
    base.operation(LIST, "GET", _PATH, "List the actions of a server.",
                   check=PROJECT_READER_OR_ADMIN),
    base.operation(SHOW, "GET", _PATH + "/{request_id}",
                   "Show one action of a server (with its events from 2.51).",
                   check=PROJECT_READER_OR_ADMIN),
    base.operation(EVENTS, "GET", _PATH + "/{request_id}",
                   "Show the events of an action before 2.51, and their tracebacks."),
    base.operation(EVENTS_DETAILS, "GET", _PATH + "/{request_id}",
                   "Show the details of an action's events (2.84+)."),
]
