"""The wire contract round-trips and tolerates unknown keys."""
import orjson

from nubes.common import rpc
from nubes.scheduler.messages import (Destination, NoValidHost, PlacementUnreachable,
                                      RequestSpec, Selection, ServerGroup)
from tests.unit.scheduler.fakes import spec


def test_request_spec_round_trip_through_json():
    s = spec(vcpus=2, extra_specs={"resources:CUSTOM_X": "1"}, availability_zone="az1",
             server_group=ServerGroup("g1", "anti-affinity", hosts=["h1"], members=["i1"],
                                      rules={"max_server_per_host": 2}),
             requested_destination=Destination(cell_uuid="c", aggregates=["a"]),
             ignore_hosts=["h9"], num_instances=3, image_properties={"architecture": "x86_64"})
    wire = orjson.loads(orjson.dumps(s.to_dict()))
    wire["some_future_field"] = 1
    wire["flavor"]["another"] = 2
    assert RequestSpec.from_dict(wire) == s


def test_selection_round_trip():
    sel = Selection(service_host="h", nodename="n", cell_uuid="c", compute_node_uuid="u",
                    allocation_request='{"allocations": {}}',
                    allocation_request_version="1.36", consumer_uuid="i", claimed=True)
    assert Selection.from_dict(orjson.loads(orjson.dumps(sel.to_dict()))) == sel
    assert sel.host == "h"


def test_errors_cross_the_bus_as_themselves():
    assert rpc.errors.is_allowed(NoValidHost)
    assert rpc.errors.is_allowed(PlacementUnreachable)
    assert issubclass(PlacementUnreachable, NoValidHost)
    assert "No valid host was found. because" in str(NoValidHost("because"))
