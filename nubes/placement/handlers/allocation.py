"""Handlers for placement allocation routes (being written this session)."""

from nubes.common.wsgi import errors


def list_for_resource_provider(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def set_allocations(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def list_for_consumer(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def set_allocations_for_consumer(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def delete_allocations(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")
