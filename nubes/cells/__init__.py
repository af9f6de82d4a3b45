"""Cells v2: the only package that knows there are many databases and buses.

* ``api_db`` / ``cell_db``: the two schemas (one API database; one cell
  schema shared by cell0 and every cell) with their Alembic migrations.
* ``repo``: SQL for each table family.
* ``targeting``: cell mappings -> per-cell ``Database`` and transport URL;
  ``target_cell`` binds a context to one cell.
* ``scatter_gather``: run work in many cells at once; a down or slow cell
  yields a sentinel, never an exception and never a hang.
"""
