"""The embedded cloud's development identity service.

A small Keystone-v3-compatible API (version documents, ``/v3/auth/tokens``,
``/v3/auth/catalog``, ``/v3/auth/projects``) so that the real OpenStack
clients work in catalog mode against ``nubes up``.  Users come from a YAML
file (:mod:`nubes.identity.users_file`); tokens are stateless and signed
(:mod:`nubes.common.tokens`), checked by every nubes API configured with
``[api] auth_strategy = nubes_token``.  Production uses Keystone.
"""
