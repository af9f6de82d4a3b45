"""Every API writes one nubes.access line per request, with its request id."""
from __future__ import annotations

import logging
import types

import falcon.testing
import pytest

from nubes.common.wsgi import app as wsgi_app
from nubes.common.wsgi.request_id import HEADER, RequestIdMiddleware


def _hello(req, resp):
    resp.data = b'{"hello": "world"}'


def _client(access_log: bool = True) -> falcon.testing.TestClient:
    conf = types.SimpleNamespace(api=types.SimpleNamespace(access_log=access_log))
    app = wsgi_app.build_app(
        middleware=[RequestIdMiddleware(), wsgi_app.StateMiddleware(types.SimpleNamespace(conf=conf))],
        routes=[("/hello", {"GET": _hello})],
        render_error=lambda req, err: (b'{"error": "%d"}' % err.status, "application/json"))
    return falcon.testing.TestClient(app)


def _lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "nubes.access"]


@pytest.mark.parametrize("path, status", [("/hello?x=1", 200), ("/nowhere", 404)])
def test_one_line_per_request_with_its_request_id(caplog, path, status):
    caplog.set_level(logging.INFO, logger="nubes.access")
    resp = _client().simulate_get(path.split("?")[0], query_string=path.partition("?")[2])
    assert resp.status_code == status
    [record] = _lines(caplog)
    length = len(resp.content)
    assert record.request_id == resp.headers[HEADER]
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert f'"GET {path}" status: {status} len: {length} time: ' in message
    assert float(message.rsplit("time: ", 1)[1]) >= 0


def test_the_formatted_line_names_the_request_once(caplog):
    caplog.set_level(logging.INFO, logger="nubes.access")
    resp = _client().simulate_get("/hello")
    [record] = _lines(caplog)
    from nubes.common import log
    line = logging.Formatter(log.FORMAT).format(record)
    assert f"INFO nubes.access [{resp.headers[HEADER]}] " in line
    assert line.count("req-") == 1


def test_switched_off(caplog):
    caplog.set_level(logging.INFO, logger="nubes.access")
    _client(access_log=False).simulate_get("/hello")
    assert _lines(caplog) == []
