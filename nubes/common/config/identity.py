"""``[identity]``: the embedded cloud's development identity service
(:mod:`nubes.identity`) and the ``nubes_token`` auth strategy that checks
its tokens.

Read by the identity service (served by ``nubes up``), by every API that
uses ``auth_strategy = nubes_token`` (the token secret and revocation
files, :mod:`nubes.common.auth`), and by the compute API, whose image
client falls back to ``image_endpoint``.
"""
from __future__ import annotations

from oslo_config import cfg

IDENTITY_OPTS = [
    cfg.StrOpt("token_secret_file", default="$state_path/token_secret",
               help="File holding the HMAC secret that signs and checks "
                    "nubes tokens; `nubes up` creates it.  Every API using "
                    "auth_strategy = nubes_token must read the same file."),
    cfg.StrOpt("revoked_tokens_file", default="$state_path/revoked_tokens",
               help="Audit ids of revoked tokens, shared by every API that "
                    "checks nubes tokens on this host."),
    cfg.IntOpt("token_expiration", default=3600, min=60,
               help="Seconds a token stays valid."),
    cfg.StrOpt("users_file", default="$state_path/identity.yaml",
               help="Users, password hashes, projects and role assignments "
                    "(YAML; `nubes up` writes a default one)."),
    cfg.StrOpt("region_name", default="RegionOne",
               help="Region of every endpoint in the service catalog."),
    cfg.StrOpt("public_endpoint",
               help="Identity URL as clients reach it, e.g. "
                    "http://127.0.0.1:5000 (catalog, version documents, "
                    "WWW-Authenticate); default: the URL a request came in on."),
    cfg.StrOpt("compute_endpoint",
               help="Catalog URL of compute, e.g. http://127.0.0.1:8774/v2.1; "
                    "unset leaves compute out of the catalog (as for the "
                    "options below)."),
    cfg.StrOpt("placement_endpoint", help="Catalog URL of placement."),
    cfg.StrOpt("volume_endpoint",
               help="Catalog URL of block storage (types block-storage and "
                    "volumev3); %(project_id)s or $(project_id)s becomes the "
                    "token's project, e.g. http://127.0.0.1:8776/v3/%(project_id)s."),
    cfg.StrOpt("image_endpoint", help="Catalog URL of the image service."),
]
