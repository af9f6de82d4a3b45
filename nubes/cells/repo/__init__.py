"""SQL for the cells tables, one module per table family.

API database: ``cell_mappings``, ``host_mappings``, ``instance_mappings``.
Cell databases: ``compute_nodes``, ``services``, ``instances``.
Every function takes an open ``Connection``; callers own transactions.
"""
