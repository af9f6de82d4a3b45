import pytest

from nubes.common.context import RequestContext
from nubes.common.rpc.dispatch import Dispatcher, public_method, version_fits
from nubes.common.rpc.envelope import Request
from nubes.common.rpc.errors import NoSuchMethod, UnsupportedVersion


class Old:
    RPC_API_VERSION = "1.1"

    def ping(self, ctx):
        return "old"


class New:
    RPC_API_VERSION = "2.0"

    def __init__(self):
        self.tool = lambda ctx: "tool"

    def ping(self, ctx):
        return "new"

    def add(self, ctx, a, b):
        return a + b

    def _hidden(self, ctx):
        return "hidden"

    @staticmethod
    def static(ctx):
        return "static"


def request(method, version="1.0", **args):
    return Request(id="1", method=method, args=args, version=version, context=None)


def test_first_endpoint_with_a_fitting_version_wins():
    dispatcher = Dispatcher([Old(), New()])
    assert dispatcher.dispatch(RequestContext(), request("ping", "1.1")) == "old"
    assert dispatcher.dispatch(RequestContext(), request("ping", "2.0")) == "new"
    assert dispatcher.dispatch(RequestContext(), request("add", "2.0", a=1, b=2)) == 3


@pytest.mark.parametrize("method", ["_hidden", "tool", "__init__", "__class__", "nope",
                                    "ping.x", ""])
def test_only_public_methods_of_the_class(method):
    with pytest.raises(NoSuchMethod):
        Dispatcher([New()]).dispatch(RequestContext(), request(method, "2.0"))


def test_static_methods_are_not_endpoints():
    assert public_method(New(), "static") is None


def test_version_mismatch():
    with pytest.raises(UnsupportedVersion):
        Dispatcher([Old()]).dispatch(RequestContext(), request("ping", "1.2"))
    with pytest.raises(UnsupportedVersion):
        Dispatcher([Old()]).dispatch(RequestContext(), request("ping", "x.y"))


@pytest.mark.parametrize("requested,supported,fits", [
    ("1.0", "1.3", True), ("1.3", "1.3", True), ("1.4", "1.3", False),
    ("2.0", "1.3", False), ("1.0", "2.0", False), ("5.9", None, True), ("1", "1.0", True)])
def test_version_fits(requested, supported, fits):
    assert version_fits(requested, supported) is fits


def test_no_endpoints():
    with pytest.raises(ValueError):
        Dispatcher([])
