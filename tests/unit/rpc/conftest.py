import uuid

import pytest

from nubes.common import rpc


@pytest.fixture
def memory_url():
    return "memory://unit-" + uuid.uuid4().hex[:10]


@pytest.fixture
def transport(memory_url):
    with rpc.get_transport(memory_url) as transport:
        yield transport
