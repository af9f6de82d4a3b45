"""The conductors.

The cell conductor is the only service of a cell with the cell's database
credentials besides the API: compute agents reach their cell database
through it over the cell's bus (``rpcapi`` / ``messages`` are the contract,
``endpoint`` the server side).  For now it keeps the compute hosts' service
records (registration, liveness) and compute node records.
"""
