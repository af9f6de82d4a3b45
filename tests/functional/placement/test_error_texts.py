"""Error texts as OpenStack Placement words them: schema failures carry the
validator's whole report (the rule that failed, where, on what), and a
parameter used before its microversion is named in placement's words."""
from __future__ import annotations

import pytest


def test_body_schema_failure_carries_the_full_report(placement):
    resp = placement.post("/resource_providers", json={"name": 5})
    assert resp.status == 400
    detail = resp.error_detail
    assert detail.startswith("JSON does not validate: 5 is not of type 'string'")
    assert "Failed validating 'type' in schema['properties']['name']" in detail
    assert "On instance['name']:" in detail
    assert "\n" not in detail


def test_missing_property_names_the_required_rule(placement):
    rp = placement.create_provider("host")["uuid"]
    resp = placement.post(f"/resource_providers/{rp}/inventories",
                          json={"resource_class": "VCPU"})
    assert resp.status == 400
    assert resp.error_detail.startswith("JSON does not validate: 'total' is a required property")
    assert "Failed validating 'required' in schema" in resp.error_detail


def test_resource_class_name_in_the_url_is_validated_as_a_body(placement):
    resp = placement.put("/resource_classes/NOT_CUSTOM", version="1.7")
    assert resp.status == 400
    assert resp.error_detail.startswith(
        "JSON does not validate: 'NOT_CUSTOM' does not match '^CUSTOM_[A-Z0-9_]+$'")
    assert "Failed validating 'pattern' in schema['properties']['name']" in resp.error_detail


def test_query_schema_failure_carries_the_full_report(placement):
    resp = placement.get("/resource_providers", params={"foo": "1"}, version="1.20")
    assert resp.status == 400
    assert resp.error_detail.startswith(
        "Invalid query string parameters: Additional properties are not allowed "
        "('foo' was unexpected)")
    assert "Failed validating 'additionalProperties' in schema" in resp.error_detail


@pytest.mark.parametrize("path,params,version,fragment", [
    ("/resource_providers", {"required": "HW_CPU_X86_VMX"}, "1.17",
     "Additional properties are not allowed ('required' was unexpected)"),
    ("/allocation_candidates", {"resources": "VCPU:1", "root_required": "HW_CPU_X86_VMX"},
     "1.34", "'root_required' does not match any of the regexes"),
    ("/allocation_candidates", {"resources_GPU": "VGPU:1"}, "1.32",
     "'resources_GPU' does not match any of the regexes"),
    ("/allocation_candidates", {"resources": "VCPU:1", "in_tree": "x"}, "1.30",
     "'in_tree' does not match any of the regexes"),
    ("/allocation_candidates", {"resources": "VCPU:1", "member_of": "x"}, "1.20",
     "Additional properties are not allowed ('member_of' was unexpected)"),
])
def test_parameters_before_their_microversion(placement, path, params, version, fragment):
    resp = placement.get(path, params=params, version=version)
    assert resp.status == 400, resp
    assert resp.error_detail.startswith("Invalid query string parameters: ")
    assert fragment in resp.error_detail


AGG = "aa11bb22-cc33-4d44-8e55-ff6677889900"


def test_forbidden_member_of_before_1_32(placement):
    resp = placement.get("/resource_providers", params={"member_of": "!" + AGG}, version="1.31")
    assert resp.status == 400
    assert resp.error_detail == ("Forbidden member_of parameters are not supported in the "
                                 "specified microversion")
    assert placement.get("/resource_providers", params={"member_of": "!" + AGG},
                         version="1.32").status == 200


def test_repeated_member_of_before_1_24(placement):
    resp = placement.get("/resource_providers", params=[("member_of", AGG), ("member_of", AGG)],
                         version="1.23")
    assert resp.status == 400
    assert resp.error_detail == "Multiple member_of parameters are not supported"


def test_any_of_traits_before_1_39(placement):
    resp = placement.get("/resource_providers", params={"required": "in:A,B"}, version="1.38")
    assert resp.status == 400
    assert resp.error_detail == (
        "Invalid query string parameters: The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' only "
        "supported since microversion 1.39. Got: in:A,B")
