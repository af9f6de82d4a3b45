"""Compute microversions: one line each saying what the version changed.

MAXIMUM is the newest version whose changes to the resources we serve are
implemented; clients (openstacksdk/OSC send min(our max, 2.96-2.100)) get
exactly that version's behaviour.  Versions that change resources not yet
served are listed so the history is complete; their resources follow the
newest behaviour when they land.  A test pins MAXIMUM.

Headers: ``OpenStack-API-Version: compute X.Y`` (2.27+) or the legacy
``X-OpenStack-Nova-API-Version: X.Y``; none means 2.1, ``latest`` the
maximum, a malformed value 400, one out of range 406.  Responses under
``/v2.1`` carry both headers and ``Vary`` on both.
"""
from __future__ import annotations

import microversion_parse

from nubes.common.wsgi import errors
from nubes.common.wsgi.microversion import MicroversionMiddleware, Version

VERSIONS = [
    "2.1",   # the v2.1 API: v2.0 plus strict input validation
    "2.2",   # keypair type; 409 instead of 400 for some server actions
    "2.3",   # more extended server attributes (admin)
    "2.4",   # reserved flag of fixed IPs
    "2.5",   # ip6 server filter for non-admins
    "2.6",   # remote-consoles API
    "2.7",   # flavor access checks is_public
    "2.8",   # MKS consoles
    "2.9",   # locked on servers
    "2.10",  # keypairs of other users (admin)
    "2.11",  # os-services: forced_down field and force-down action
    "2.12",  # vif_model of virtual interfaces
    "2.13",  # server groups show project_id and user_id
    "2.14",  # evacuate without onSharedStorage
    "2.15",  # soft-affinity and soft-anti-affinity server group policies
    "2.16",  # host_status of servers
    "2.17",  # trigger_crash_dump server action
    "2.18",  # project id optional in URLs
    "2.19",  # server description
    "2.20",  # volume attach/detach on shelved-offloaded servers
    "2.21",  # instance actions of deleted servers
    "2.22",  # force live-migration completion
    "2.23",  # migration type and links
    "2.24",  # abort a live migration
    "2.25",  # live migration block_migration: auto
    "2.26",  # server tags
    "2.27",  # OpenStack-API-Version header
    "2.28",  # os-hypervisors: cpu_info as an object, not a string
    "2.29",  # evacuate force flag
    "2.30",  # live migration force flag
    "2.31",  # serial console connection info
    "2.32",  # device tags on boot
    "2.33",  # os-hypervisors: limit and marker paging
    "2.34",  # live-migration pre-checks asynchronous
    "2.35",  # keypairs paging
    "2.36",  # proxy APIs (images, networks, volumes ...) removed
    "2.37",  # networks "auto"/"none", networks required
    "2.38",  # invalid server status filter is a 400
    "2.39",  # image metadata limit no longer in limits
    "2.40",  # simple tenant usage paging
    "2.41",  # os-aggregates: uuid shown
    "2.42",  # device tags restored on boot
    "2.43",  # os-hosts deprecated
    "2.44",  # network proxy server actions deprecated
    "2.45",  # createImage returns image_id in the body
    "2.46",  # x-openstack-request-id response header
    "2.47",  # flavor embedded in server details
    "2.48",  # server diagnostics standardised
    "2.49",  # tagged volume attach
    "2.50",  # quota classes: server groups, no network quotas
    "2.51",  # volume-extended external event; action event host
    "2.52",  # tags on server create
    "2.53",  # os-services/os-hypervisors: uuid ids; PUT /os-services/{id}; hypervisor query params
    "2.54",  # rebuild with key_name
    "2.55",  # flavor description
    "2.56",  # cold migration to a host
    "2.57",  # rebuild user_data; personality removed
    "2.58",  # instance actions paging
    "2.59",  # migrations paging
    "2.60",  # multiattach volumes
    "2.61",  # flavor extra_specs in flavor bodies
    "2.62",  # host and hostId of instance action events
    "2.63",  # trusted image certificates
    "2.64",  # server group policy and rules
    "2.65",  # abort queued live migrations
    "2.66",  # changes-before filter
    "2.67",  # volume_type in block device mappings
    "2.68",  # evacuate/live-migrate force removed
    "2.69",  # down cells: minimal records (os-services: host, binary, status UNKNOWN)
    "2.70",  # device tags in interface and volume attachments
    "2.71",  # server_groups in server show
    "2.72",  # ports with resource requests
    "2.73",  # lock reason; locked filter
    "2.74",  # host/hypervisor_hostname on server create
    "2.75",  # API consistency; os-hypervisors: servers always listed with with_servers
    "2.76",  # power-update external event
    "2.77",  # unshelve to an availability zone
    "2.78",  # server topology
    "2.79",  # delete_on_termination of volume attachments
    "2.80",  # migrations filters user_id/project_id
    "2.81",  # aggregate image pre-caching
    "2.82",  # accelerator-request-bound external event
    "2.83",  # more server list filters for non-admins
    "2.84",  # instance action event details
    "2.85",  # update delete_on_termination of a volume attachment
    "2.86",  # flavor extra spec validation
    "2.87",  # rescue of volume-backed servers
    "2.88",  # os-hypervisors: capacity fields, statistics and uptime removed; uptime on show
    "2.89",  # volume attachments: attachment_id and bdm_uuid
    "2.90",  # server hostname on create/update/rebuild
    "2.91",  # unshelve to a host
    "2.92",  # keypair import only
    "2.93",  # rebuild of volume-backed servers
    "2.94",  # hostname may be an FQDN
    "2.95",  # evacuate leaves the server stopped
    "2.96",  # pinned_availability_zone in server details
]

