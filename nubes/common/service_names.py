"""The names services register under and listen on: the vocabulary every
package shares (the ``binary`` and ``topic`` columns of a cell's
``services`` table, as OpenStack clients know them)."""
from __future__ import annotations

COMPUTE_BINARY = "nova-compute"
COMPUTE_TOPIC = "compute"          # each host is a server of it: Target("compute", host)
CONDUCTOR_BINARY = "nova-conductor"
CONDUCTOR_TOPIC = "conductor"      # the cell conductor, on a cell's bus
SUPER_CONDUCTOR_TOPIC = "conductor"  # the super-conductor, on the API-level bus
SCHEDULER_BINARY = "nova-scheduler"
SCHEDULER_TOPIC = "scheduler"
