"""The flat fast path writes its answer as bytes from pre-encoded pieces
(``candidates.flat_answer``): the bytes are exactly ``orjson.dumps`` of
the same answer built from dicts, whatever mix of candidates, with and
without mappings, and pieces remembered by a provider for one request
never leak into a request for other amounts."""
from __future__ import annotations

import orjson
import pytest

from nubes.placement.candidates.flat_answer import Answer
from nubes.placement.candidates.provider_cache import Entry

NAMES = {1: "VCPU", 2: "MEMORY_MB", 3: "DISK_GB", 9: "CUSTOM_X"}


_MADE: dict[str, tuple[dict, list[str]]] = {}


def _entry(pid: int, inv: dict, traits: list[str] = ()) -> Entry:
    uuid = f"00000000-0000-4000-8000-{pid:012d}"
    _MADE[uuid] = (inv, list(traits))
    return Entry((pid, 1), uuid, {c: (cap, used, 1, cap, 1) for c, (cap, used) in inv.items()},
                 frozenset(), list(traits), NAMES)


def _summary(entry: Entry) -> dict:
    inv, traits = _MADE[entry.uuid]
    return {"resources": {NAMES[c]: {"capacity": cap, "used": used}
                          for c, (cap, used) in inv.items()},
            "traits": traits, "parent_provider_uuid": None, "root_provider_uuid": entry.uuid}


def _request(amounts, entries_classes, with_mappings) -> dict:
    allocations = {}
    for entry, classes in entries_classes:
        if len(classes) == len(amounts):
            res = {NAMES[c]: a for c, a in amounts.items()}
        else:
            res = {NAMES[c]: amounts[c] for c in classes}
        allocations[entry.uuid] = {"resources": res}
    out: dict = {"allocations": allocations}
    if with_mappings:
        out["mappings"] = {"": [e.uuid for e, _ in entries_classes]}
    return out


@pytest.mark.parametrize("with_mappings", [True, False])
def test_bytes_are_orjsons(with_mappings):
    amounts = {2: 512, 1: 2, 3: 10}      # the request's order, not the ids'
    a = _entry(1, {1: (8, 0), 2: (4096, 512), 3: (100, 0)}, ["CUSTOM_GOLD"])
    b = _entry(2, {1: (8, 1), 2: (4096, 0)})
    share = _entry(3, {3: (1000, 5)}, ["MISC_SHARES_VIA_AGGREGATE"])
    c = _entry(4, {1: (8, 0), 2: (4096, 0), 9: (3, 1)})
    d = _entry(5, {1: (8, 0), 2: (4096, 0)})
    e = _entry(6, {1: (8, 0), 2: (4096, 0), 3: (100, 0)})
    view = {x.stamp[0]: x for x in (a, b, share, c, d, e)}
    answer = Answer(amounts, NAMES, with_mappings)
    answer.add_simple([a])
    slots, at, class_ids = (-1, 3), 0, ((1, 2), (3,))
    around = answer.encode_around(slots, at, class_ids, view)
    answer.add_around(around, b, (2, 3), view)
    answer.add((3, 4), ((3,), (1, 2)), view)
    answer.add_block(b"k", [around], d)
    answer.add_simple([e])

    expected = [_request(amounts, [(a, (1, 2, 3))], with_mappings),
                _request(amounts, [(b, (1, 2)), (share, (3,))], with_mappings),
                _request(amounts, [(share, (3,)), (c, (1, 2))], with_mappings),
                _request(amounts, [(d, (1, 2)), (share, (3,))], with_mappings),
                _request(amounts, [(e, (1, 2, 3))], with_mappings)]
    order = (a, b, share, c, d, e)
    summaries = {x.uuid: _summary(x) for x in order}
    body = orjson.dumps(answer.body())
    assert len(answer) == 5
    assert orjson.loads(body) == {"allocation_requests": expected,
                                  "provider_summaries": summaries}
    built = orjson.dumps({"allocation_requests": expected, "provider_summaries": {}})
    requests_part = body.split(b',"provider_summaries":')[0]
    assert requests_part == built.split(b',"provider_summaries":')[0]
    assert body.endswith(b'"provider_summaries":{%s}}' % b",".join(
        b'"%s":%s' % (x.uuid.encode(), orjson.dumps(_summary(x))) for x in order))


def test_remembered_pieces_follow_the_request():
    entry = _entry(1, {1: (8, 0), 2: (4096, 0)})
    for amounts in ({1: 1}, {1: 2}, {1: 1, 2: 5}, {1: 1}):
        for with_mappings in (True, False):
            answer = Answer(amounts, NAMES, with_mappings)
            answer.add_simple([entry])
            got = orjson.loads(orjson.dumps(answer.body()))["allocation_requests"]
            assert got == [_request(amounts, [(entry, tuple(amounts))], with_mappings)]


def test_empty_answer():
    answer = Answer({1: 1}, NAMES, True)
    assert orjson.dumps(answer.body()) == b'{"allocation_requests":[],"provider_summaries":{}}'
