"""Schema pieces the volume API's bodies share (cinder's parameter types)."""
from __future__ import annotations

MAX_INT = 2**31 - 1

# An integer, or a string of digits (cinder accepts both).
INTEGER = {"type": ["integer", "string"], "pattern": r"^-?[0-9]+$",
           "minimum": -1, "maximum": MAX_INT}
POSITIVE = {"type": ["integer", "string"], "pattern": r"^[0-9]+$", "minimum": 1,
            "maximum": MAX_INT}
NAME = {"type": ["string", "null"], "maxLength": 255}
DESCRIPTION = {"type": ["string", "null"], "maxLength": 255}
UUID = {"type": "string", "format": "uuid"}
BOOLEAN = {"type": ["boolean", "string"],
           "enum": [True, False, "True", "False", "true", "false", "TRUE", "FALSE",
                    "1", "0", "t", "f", "yes", "no", "y", "n", "on", "off"]}

# Key/value pairs: keys of 1-255 characters, string values up to 255.
KEY_VALUES = {
    "type": "object",
    "maxProperties": 128,
    "patternProperties": {r"^.{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
}
NULLABLE_KEY_VALUES = {**KEY_VALUES, "type": ["object", "null"]}


def as_int(value) -> int:
    """An INTEGER / POSITIVE value as an int (already validated)."""
    return int(value)


def as_bool(value) -> bool:
    """A BOOLEAN value as a bool (already validated)."""
    if isinstance(value, bool):
        return value
    return value.strip().lower() in ("true", "1", "t", "yes", "y", "on")
