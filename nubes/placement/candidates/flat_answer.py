"""The answer of the flat fast path (:mod:`.flat_path`), written as JSON
while candidates are found: each allocation request is joined from
pre-encoded pieces (the uuid, the group's amounts), each provider
summary is its cache entry's pre-encoded fragment.  The body handed
back holds two ``orjson.Fragment``s, so the handler's ``orjson.dumps``
copies them as they are; the bytes are those ``orjson.dumps`` gives for
the same body built from dicts (compact, keys in the same order).
"""
from __future__ import annotations

import orjson

from nubes.placement.candidates.provider_cache import Entry


class Answer:
    """Allocation requests and the summaries of the providers they use."""

    def __init__(self, amounts: dict[int, int], class_name: dict[int, str],
                 with_mappings: bool):
        self.amounts, self.class_name = amounts, class_name
        self.n_classes = len(amounts)
        # Every class from one provider: the amounts in the request's order.
        full = orjson.dumps({"resources": {class_name[c]: a for c, a in amounts.items()}})
        self.full = full
        self.with_mappings = with_mappings
        if with_mappings:
            self._simple = (b'{"allocations":{"', b'":' + full + b'},"mappings":{"":["',
                            b'"]}}')
        else:
            # The uuid once: "middle" ends the request (and says so).
            self._simple = (b'{"allocations":{"', b'":' + full + b'}}', None)
        self.requests: list[bytes] = []   # encoded candidates (or blocks of them)
        self.count = 0
        self.summaries: list[bytes] = []
        self._summarized: set[int] = set()
        self._parts: dict[tuple[int, ...], bytes] = {}

    def __len__(self) -> int:
        """Candidates so far (a block of :meth:`add_block` is several)."""
        return self.count

    def _part(self, class_ids: tuple[int, ...]) -> bytes:
        found = self._parts.get(class_ids)
        if found is None:
            amounts, names = self.amounts, self.class_name
            found = self._parts[class_ids] = orjson.dumps(
                {"resources": {names[c]: amounts[c] for c in class_ids}})
        return found

    def _summarize(self, pids, view: dict[int, Entry]) -> None:
        summarized = self._summarized
        for pid in pids:
            if pid not in summarized:
                summarized.add(pid)
                self.summaries.append(view[pid].summary_bytes)

    def add(self, pids: tuple[int, ...], class_ids: tuple[tuple[int, ...], ...],
            view: dict[int, Entry]) -> None:
        """One candidate: the providers (in order of first use) and the
        classes each gives (ascending)."""
        n = self.n_classes
        pieces = []
        uuids = []
        for pid, mine in zip(pids, class_ids):
            u = view[pid].uuid_bytes
            pieces.append(b'"%s":%s' % (u, self.full if len(mine) == n else self._part(mine)))
            uuids.append(b'"%s"' % u)
        body = b'{"allocations":{%s}' % b",".join(pieces)
        if self.with_mappings:
            body += b',"mappings":{"":[%s]}}' % b",".join(uuids)
        else:
            body += b'}'
        self.requests.append(body)
        self.count += 1
        self._summarize(pids, view)

    def encode_around(self, slots: tuple[int, ...], at: int,
                      class_ids: tuple[tuple[int, ...], ...], view: dict[int, Entry]
                      ) -> tuple[bytes, bytes, bytes]:
        """A candidate of template ``slots`` (the anchor at ``at``) as the
        bytes before, between and after the anchor's uuid (twice with
        mappings: in the allocations and in the mappings)."""
        hole = b"\x00"   # never in JSON this encoder writes
        n = self.n_classes
        pieces, uuids = [], []
        for k, (pid, mine) in enumerate(zip(slots, class_ids)):
            u = hole if k == at else view[pid].uuid_bytes
            pieces.append(b'"%s":%s' % (u, self.full if len(mine) == n else self._part(mine)))
            uuids.append(b'"%s"' % u)
        body = b'{"allocations":{%s}' % b",".join(pieces)
        if self.with_mappings:
            body += b',"mappings":{"":[%s]}}' % b",".join(uuids)
            first, second, third = body.split(hole)
            return first, second, third
        body += b'}'
        first, second = body.split(hole)
        return first, second, b""

    def add_around(self, around: tuple[bytes, bytes, bytes], anchor: Entry,
                   pids: tuple[int, ...], view: dict[int, Entry]) -> None:
        """A candidate encoded by :meth:`encode_around`."""
        u = anchor.uuid_bytes
        if self.with_mappings:
            self.requests.append(around[0] + u + around[1] + u + around[2])
        else:
            self.requests.append(around[0] + u + around[1])
        self.count += 1
        self._summarize(pids, view)

    def add_simple(self, entries: list[Entry]) -> None:
        """One candidate per provider serving every class on its own (the
        bulk: such a provider is in no other candidate, so its summary is
        new)."""
        middle = self._simple[1]
        self.requests.extend([m.get(middle) or self._encode_simple(e)
                              if (m := e.memos) is not None else self._encode_simple(e)
                              for e in entries])
        self.summaries.extend([e.summary_bytes for e in entries])
        self.count += len(entries)

    def _encode_simple(self, entry: Entry) -> bytes:
        start, middle, end = self._simple
        u = entry.uuid_bytes
        return _remember(entry, middle,
                         start + u + middle + (u + end if end is not None else b""))

    def add_block(self, key: bytes, arounds: list[tuple[bytes, bytes, bytes]],
                  anchor: Entry) -> None:
        """Every candidate of an anchor whose templates were all encoded
        around it (:meth:`encode_around`) and whose other providers are
        summarized already; ``key`` names the templates' encoding."""
        memos = anchor.memos
        found = memos.get(key) if memos is not None else None
        if found is None:
            u = anchor.uuid_bytes
            if self.with_mappings:
                found = b",".join([a + u + b + u + c for a, b, c in arounds])
            else:
                found = b",".join([a + u + b for a, b, _ in arounds])
            _remember(anchor, key, found)
        self.requests.append(found)
        self.summaries.append(anchor.summary_bytes)
        self.count += len(arounds)

    def body(self) -> dict:
        return {"allocation_requests": orjson.Fragment(_joined(self.requests, b"[", b"]")),
                "provider_summaries": orjson.Fragment(_joined(self.summaries, b"{", b"}"))}


_MEMOS_MAX = 8


def _remember(entry: Entry, key: bytes, encoded: bytes) -> bytes:
    memos = entry.memos
    if memos is None or len(memos) >= _MEMOS_MAX:
        entry.memos = {key: encoded}
    else:
        memos[key] = encoded
    return encoded


def _joined(items: list[bytes], opening: bytes, closing: bytes) -> bytes:
    """``opening + b",".join(items) + closing`` with one copy of the items."""
    if not items:
        return opening + closing
    items[0] = opening + items[0]
    items[-1] = items[-1] + closing
    return b",".join(items)
