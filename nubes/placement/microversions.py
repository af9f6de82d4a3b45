"""Placement microversions: one line each saying what the version changed.

The history in prose is docs/placement/microversions.md.  A test pins
MAXIMUM, so adding a version means adding its line here and its tests.
"""
from nubes.common.wsgi.microversion import Version

VERSIONS = [
    "1.0",   # Newton: providers, inventories, usages, allocations
    "1.1",   # provider aggregates
    "1.2",   # custom resource classes
    "1.3",   # member_of on GET /resource_providers
    "1.4",   # resources filter on GET /resource_providers
    "1.5",   # DELETE all inventories of a provider
    "1.6",   # traits
    "1.7",   # PUT /resource_classes/{name} create-or-verify without a body
    "1.8",   # project_id and user_id required on PUT /allocations
    "1.9",   # GET /usages
    "1.10",  # GET /allocation_candidates
    "1.11",  # allocations link on providers
    "1.12",  # dict-form allocations on PUT (and project/user on GET)
    "1.13",  # POST /allocations
    "1.14",  # nested providers: parent/root uuids, in_tree
    "1.15",  # last-modified and cache-control headers
    "1.16",  # limit on allocation candidates
    "1.17",  # required traits on allocation candidates
    "1.18",  # required traits on GET /resource_providers
    "1.19",  # aggregates carry and check the provider generation
    "1.20",  # POST /resource_providers answers 200 with the provider
    "1.21",  # member_of on allocation candidates
    "1.22",  # forbidden traits
    "1.23",  # code in error bodies
    "1.24",  # repeated member_of
    "1.25",  # granular request groups
    "1.26",  # reserved may equal total
    "1.27",  # provider summaries list every class of the provider
    "1.28",  # consumer generations
    "1.29",  # nested providers in allocation candidates
    "1.30",  # POST /reshaper
    "1.31",  # in_tree on allocation candidates
    "1.32",  # forbidden aggregates
    "1.33",  # string request-group suffixes
    "1.34",  # mappings in allocation requests
    "1.35",  # root_required
    "1.36",  # same_subtree and resourceless request groups
    "1.37",  # re-parenting and un-parenting providers
    "1.38",  # consumer types
    "1.39",  # in: any-of syntax in required
]

MINIMUM = Version.parse(VERSIONS[0])
MAXIMUM = Version.parse(VERSIONS[-1])
