"""Alembic scripts of the image database."""
