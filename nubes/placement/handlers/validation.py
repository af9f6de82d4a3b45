"""Schema validation with OpenStack Placement's error texts.

Placement's 400 for a body or query string that fails its schema carries
the validator's whole report, not only its first line: the message, the
rule that failed with the part of the schema holding it, and the instance
that failed it — on one line, newlines turned to spaces as placement's
error pages turn them::

    JSON does not validate: 0 is less than the minimum of 1  Failed
    validating 'minimum' in schema['properties']['total']: ...
"""
from __future__ import annotations

from typing import Any

import jsonschema

from nubes.common.wsgi import body, errors

BODY_PREFIX = "JSON does not validate: "
QUERY_PREFIX = "Invalid query string parameters: "


def report(error: jsonschema.ValidationError) -> str:
    """The validator's full report on one line."""
    return str(error).replace("\r", "").replace("\n", " ")


def check(data: Any, schema: dict, prefix: str = BODY_PREFIX) -> Any:
    """``data``, or a 400 with ``prefix`` and the full report."""
    error = jsonschema.exceptions.best_match(body.validator_for(schema).iter_errors(data))
    if error is not None:
        raise errors.BadRequest(prefix + report(error))
    return data


def read_json(req, schema: dict) -> Any:
    """The request's JSON body (415 unless it claims to be JSON, 400 when
    malformed), validated against ``schema``."""
    return check(body.read_json(req), schema)
