"""Before 2.53 hypervisors and services are addressed by integer id: each
cell numbers its compute nodes and services in its own range
(``nubes.cells.id_ranges``), so the old microversions work with several
cells; ids below every range (rows numbered before) keep today's rules."""
from __future__ import annotations

import pytest

from nubes.cells import id_ranges
from nubes.cells.cell_db import models as cell_models

OLD = ("2.1", "2.52")


@pytest.fixture
def hosts(cloud):
    d = cloud.deployment
    return {"h1": d.add_compute_host("cell1", "h1"), "h2": d.add_compute_host("cell2", "h2"),
            "sched1": d.add_service("cell1", "ctl", "nova-scheduler"),
            "sched2": d.add_service("cell2", "ctl", "nova-scheduler")}


def _cell_of(cloud, object_id: int) -> str:
    return next(name for name, cell in cloud.deployment.cells.items()
                if object_id in (id_ranges.id_range(cell.id) or ()))


def test_each_cell_numbers_in_its_range(cloud, hosts):
    for name in ("cell1", "cell2"):
        span = id_ranges.id_range(cloud.deployment.cells[name].id)
        for table in (cell_models.services, cell_models.compute_nodes):
            assert all(r.id in span for r in cloud.deployment.live(name, table))


@pytest.mark.parametrize("version", OLD)
def test_listings_show_distinct_ids_that_name_one_cell(cloud, hosts, version):
    hvs = cloud.api.get("/os-hypervisors/detail", version=version).json["hypervisors"]
    assert sorted(h["hypervisor_hostname"] for h in hvs) == ["h1", "h2"]
    assert len({h["id"] for h in hvs}) == 2
    assert len({h["service"]["id"] for h in hvs}) == 2
    assert {h["hypervisor_hostname"]: _cell_of(cloud, h["id"]) for h in hvs} == {
        "h1": "cell1", "h2": "cell2"}
    services = cloud.api.get("/os-services", version=version).json["services"]
    assert len({s["id"] for s in services}) == len(services) == 4
    assert sorted((s["host"], s["binary"], _cell_of(cloud, s["id"])) for s in services) == [
        ("ctl", "nova-scheduler", "cell1"), ("ctl", "nova-scheduler", "cell2"),
        ("h1", "nova-compute", "cell1"), ("h2", "nova-compute", "cell2")]


@pytest.mark.parametrize("version", OLD)
def test_show_hypervisor_by_id_in_either_cell(cloud, hosts, version):
    hvs = cloud.api.get("/os-hypervisors", version=version).json["hypervisors"]
    for hv in hvs:
        resp = cloud.api.get(f"/os-hypervisors/{hv['id']}", version=version)
        assert resp.status == 200, resp
        assert resp.json["hypervisor"]["hypervisor_hostname"] == hv["hypervisor_hostname"]
        uptime = cloud.api.get(f"/os-hypervisors/{hv['id']}/uptime", version=version)
        assert uptime.status == 501, uptime   # found; the fake driver has no uptime


@pytest.mark.parametrize("version", OLD)
def test_delete_services_by_id_in_either_cell(cloud, hosts, version):
    for name in ("sched1", "sched2", "h1", "h2"):
        resp = cloud.api.delete(f"/os-services/{hosts[name]['id']}", version=version)
        assert resp.status == 204, (name, resp)
    d = cloud.deployment
    for cell in ("cell1", "cell2"):
        assert d.live(cell, cell_models.services) == []
        assert d.live(cell, cell_models.compute_nodes) == []
    assert cloud.api.delete(f"/os-services/{hosts['h2']['id']}", version="2.52").status == 404


def test_ids_no_range_covers_are_404(cloud, hosts):
    cell0 = cloud.deployment.cells["cell0"].id
    unmapped = max(c.id for c in cloud.deployment.cells.values()) + 1
    for object_id in (id_ranges.id_range(cell0).start,          # cell0 has no computes
                      id_ranges.id_range(unmapped).start,       # no such cell mapping
                      id_ranges.id_range(cloud.deployment.cells["cell1"].id).stop - 1,
                      2**31 - 1):                                # last range: no mapping 127
        hv = cloud.api.get(f"/os-hypervisors/{object_id}", version="2.52")
        assert hv.status == 404 and hv.fault[0] == "itemNotFound", (object_id, hv)
        svc = cloud.api.delete(f"/os-services/{object_id}", version="2.52")
        assert svc.status == 404, (object_id, svc)


def test_the_range_holds_a_cells_own_id_only(cloud, hosts):
    """A row of cell2 numbered in cell1's range (a database re-mapped by
    hand) is only looked for in cell1: 404, never another cell's row."""
    d = cloud.deployment
    stray = id_ranges.id_range(d.cells["cell1"].id).start + 1000
    d.add_compute_node("cell2", "h2", "h2-stray", id=stray)
    assert cloud.api.get(f"/os-hypervisors/{stray}", version="2.52").status == 404


def test_ids_below_every_range_are_still_looked_up_everywhere(cloud, hosts):
    d = cloud.deployment
    d.add_compute_node("cell2", "h2", "h2-old", id=42)
    resp = cloud.api.get("/os-hypervisors/42", version="2.52")
    assert resp.status == 200 and resp.json["hypervisor"]["hypervisor_hostname"] == "h2-old"
    d.add_compute_node("cell1", "h1", "h1-old", id=42)
    ambiguous = cloud.api.get("/os-hypervisors/42", version="2.52")
    assert ambiguous.status == 400 and "2.53" in ambiguous.message
