"""HTTP sessions for the service-to-service clients (placement, image).

``requests`` looks at the environment on every request (``*_proxy``,
``no_proxy``, ``.netrc``, CA bundle variables), which costs about as much
as the rest of a local request.  A service session reads the environment
once, for its one endpoint, when it is made: a change of the environment
needs a restart, as with every other setting of a service.
"""
from __future__ import annotations

import os

import requests
from requests.adapters import HTTPAdapter

from nubes.common import local_wsgi


def service_session(endpoint: str, adapter: HTTPAdapter
                    ) -> requests.Session | local_wsgi.LocalSession:
    """A session for calls to ``endpoint``; one that hands them to the WSGI
    app itself when this process serves it (:mod:`nubes.common.local_wsgi`)."""
    app = local_wsgi.app_for(endpoint)
    if app is not None:
        return local_wsgi.LocalSession(endpoint, app)
    session = requests.Session()
    session.proxies.update(requests.utils.get_environ_proxies(endpoint))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    session.trust_env = False
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
