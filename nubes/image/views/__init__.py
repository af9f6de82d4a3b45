"""Image API response bodies."""
