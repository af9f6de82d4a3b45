"""The /limits body.  Keys dropped by microversions: the network ones
(shown as -1: there is no nova-network) from 2.36, maxImageMeta from 2.39,
maxPersonality and maxPersonalitySize from 2.57."""
from __future__ import annotations

from nubes.api.compute.service.limits import Limits


def limits(version, found: Limits) -> dict:
    lim, used = found.limits, found.usage
    absolute = {
        "maxTotalInstances": lim["instances"],
        "maxTotalCores": lim["cores"],
        "maxTotalRAMSize": lim["ram"],
        "maxTotalKeypairs": lim["key_pairs"],
        "maxServerMeta": lim["metadata_items"],
        "maxServerGroups": lim["server_groups"],
        "maxServerGroupMembers": lim["server_group_members"],
        "totalInstancesUsed": used["instances"],
        "totalCoresUsed": used["cores"],
        "totalRAMUsed": used["ram"],
        "totalServerGroupsUsed": used["server_groups"],
    }
    if version < (2, 36):
        absolute.update({"maxTotalFloatingIps": -1, "maxSecurityGroups": -1,
                         "maxSecurityGroupRules": -1, "totalFloatingIpsUsed": 0,
                         "totalSecurityGroupsUsed": 0})
    if version < (2, 39):
        absolute["maxImageMeta"] = lim["metadata_items"]
    if version < (2, 57):
        absolute["maxPersonality"] = lim["injected_files"]
        absolute["maxPersonalitySize"] = lim["injected_file_content_bytes"]
    return {"limits": {"rate": [], "absolute": absolute}}
