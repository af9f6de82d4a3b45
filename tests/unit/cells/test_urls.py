"""URL validation, masking and cell0 derivation."""
from __future__ import annotations

import pytest

from nubes.cells import urls
from nubes.cells.exceptions import InvalidDatabaseURL, InvalidTransportURL


@pytest.mark.parametrize("url, masked", [
    ("rabbit://user:secret@host:5672/vhost", "rabbit://user:****@host:5672/vhost"),
    ("rabbit://a:s1@h1:5672,b:s2@h2:5672/v", "rabbit://a:****@h1:5672,b:****@h2:5672/v"),
    ("rabbit://user@host/", "rabbit://user@host/"),
    ("mysql+pymysql://nova:p@ss@db/nova?charset=utf8", "mysql+pymysql://nova:****@db/nova?charset=utf8"),
    ("postgresql://u:pw@h/db?password=x&sslmode=on", "postgresql://u:****@h/db?password=****&sslmode=on"),
    ("sqlite:////var/lib/nubes/cell1.sqlite", "sqlite:////var/lib/nubes/cell1.sqlite"),
    ("none:///", "none:///"),
    ("not a url", "not a url"),
])
def test_mask(url, masked):
    assert urls.mask(url) == masked


def test_mask_none():
    assert urls.mask(None) is None


@pytest.mark.parametrize("url, cell0", [
    ("mysql+pymysql://u:p@db/nubes", "mysql+pymysql://u:p@db/nubes_cell0"),
    ("postgresql+psycopg://u@db:5432/cell1?sslmode=require",
     "postgresql+psycopg://u@db:5432/cell1_cell0?sslmode=require"),
    ("sqlite:////var/lib/nubes/cell1.sqlite", "sqlite:////var/lib/nubes/cell1_cell0.sqlite"),
    ("sqlite:///relative/db", "sqlite:///relative/db_cell0"),
])
def test_cell0_database_url(url, cell0):
    assert urls.cell0_database_url(url) == cell0


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql+pymysql://u@db"])
def test_cell0_cannot_be_derived(url):
    with pytest.raises(InvalidDatabaseURL):
        urls.cell0_database_url(url)


@pytest.mark.parametrize("url", ["", "   ", None, "rabbit", "host:5672", "://x"])
def test_bad_transport_urls(url):
    with pytest.raises(InvalidTransportURL):
        urls.check_transport_url(url)


def test_transport_urls_are_otherwise_opaque():
    assert urls.check_transport_url(" kombu+memory://x ") == "kombu+memory://x"


@pytest.mark.parametrize("url", ["", None, "not a url", "oracle://u@h/db"])
def test_bad_database_urls(url):
    with pytest.raises(InvalidDatabaseURL):
        urls.check_database_url(url)
