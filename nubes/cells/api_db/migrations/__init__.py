"""Alembic scripts of the api database schema."""
