"""Request bodies of /os-keypairs: ``type`` from 2.2, ``user_id`` from
2.10, ``public_key`` required from 2.92 (import only)."""

_NAME = {"type": "string", "minLength": 1, "maxLength": 255}
# Characters a key pair name may hold (2.92 adds '@' and '.').
SAFE_NAME = r"^[a-zA-Z0-9_\- ]+$"
SAFE_NAME_V292 = r"^[a-zA-Z0-9_\-@. ]+$"
_PUBLIC_KEY = {"type": "string", "minLength": 1, "maxLength": 65535}


def create(*, with_type: bool, with_user: bool, import_only: bool) -> dict:
    fields = {"name": _NAME, "public_key": _PUBLIC_KEY}
    if with_type:
        fields["type"] = {"enum": ["ssh", "x509"]}
    if with_user:
        fields["user_id"] = {"type": "string", "minLength": 1, "maxLength": 255}
    return {
        "type": "object",
        "properties": {"keypair": {
            "type": "object",
            "properties": fields,
            "required": ["name", "public_key"] if import_only else ["name"],
            "additionalProperties": False,
        }},
        "required": ["keypair"],
        "additionalProperties": False,
    }


CREATE_V21 = create(with_type=False, with_user=False, import_only=False)
CREATE_V22 = create(with_type=True, with_user=False, import_only=False)
CREATE_V210 = create(with_type=True, with_user=True, import_only=False)
CREATE_V292 = create(with_type=True, with_user=True, import_only=True)

