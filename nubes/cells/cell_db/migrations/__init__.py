"""Alembic scripts of the cell database schema."""
