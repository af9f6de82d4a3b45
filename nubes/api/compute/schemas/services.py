"""Request bodies of PUT /os-services/{...}."""
from nubes.api.compute.schemas import common

_REASON = {"type": "string", "minLength": 1, "maxLength": 255}


def _object(properties: dict, required: list[str]) -> dict:
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False}


_HOST_BINARY = {"host": common.HOSTNAME, "binary": {"type": "string", "minLength": 1,
                                                     "maxLength": 255}}

# Before 2.53: PUT /os-services/{enable,disable,disable-log-reason,force-down}.
ENABLE_DISABLE = _object(_HOST_BINARY, ["host", "binary"])
DISABLE_LOG_REASON = _object({**_HOST_BINARY, "disabled_reason": _REASON},
                             ["host", "binary", "disabled_reason"])
FORCE_DOWN = _object({**_HOST_BINARY, "forced_down": common.BOOLEAN},
                     ["host", "binary", "forced_down"])

# 2.53+: PUT /os-services/{service_uuid}.
UPDATE_V2_53 = _object({"status": {"enum": ["enabled", "disabled"]},
                        "disabled_reason": _REASON,
                        "forced_down": common.BOOLEAN}, [])
