"""Generated hostile input for every API (see docs/testing.md)."""
