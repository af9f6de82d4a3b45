"""Handlers for placement allocation_candidate routes (being written this session)."""

from nubes.common.wsgi import errors


def list_allocation_candidates(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")
