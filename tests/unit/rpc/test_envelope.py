import dataclasses
import uuid

import orjson
import pytest

from nubes.common.context import RequestContext
from nubes.common.rpc import envelope, errors


@dataclasses.dataclass
class Spec:
    flavor: str
    vcpus: int


def test_request_round_trip_with_context():
    ctx = RequestContext(user_id="u", project_id="p", roles=("admin", "member"),
                         global_request_id="req-g", is_admin=True)
    message_id, body = envelope.encode_request(
        ctx, "build", {"spec": Spec("m1", 2), "uuid": uuid.UUID(int=1)},
        version="1.3", reply_to="reply_x")
    request = envelope.decode_request(body)
    assert request.id == message_id and request.method == "build"
    assert request.version == "1.3" and request.reply_to == "reply_x"
    assert request.args == {"spec": {"flavor": "m1", "vcpus": 2},
                            "uuid": "00000000-0000-0000-0000-000000000001"}
    conf = object()
    rebuilt = envelope.context_from_wire(request.context, conf)
    assert (rebuilt.user_id, rebuilt.project_id, rebuilt.roles) == ("u", "p", ("admin", "member"))
    assert rebuilt.request_id == ctx.request_id and rebuilt.global_request_id == "req-g"
    assert rebuilt.is_admin is True and rebuilt.conf is conf


def test_missing_context_gets_a_fresh_one():
    _, body = envelope.encode_request(None, "ping", {}, version="1.0")
    ctx = envelope.context_from_wire(envelope.decode_request(body).context)
    assert ctx.user_id is None and ctx.request_id.startswith("req-")


def test_unencodable_arguments():
    with pytest.raises(errors.SerializationError):
        envelope.encode_request(None, "m", {"x": {1, 2}}, version="1.0")


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"v": 2, "id": "x"}', b'{"v": 1}',
                                  b'{"v": 1, "id": "x", "method": 3, "args": {}}'])
def test_malformed_requests(body):
    with pytest.raises(errors.SerializationError):
        envelope.decode_request(body)


def test_result_reply():
    reply = envelope.decode_reply(envelope.encode_result("m1", {"a": [1, None]}))
    assert reply.id == "m1" and reply.unwrap() == {"a": [1, None]}
    assert envelope.decode_reply(envelope.encode_result("m2", None)).unwrap() is None


def test_unencodable_result_becomes_serialization_error():
    reply = envelope.decode_reply(envelope.encode_result("m1", object()))
    with pytest.raises(errors.SerializationError):
        reply.unwrap()


class Unregistered(Exception):
    pass


@errors.allow
class Registered(Exception):
    def __init__(self, name, count=0):
        super().__init__(name, count)
        self.name, self.count = name, count


@errors.allow
class Awkward(Exception):
    """Its constructor does not take its args back."""

    def __init__(self):
        super().__init__("fixed", object())


def _raise(exc):
    try:
        raise exc
    except Exception as caught:
        return envelope.decode_reply(envelope.encode_error("m", caught))


def test_generic_error_becomes_remote_error():
    reply = _raise(Unregistered("went wrong"))
    with pytest.raises(errors.RemoteError) as info:
        reply.unwrap()
    assert info.value.exc_type.endswith("test_envelope.Unregistered")
    assert info.value.message == "went wrong"
    assert "raise exc" in info.value.traceback_text
    assert "Unregistered" in str(info.value)


def test_allowed_error_is_rebuilt_as_its_class():
    with pytest.raises(Registered) as info:
        _raise(Registered("w1", 3)).unwrap()
    assert (info.value.name, info.value.count) == ("w1", 3)
    assert "raise exc" in info.value.remote_traceback
    assert any("Remote traceback" in note for note in info.value.__notes__)


def test_allowed_error_with_unusual_constructor():
    with pytest.raises(Awkward) as info:
        _raise(Awkward()).unwrap()
    assert isinstance(info.value, Awkward)


def test_bus_errors_are_allowed_and_keep_their_fields():
    with pytest.raises(errors.NoSuchMethod) as info:
        _raise(errors.NoSuchMethod("frob")).unwrap()
    assert info.value.method == "frob" and "frob" in str(info.value)
    with pytest.raises(errors.UnsupportedVersion) as info:
        _raise(errors.UnsupportedVersion("2.0", "frob")).unwrap()
    assert info.value.version == "2.0"


def test_disallowed_again_is_remote_error():
    @errors.allow
    class Temporary(Exception):
        pass
    errors.disallow(Temporary)
    with pytest.raises(errors.RemoteError):
        _raise(Temporary("x")).unwrap()


def test_allow_refuses_non_exceptions():
    with pytest.raises(TypeError):
        errors.allow(int)


def test_reply_is_plain_json():
    data = orjson.loads(envelope.encode_error("m", ValueError("v")))
    assert data["error"]["type"] == "builtins.ValueError" and data["id"] == "m"
