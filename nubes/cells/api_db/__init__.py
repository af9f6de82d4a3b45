"""The API database: where things are (cells, hosts, instances) and the
API-level records (flavors, quotas, key pairs, aggregates, server groups,
build requests, request specs)."""
