"""``[placement_client]`` and ``[image_client]``: how services reach the
placement and image APIs over HTTP.

``[placement_client]`` (:mod:`nubes.placement.client`) is read by every
process that talks to placement: the compute API (``nubes-api``), the
scheduler (``nubes-scheduler``), the conductors (``nubes-conductor``), the
compute agents (``nubes-compute``), ``nubes-manage``'s placement commands
and the embedded cloud.  ``[image_client]`` (:mod:`nubes.image.client`) is
read by the compute API and the embedded cloud.
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
