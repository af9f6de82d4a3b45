"""``[placement_client]``, ``[image_client]``, ``[volume_client]`` and
``[service_auth]``: how services reach the placement, image and volume APIs
over HTTP, and as whom.

``[placement_client]`` (:mod:`nubes.placement.client`) is read by every
process that talks to placement: the compute API (``nubes-api``), the
scheduler (``nubes-scheduler``), the conductors (``nubes-conductor``), the
compute agents (``nubes-compute``), ``nubes-manage``'s placement commands
and the embedded cloud.  ``[image_client]`` (:mod:`nubes.image.client`) is
read by the compute API and the embedded cloud.  ``[volume_client]``
(:mod:`nubes.volume.client`) is read by the compute API and the compute
agents: its ``token`` is what a host sends the volume API when the request
has no caller's token (its start-up reconcile, its periodic tasks).
``[service_auth]`` (:mod:`nubes.common.service_auth`), when its
``auth_url`` is set, replaces the clients' fixed ``token`` with a Keystone
service user's, renewed before it expires.
"""
from __future__ import annotations

from oslo_config import cfg

# How other services reach placement (nubes.placement.client).
PLACEMENT_CLIENT_OPTS = [
    cfg.StrOpt("endpoint",
               help="Base URL of the placement API, e.g. http://127.0.0.1:8778."),
    cfg.StrOpt("token", secret=True,
               help="X-Auth-Token sent to placement (with noauth2 placement, "
                    "'admin')."),
    cfg.FloatOpt("timeout", default=30.0, min=0.1,
                 help="Seconds to wait for placement to answer one request."),
    cfg.IntOpt("conflict_retries", default=4, min=0,
               help="Retries of a read-modify-write call (e.g. a provider's "
                    "aggregates) after placement reports a concurrent update."),
]

# How the compute API reaches the image API (nubes.image.client).
IMAGE_CLIENT_OPTS = [
    cfg.StrOpt("endpoint",
               help="Base URL of the image API, e.g. http://127.0.0.1:9292; unset: "
                    "[identity] image_endpoint."),
    cfg.StrOpt("token", secret=True,
               help="X-Auth-Token sent when the caller's own token is not known "
                    "(with noauth2 image API, 'admin')."),
    cfg.FloatOpt("timeout", default=30.0, min=0.1,
                 help="Seconds to wait for the image API to answer one request."),
]

# How the compute API and the compute hosts reach the volume API
# (nubes.volume.client; the endpoint is [identity] volume_endpoint).
VOLUME_CLIENT_OPTS = [
    cfg.StrOpt("token", secret=True,
               help="X-Auth-Token sent to the volume API when the request has no "
                    "caller's token: a host's start-up reconcile and periodic tasks "
                    "(with noauth2 volume API, 'admin'). It must be an admin's: the "
                    "volumes are the users' own."),
    cfg.FloatOpt("timeout", default=30.0, min=0.1,
                 help="Seconds to wait for the volume API to answer one request."),
]

# The service user the clients above authenticate as (nubes.common.service_auth).
SERVICE_AUTH_OPTS = [
    cfg.StrOpt("auth_url",
               help="Keystone's URL (e.g. https://keystone.example.org/v3). Set: the "
                    "services call placement, the image API and the volume API with "
                    "tokens of this service user, renewed before they expire, instead "
                    "of [placement_client] token, [image_client] token and "
                    "[volume_client] token."),
    cfg.StrOpt("username", help="The service user (e.g. nova)."),
    cfg.StrOpt("password", secret=True, help="Its password."),
    cfg.StrOpt("project_name", default="service",
               help="The project its tokens are scoped to."),
    cfg.StrOpt("user_domain_name", default="Default", help="The user's domain."),
    cfg.StrOpt("project_domain_name", default="Default", help="The project's domain."),
    cfg.FloatOpt("timeout", default=30.0, min=0.1,
                 help="Seconds to wait for Keystone to issue a token."),
    cfg.FloatOpt("renew_before", default=300.0, min=0.0,
                 help="A token is renewed this many seconds before it expires."),
]
