"""Query string -> request groups (pure)."""
from __future__ import annotations

import pytest

from nubes.common.wsgi.microversion import Version
from nubes.placement import exceptions as exc
from nubes.placement.candidates import request
from nubes.placement.schemas import allocation_candidate as schema

V = Version


def test_groups_are_ordered_unsuffixed_first():
    parsed = request.parse({"resources2": "VCPU:1", "resources": "DISK_GB:1",
                            "resources1": "VCPU:1", "group_policy": "none",
                            "required1": "CUSTOM_A,!CUSTOM_B", "limit": "5"}, V(1, 39))
    assert [g.suffix for g in parsed.groups] == ["", "1", "2"]
    assert parsed.limit == 5 and parsed.group_policy == "none"
    assert parsed.group("1").traits.required == {"CUSTOM_A"}
    assert parsed.group("1").traits.forbidden == {"CUSTOM_B"}
    assert parsed.nested_aware


def test_nested_awareness_by_version():
    assert not request.parse({"resources": "VCPU:1"}, V(1, 28)).nested_aware


def test_group_policy_needed_for_two_numbered_groups():
    with pytest.raises(exc.Invalid, match="group_policy"):
        request.parse({"resources1": "VCPU:1", "resources2": "VCPU:1"}, V(1, 25))


def test_required_before_1_39_keeps_the_last_value():
    params = schema.collapse_repeats({"resources": "VCPU:1",
                                      "required": ["CUSTOM_A", "CUSTOM_B"]}, V(1, 38))
    assert request.parse(params, V(1, 38)).group("").traits.required == {"CUSTOM_B"}
    params = schema.collapse_repeats({"resources": "VCPU:1",
                                      "required": ["CUSTOM_A", "CUSTOM_B"]}, V(1, 39))
    assert request.parse(params, V(1, 39)).group("").traits.required == {"CUSTOM_A",
                                                                          "CUSTOM_B"}


def test_root_required_and_same_subtree():
    parsed = request.parse({"resources_A": "VCPU:1", "required_B": "CUSTOM_X",
                            "root_required": "CUSTOM_R,!CUSTOM_S",
                            "same_subtree": "_A,_B", "group_policy": "none"}, V(1, 36))
    assert parsed.root_traits.required == {"CUSTOM_R"}
    assert parsed.root_traits.forbidden == {"CUSTOM_S"}
    assert parsed.same_subtrees == [["_A", "_B"]]
    with pytest.raises(exc.DuplicateQueryKey):
        request.parse({"resources": "VCPU:1", "root_required": ["A", "B"]}, V(1, 36))


@pytest.mark.parametrize("params,error", [
    # A resourceless group outside any same_subtree is a bad value.
    ({"required_B": "CUSTOM_X", "resources_A": "VCPU:1"}, exc.InvalidQuery),
    ({"required_B": "CUSTOM_X", "same_subtree": "_B"}, exc.MissingQueryValue),
    ({"resources_A": "VCPU:1", "same_subtree": "_A,_C"}, exc.InvalidQuery),
    ({"resources_A": "VCPU:1", "same_subtree": ",_A"}, exc.InvalidQuery),
    ({"resources": "VCPU:x"}, exc.InvalidQuery),
])
def test_errors_at_1_36(params, error):
    with pytest.raises(error):
        request.parse(params, V(1, 36))


def test_schema_windows():
    assert "limit" not in schema.query_schema(V(1, 15))["properties"]
    assert "limit" in schema.query_schema(V(1, 16))["properties"]
    assert schema.query_schema(V(1, 24))["required"] == ["resources"]
    assert "required" not in schema.query_schema(V(1, 25))
    assert "same_subtree" in schema.query_schema(V(1, 36))["properties"]
