"""JSON schemas of the image API's request bodies."""
