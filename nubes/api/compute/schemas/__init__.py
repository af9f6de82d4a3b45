"""JSON schemas of compute request bodies, one module per handler module."""
