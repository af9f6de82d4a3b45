"""Handlers for placement inventory routes (being written this session)."""

from nubes.common.wsgi import errors


def get_inventories(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def create_inventory(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def set_inventories(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def delete_inventories(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def get_inventory(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def update_inventory(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")


def delete_inventory(req, resp, **_params):
    raise errors.NotFound("Not implemented yet.")