MINIMUM = Version.parse(VERSIONS[0])
MAXIMUM = Version.parse(VERSIONS[-1])

LEGACY_HEADER = "X-OpenStack-Nova-API-Version"
VARY = "OpenStack-API-Version, X-OpenStack-Nova-API-Version"
# Path prefix of everything the microversion applies to.
VERSIONED_PREFIX = "/v2.1"


class ComputeMicroversionMiddleware(MicroversionMiddleware):
    """Negotiates for paths under ``/v2.1``; the root and ``/v2`` (legacy
    v2.0-compatible) documents and routes speak 2.1 and ignore the headers."""

    def __init__(self):
        super().__init__("compute", MINIMUM, MAXIMUM, legacy_headers=(LEGACY_HEADER.lower(),))

    def choose(self, headers: dict[str, str]) -> Version:
        try:
            text = microversion_parse.get_version(headers, service_type="compute",
                                                  legacy_headers=[LEGACY_HEADER.lower()])
        except (ValueError, TypeError) as exc:
            raise errors.BadRequest(f"Invalid API version header: {exc}") from None
        if text is None:
            return MINIMUM
        text = text.strip()
        if text == "latest":
            return MAXIMUM
        try:
            version = Version.parse(text)
        except ValueError:
            raise errors.BadRequest(f"API Version String '{text}' is of invalid format. "
                                    "Must be of format MajorNum.MinorNum.") from None
        if not MINIMUM <= version <= MAXIMUM:
            raise errors.NotAcceptable(
                f"Version {text} is not supported by the API. "
                f"Minimum is {MINIMUM} and maximum is {MAXIMUM}.")
        return version

    def process_request(self, req, resp) -> None:
        versioned = (req.path == VERSIONED_PREFIX or req.path.startswith(VERSIONED_PREFIX + "/")) \
            and not getattr(req.context, "legacy_v2", False)
        req.context.versioned = versioned
        if not versioned:
            req.context.version = MINIMUM
            return
        super().process_request(req, resp)

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        if not getattr(req.context, "versioned", False):
            return
        version = getattr(req.context, "version", None)
        if version is not None:
            resp.set_header("OpenStack-API-Version", f"compute {version}")
            resp.set_header(LEGACY_HEADER, str(version))
        resp.set_header("Vary", VARY)
