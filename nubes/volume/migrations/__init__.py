"""Alembic scripts of the volume database."""
