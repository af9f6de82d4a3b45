"""Request bodies of /flavors, /flavors/{id}/action (flavor access) and
the extra-spec key/value shapes."""
from nubes.api.compute.schemas import common

_MAX_INT = 2**31 - 1

# Integers, or strings of digits (OpenStack compute accepts both); the
# handler converts and range-checks them.
_INTISH = {"oneOf": [{"type": "integer"}, {"type": "string", "pattern": r"^\s*[0-9]+\s*$"}]}
_NUMBERISH = {"oneOf": [{"type": "number"},
                        {"type": "string", "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*$"}]}

# A flavor id: a string of letters, digits, '.', '_', '-' and inner
# spaces; a JSON number (stored as its decimal text, as OpenStack compute
# does: the id is a string that often looks like an integer); or null or
# absent for a generated uuid.  One schema with a type list, so a bad
# string's message names the pattern.
FLAVOR_ID = {"type": ["string", "number", "null"], "minLength": 1, "maxLength": 255,
             "pattern": r"^(?! )[a-zA-Z0-9. _-]+(?<! )$"}

DESCRIPTION = {"oneOf": [{"type": "string", "maxLength": 65535,
                          "pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"},
                         {"type": "null"}]}

_CREATE_FIELDS = {
    "name": common.NAME,
    "id": FLAVOR_ID,
    "ram": _INTISH,
    "vcpus": _INTISH,
    "disk": _INTISH,
    "OS-FLV-EXT-DATA:ephemeral": _INTISH,
    "swap": _INTISH,
    "rxtx_factor": _NUMBERISH,
    "os-flavor-access:is_public": common.BOOLEAN,
}


def create(with_description: bool) -> dict:
    fields = dict(_CREATE_FIELDS)
    if with_description:
        fields["description"] = DESCRIPTION
    return {
        "type": "object",
        "properties": {"flavor": {
            "type": "object",
            "properties": fields,
            "required": ["name", "ram", "vcpus", "disk"],
            "additionalProperties": False,
        }},
        "required": ["flavor"],
        "additionalProperties": False,
    }


CREATE_V21 = create(False)
CREATE_V255 = create(True)

UPDATE = {
    "type": "object",
    "properties": {"flavor": {
        "type": "object",
        "properties": {"description": DESCRIPTION},
        "required": ["description"],
        "additionalProperties": False,
    }},
    "required": ["flavor"],
    "additionalProperties": False,
}

# Project ids: printable, 1-255 characters.
_TENANT = {"type": "object",
           "properties": {"tenant": {"type": "string", "minLength": 1, "maxLength": 255,
                                     "pattern": r"^[^\x00-\x1f\x7f]+$"}},
           "required": ["tenant"], "additionalProperties": False}

ACTION = {
    "type": "object",
    "properties": {"addTenantAccess": _TENANT, "removeTenantAccess": _TENANT},
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
}

# --- extra specs ----------------------------------------------------------------

EXTRA_SPEC_KEY_PATTERN = r"^[a-zA-Z0-9-_:. ]{1,255}$"
_VALUE = {"type": ["string", "number", "boolean"], "minLength": 0, "maxLength": 255}

EXTRA_SPECS = {
    "type": "object",
    "patternProperties": {EXTRA_SPEC_KEY_PATTERN: _VALUE},
    "additionalProperties": False,
}

EXTRA_SPECS_CREATE = {
    "type": "object",
    "properties": {"extra_specs": EXTRA_SPECS},
    "required": ["extra_specs"],
    "additionalProperties": False,
}

# PUT /flavors/{id}/os-extra_specs/{key}: {key: value}, one pair.
EXTRA_SPEC_UPDATE = {**EXTRA_SPECS, "minProperties": 1, "maxProperties": 1}


def to_int(value, what: str, minimum: int) -> int:
    """A value _INTISH accepted, range-checked (ValueError with a message)."""
    number = int(value) if isinstance(value, int) else int(str(value).strip())
    if number < minimum or number > _MAX_INT:
        raise ValueError(f"Invalid input for field/attribute {what}. Value: {value}. "
                         f"It must be an integer between {minimum} and {_MAX_INT}.")
    return number


def to_flavorid(value) -> str | None:
    """The stored text of an id FLAVOR_ID accepted (None: generate one)."""
    if value is None or isinstance(value, str):
        return value
    return str(value)


def to_rxtx(value) -> float:
    number = float(value)
    if not 0 < number <= 3.40282e38:
        raise ValueError(f"Invalid input for field/attribute rxtx_factor. Value: {value}. "
                         "It must be a number greater than 0.")
    return number


def spec_value(value) -> str:
    """Extra-spec values are stored as strings (booleans as 'True'/'False')."""
    return str(value)
