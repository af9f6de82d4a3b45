"""The cell database schema: one for cell0 and every cell."""
