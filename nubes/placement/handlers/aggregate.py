"""Handlers for placement aggregate routes (being written this session)."""

from nubes.common.wsgi import errors


def get_aggregates(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def set_aggregates(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")
