"""Handlers for placement trait routes (being written this session)."""

from nubes.common.wsgi import errors


def list_traits_for_resource_provider(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def update_traits_for_resource_provider(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def delete_traits_for_resource_provider(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def list_traits(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def get_trait(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def put_trait(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def delete_trait(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")
