"""Query strings for GET /usages."""

_ID = {"type": "string", "minLength": 1, "maxLength": 255}

# project_id is required, but checked by the handler so that its absence
# gets the placement.query.missing_value code.
GET_USAGES_QUERY = {
    "type": "object",
    "properties": {"project_id": _ID, "user_id": _ID},
    "additionalProperties": False,
}

# 1.38: ``all``, ``unknown`` (consumers without a type) or a type name.
GET_USAGES_QUERY_V1_38 = {
    **GET_USAGES_QUERY,
    "properties": {**GET_USAGES_QUERY["properties"],
                   "consumer_type": {"type": "string", "maxLength": 255,
                                     "pattern": "^([A-Z0-9_]+|all|unknown)$"}},
}
