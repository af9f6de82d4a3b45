"""RequestSpec -> allocation candidates query."""
import pytest

from nubes.scheduler import placement_query as pq
from nubes.scheduler.messages import Destination, ServerGroup
from tests.unit.scheduler.fakes import spec


def params(s, **kw):
    return pq.from_request_spec(s, **kw).params()


def test_flavor_sizes_become_the_unsuffixed_group():
    s = spec(vcpus=2, memory_mb=2048, root_gb=10, ephemeral_gb=5, swap=1536)
    # disk = 10 + 5 + ceil(1536 / 1024) = 17
    assert params(s, limit=1000) == [("limit", "1000"),
                                     ("resources", "DISK_GB:17,MEMORY_MB:2048,VCPU:2")]


def test_swap_rounds_up_and_boot_from_volume_skips_root():
    s = spec(vcpus=1, memory_mb=512, root_gb=20, swap=1, is_bfv=True)
    assert dict(params(s))["resources"] == "DISK_GB:1,MEMORY_MB:512,VCPU:1"


def test_zero_amounts_remove_a_class():
    s = spec(vcpus=1, memory_mb=512, root_gb=0)
    assert dict(params(s))["resources"] == "MEMORY_MB:512,VCPU:1"


def test_extra_specs_override_flavor_fields_and_add_classes():
    s = spec(vcpus=4, extra_specs={"resources:VCPU": "2", "resources:CUSTOM_FPGA": "1",
                                   "resources:MEMORY_MB": "1024"})
    assert dict(params(s))["resources"] == "CUSTOM_FPGA:1,DISK_GB:1,MEMORY_MB:1024,VCPU:2"


def test_pcpu_replaces_vcpu():
    s = spec(vcpus=4, extra_specs={"resources:PCPU": "4"})
    assert dict(params(s))["resources"] == "DISK_GB:1,MEMORY_MB:512,PCPU:4"


def test_bare_metal_flavor():
    s = spec(vcpus=8, memory_mb=65536, root_gb=500, extra_specs={
        "resources:CUSTOM_BAREMETAL_GOLD": "1", "resources:VCPU": "0",
        "resources:MEMORY_MB": "0", "resources:DISK_GB": "0",
        "trait:CUSTOM_RAID": "required"})
    assert params(s) == [("required", "CUSTOM_RAID"),
                         ("resources", "CUSTOM_BAREMETAL_GOLD:1")]


def test_granular_groups_traits_and_group_policy():
    s = spec(extra_specs={"resources1:VGPU": "1", "trait1:CUSTOM_GPU_A": "required",
                          "resources_net:NET_BW_EGR_KILOBIT_PER_SEC": "1000",
                          "trait:HW_CPU_X86_AVX2": "required",
                          "trait:CUSTOM_SLOW": "forbidden",
                          "group_policy": "isolate"})
    assert params(s) == [
        ("group_policy", "isolate"),
        ("required", "HW_CPU_X86_AVX2,!CUSTOM_SLOW"),
        ("required1", "CUSTOM_GPU_A"),
        ("resources", "DISK_GB:1,MEMORY_MB:512,VCPU:1"),
        ("resources1", "VGPU:1"),
        ("resources_net", "NET_BW_EGR_KILOBIT_PER_SEC:1000")]


def test_several_groups_without_policy_get_none():
    s = spec(extra_specs={"resources1:VGPU": "1", "resources2:VGPU": "1"})
    assert dict(params(s))["group_policy"] == "none"


def test_image_traits_are_required_on_the_unsuffixed_group():
    s = spec(image_properties={"trait:COMPUTE_IMAGE_TYPE_QCOW2": "required",
                               "hw_disk_bus": "virtio"})
    assert dict(params(s))["required"] == "COMPUTE_IMAGE_TYPE_QCOW2"


def test_prefilter_constraints_render():
    q = pq.from_request_spec(spec(), limit=5)
    q.require_member_of(["b", "a"])
    q.forbid_root_trait("COMPUTE_STATUS_DISABLED")
    out = q.params()
    assert ("member_of", "in:a,b") in out
    assert ("root_required", "!COMPUTE_STATUS_DISABLED") in out


def test_requested_destination_aggregates():
    s = spec(requested_destination=Destination(aggregates=["a,b", "c"],
                                               forbidden_aggregates=["x"]))
    out = params(s)
    assert [v for k, v in out if k == "member_of"] == ["!in:x", "in:a,b", "in:c"]


@pytest.mark.parametrize("extra", [{"resources:VCPU": "two"}, {"resources:VCPU": "-1"},
                                   {"trait:FOO": "maybe"}, {"group_policy": "some"},
                                   {"resources:vcpu": "1"}])
def test_bad_extra_specs_are_refused(extra):
    with pytest.raises(pq.InvalidRequest):
        pq.from_request_spec(spec(extra_specs=extra))


def test_a_flavor_asking_for_nothing_is_refused():
    with pytest.raises(pq.InvalidRequest):
        pq.from_request_spec(spec(vcpus=0, memory_mb=0, root_gb=0))


def test_other_extra_specs_are_ignored():
    s = spec(extra_specs={"hw:cpu_policy": "shared", "capabilities:foo": "bar"})
    assert [k for k, _ in params(s)] == ["resources"]


def test_limit_is_left_off_for_groups_and_requested_hosts():
    assert not pq.needs_all_candidates(spec())
    assert pq.needs_all_candidates(spec(server_group=ServerGroup("g", "affinity")))
    assert pq.needs_all_candidates(spec(scheduler_hints={"same_host": ["x"]}))
    assert pq.needs_all_candidates(spec(requested_destination=Destination(host="h")))
    assert not pq.needs_all_candidates(spec(requested_destination=Destination(cell_uuid="c")))
