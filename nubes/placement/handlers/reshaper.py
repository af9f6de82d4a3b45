"""Handlers for placement reshaper routes (being written this session)."""

from nubes.common.wsgi import errors


def reshape(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")
