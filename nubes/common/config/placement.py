"""``[placement]``: allocation candidate behaviour of the placement API.

Read by placement (``nubes-placement-api``, or placement inside the
embedded cloud) when it answers ``GET /allocation_candidates`` and records
consumers of requests older than microversion 1.8.
"""
from __future__ import annotations

from oslo_config import cfg

PLACEMENT_OPTS = [
    cfg.BoolOpt("randomize_allocation_candidates", default=False,
                help="Shuffle allocation candidates before applying limit; "
                     "otherwise they come in a stable order."),
    cfg.StrOpt("incomplete_consumer_project_id",
               default="00000000-0000-0000-0000-000000000000",
               help="Project recorded for consumers created by requests "
                    "older than microversion 1.8 that carry no project."),
    cfg.StrOpt("incomplete_consumer_user_id",
               default="00000000-0000-0000-0000-000000000000",
               help="User recorded for consumers created by requests older "
                    "than microversion 1.8 that carry no user."),
    cfg.IntOpt("max_allocation_candidates", default=-1,
               help="Upper bound on candidates generated per request before "
                    "limit applies (-1: no bound beyond limit)."),
]
