"""Patterns and fragments shared by placement schemas."""

CUSTOM_RC_PATTERN = "^CUSTOM_[A-Z0-9_]+$"
RC_PATTERN = "^[A-Z0-9_]+$"
TRAIT_PATTERN = "^[A-Z0-9_]+$"
CUSTOM_TRAIT_PATTERN = "^CUSTOM_[A-Z0-9_]+$"
UUID = {"type": "string", "format": "uuid"}
NAME_MAX = 255
