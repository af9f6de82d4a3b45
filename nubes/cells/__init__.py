"""Cells v2: the only package that knows there are many databases and buses.

* ``api_db`` / ``cell_db``: the two schemas (one API database; one cell
  schema shared by cell0 and every cell) with their Alembic migrations.
* ``records``: the row types every repository returns (one per table).
* ``repo``: SQL, one module per table family.
* ``targeting``: the cell registry (mappings cached, lookup by uuid or id,
  cell0) and per-cell ``Database``; ``target_cell`` binds a context to one
  cell.  ``buses``: each cell's message bus, and casts queued after commit.
* ``scatter_gather``: run work in many cells at once; a down or slow cell
  yields a sentinel, never an exception and never a hang.
* ``sort_order`` / ``lister``: one global order over many cells, and the
  sorted, paginated cross-cell listing (heap merge, per-cell markers).
* ``instance_filters``: what a server listing may filter on.
* ``quota``: counted quotas (limits, usage across cells, the recheck).
* ``liveness``: the one rule for "is this service up?".
* ``admin``: the ``nubes-manage cell_v2`` and ``placement audit`` work.
"""
