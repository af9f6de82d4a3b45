"""Body of ``PUT /os-hosts/{host_name}``: ``status`` and/or
``maintenance_mode``, each enable or disable (any of three spellings)."""

_SWITCH = {"type": "string",
           "enum": ["enable", "disable", "Enable", "Disable", "ENABLE", "DISABLE"]}

UPDATE = {
    "type": "object",
    "properties": {"status": _SWITCH, "maintenance_mode": _SWITCH},
    "anyOf": [{"required": ["status"]}, {"required": ["maintenance_mode"]}],
    "additionalProperties": False,
}
