"""Building blocks shared by the compute schemas."""

# Printable, 1-255 characters, no leading or trailing whitespace.
NAME = {"type": "string", "minLength": 1, "maxLength": 255,
        "pattern": r"^(?!\s)[^\x00-\x1f\x7f]*(?<!\s)$"}

# An availability zone name: a NAME without ':' (which separates zone,
# host and node in a boot request's availability_zone).
AZ_NAME = {"type": "string", "minLength": 1, "maxLength": 255,
           "pattern": r"^(?!\s)[^\x00-\x1f\x7f:]*(?<!\s)$"}
AZ_NAME_OR_NULL = {"oneOf": [AZ_NAME, {"type": "null"}]}

HOSTNAME = {"type": "string", "minLength": 1, "maxLength": 255,
            "pattern": r"^[a-zA-Z0-9._-]*$"}

# Booleans as OpenStack compute accepts them: JSON booleans or these strings.
_TRUE = ["True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes"]
_FALSE = ["False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no"]
BOOLEAN = {"enum": [True, False, *_TRUE, *_FALSE]}


def to_bool(value) -> bool:
    """A value BOOLEAN accepted, as a bool."""
    return value if isinstance(value, bool) else value in _TRUE
