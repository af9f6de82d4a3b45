"""The two conductors.

* :mod:`.cell`: the **cell conductor** (``nubes-conductor``), one or more per
  cell on the cell's bus.  Besides the API it is the only holder of the cell
  database's credentials: compute agents reach their cell database through
  it (service records and liveness, compute node records, instance updates,
  action events) and it reschedules a failed build onto an alternate.
* :mod:`.super`: the **super-conductor** (``nubes-conductor --super``) on the
  API-level bus, with the API database, every cell and the scheduler: it
  turns build requests into instances in a cell, or in cell0.

Each has ``messages`` (the wire contract), ``rpcapi`` (the client others
import), ``endpoint`` (the server side) and ``process`` (the running
thing: RPC server, service record, start/stop).  :mod:`.task` is the
execute-then-rollback base both use for long operations.
"""
