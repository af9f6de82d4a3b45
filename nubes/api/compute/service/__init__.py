"""Compute API services: one module per resource, each function one
logical operation.  They own transactions (per database: the API database
and each cell's), read across cells with scatter-gather, and call placement
through its typed client.  They raise ``nubes.api.compute.exceptions``."""
