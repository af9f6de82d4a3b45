"""Handlers for placement usage routes (being written this session)."""

from nubes.common.wsgi import errors


def list_usages_for_provider(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def get_total_usages(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")
