"""Compute response bodies, one module per resource; microversion windows
choose the fields here, not in handlers."""
