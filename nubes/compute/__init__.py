"""The compute agent: one RPC server per host on its cell's bus.

* ``agent``: wiring of one host (service record, liveness, RPC server,
  periodic resource sync) and its life cycle;
* ``rpcapi`` / ``messages``: the wire contract others use to reach a host;
  ``endpoint``: the server side;
* ``resource_tracker``: the host's nodes -> compute node records (via the
  cell conductor) and resource providers in placement;
* ``virt``: the driver protocol and the fake drivers.
"""
