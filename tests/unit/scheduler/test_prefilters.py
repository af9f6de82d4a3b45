"""Prefilters add constraints to the placement query."""
import pytest

from nubes.cells.records import AggregateRecord
from nubes.common.context import RequestContext
from nubes.scheduler import placement_query as pq
from nubes.scheduler.messages import NoValidHost
from nubes.scheduler.plugins import PREFILTERS
from nubes.scheduler.plugins.base import CycleState
from tests.unit.scheduler.fakes import FakeCatalog, conf, spec


def agg(uuid, zone=None):
    return AggregateRecord(id=1, uuid=uuid, name=uuid, created_at=None, updated_at=None,
                           hosts=(), metadata={"availability_zone": zone} if zone else {})


def run(name, s, aggregates=()):
    query = pq.from_request_spec(s)
    PREFILTERS[name](conf(), FakeCatalog([], aggregates)).prefilter(
        RequestContext(), CycleState(), s, query)
    return query.params()


def test_zone_becomes_member_of_its_aggregates():
    aggs = [agg("a1", "az1"), agg("a2", "az2"), agg("a3", "az1"), agg("a4")]
    assert ("member_of", "in:a1,a3") in run("availability_zone",
                                            spec(availability_zone="az1"), aggs)


def test_no_zone_or_the_default_zone_adds_nothing():
    aggs = [agg("a1", "az1")]
    assert [k for k, _ in run("availability_zone", spec(), aggs)] == ["resources"]
    assert [k for k, _ in run("availability_zone", spec(availability_zone="nova"),
                              aggs)] == ["resources"]


def test_unknown_zone_has_no_hosts():
    with pytest.raises(NoValidHost, match="az9"):
        run("availability_zone", spec(availability_zone="az9"), [agg("a1", "az1")])


def test_disabled_computes_are_forbidden():
    assert ("root_required", "!COMPUTE_STATUS_DISABLED") in run("disabled_compute", spec())
