"""``[api]`` and ``[cors]``: the HTTP APIs.

Read by the WSGI applications: the compute API (``nubes-api``), placement
(``nubes-placement-api``) and the image API (``nubes-image-api``), and by
the embedded cloud that serves them in one process.  ``[api]`` chooses
the auth strategy, the per-request access log, and caps list sizes; ``enable_instance_password`` is the
compute API's alone.  ``[cors]`` is read by the CORS middleware
(:mod:`nubes.common.wsgi.cors`) of every API.
"""
from __future__ import annotations

from oslo_config import cfg

API_OPTS = [
    cfg.StrOpt("auth_strategy", default="keystone",
               choices=["noauth2", "keystone", "nubes_token"],
               help="noauth2 trusts X-Auth-Token/X-User-Id/X-Project-Id/X-Roles "
                    "headers (development and tests only); keystone validates "
                    "tokens with keystonemiddleware; nubes_token checks the "
                    "signed tokens of the embedded identity service with the "
                    "secret in [identity] token_secret_file."),
    cfg.IntOpt("max_limit", default=1000, min=1,
               help="The most items one list request returns."),
    cfg.IntOpt("max_request_body_size", default=1 << 20, min=1024,
               help="The largest request body (bytes) any API reads; a larger "
                    "one is a 413."),
    cfg.IntOpt("max_servers_per_request", default=1000, min=1,
               help="The most servers one POST /servers may create (compute API). "
                    "Quota shrinks max_count to what fits; this bounds it when "
                    "the project's quota is unlimited, and a min_count above it "
                    "is a 400."),
    cfg.BoolOpt("access_log", default=True,
                help="Log one line per request (logger nubes.access): request id, "
                     "client address, method, path, status, body length and "
                     "seconds taken, as OpenStack services log requests."),
    cfg.BoolOpt("enable_instance_password", default=True,
                help="Return a generated adminPass when a server is created."),
]

CORS_OPTS = [
    cfg.ListOpt("allowed_origin", default=[],
                help="Origins allowed to make cross-site requests; empty "
                     "disables CORS."),
    cfg.ListOpt("allow_headers",
                default=["Content-Type", "X-Auth-Token", "X-OpenStack-Request-ID",
                         "OpenStack-API-Version"],
                help="Headers a cross-site request may carry."),
    cfg.ListOpt("expose_headers",
                default=["X-OpenStack-Request-ID", "OpenStack-API-Version"],
                help="Response headers exposed to cross-site callers."),
    cfg.BoolOpt("allow_credentials", default=True),
]
