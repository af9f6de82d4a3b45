"""A minimal Image API v2 (glance-compatible records, no image data)."""
