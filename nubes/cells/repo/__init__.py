"""SQL for the cells tables, one module per table family; every function
takes an open ``Connection`` (callers own transactions) and returns the
row types of :mod:`nubes.cells.records` (or plain dicts of columns).

API database: ``cell_mappings``, ``host_mappings``, ``instance_mappings``,
``build_requests`` (with the new-server write of build request, request
spec and mapping), ``request_specs``, ``flavors``, ``aggregates``,
``key_pairs``, ``server_groups``, ``quota_limits``, ``quota_locks`` (the
per-project lock of counted quotas).
Cell databases: ``services``, ``compute_nodes``, ``instances``,
``instance_actions``; ``instance_listing`` is the servers listing's query.
Both: ``quota_usage`` counts what a project's servers use.
"""
