"""The HTTP APIs clients call that are not placement: ``compute`` (/v2.1)."""
