"""GET /allocation_candidates (1.10+).

The chain: this handler (validate the query string, show the answer) →
:mod:`nubes.placement.service.allocation_candidates` (one call) →
:mod:`nubes.placement.candidates.dispatch` (picks the path) → the
general path or a fast path → its SQL.  The fast paths hand back the
body as JSON already; the general path candidates in ids, shown by
:func:`view`.
"""
from __future__ import annotations

from nubes.placement.handlers import gc_pause, query, respond
from nubes.placement.policies import allocation_candidate as policy
from nubes.placement.schemas import allocation_candidate as schema
from nubes.placement.service import allocation_candidates as service


def list_allocation_candidates(req, resp, **_params) -> None:
    respond.require_version(req, (1, 10))
    respond.authorize(req, policy.LIST)
    version = req.context.version
    params = query.validated(schema.collapse_repeats(dict(req.params), version),
                             schema.query_schema(version))
    state = req.context.state
    with gc_pause.paused():
        result = service.find(
            state.db, params, version,
            randomize=bool(state.conf.placement.randomize_allocation_candidates))
        respond.send(req, resp, view(result, version))
        # Free the answer's objects before collection resumes: otherwise
        # the first collection walks them all.
        del result


def view(result: service.Result, version) -> dict:
    """The answer body for the microversion."""
    if result.body is not None:
        return result.body
    uuid_of, class_name = result.uuid_of, result.class_name
    requests = []
    if version >= (1, 12):
        with_mappings = version >= (1, 34)
        # Candidates share their per-provider amounts dicts (the assembler
        # reuses the group's); translate each distinct one once.
        named: dict[int, dict] = {}
        for allocs, mappings in result.candidates:
            body = {}
            for pid, slot in allocs.items():
                resources = named.get(id(slot))
                if resources is None:
                    resources = named[id(slot)] = {
                        "resources": {class_name[c]: a for c, a in slot.items()}}
                body[uuid_of[pid]] = resources
            entry: dict = {"allocations": body}
            if with_mappings:
                entry["mappings"] = {s: [uuid_of[p] for p in pids]
                                     for s, pids in mappings.items()}
            requests.append(entry)
    else:
        for allocs, _ in result.candidates:
            requests.append({"allocations": [
                {"resource_provider": {"uuid": uuid_of[pid]},
                 "resources": {class_name[c]: a for c, a in slot.items()}}
                for pid, slot in allocs.items()]})
    return {"allocation_requests": requests, "provider_summaries": result.summaries}
