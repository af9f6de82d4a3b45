"""The answer of the tree fast path (:mod:`.tree_path`) as JSON: allocation
requests joined from pre-encoded pieces, the summaries of every provider
of the trees used (by id) from the cache entries' pieces completed with
each provider's parent and root.

Trees alike in shape share one *template* per request: the candidates
of the shape encoded once, with a hole for the uuid of each of the
tree's own providers; a tree's candidates are then one ``%`` of the
template with its uuids.  The bytes are those ``orjson.dumps`` gives
for the body the general path builds from dicts.
"""
from __future__ import annotations

import itertools
import operator

import orjson


def _literal(piece: bytes) -> bytes:
    return piece.replace(b"%", b"%%")


class _Template:
    """The candidates of one tree shape: a ``kind`` gives, per class, its
    providers as tokens (``k >= 0``: the tree's k-th own provider;
    ``-1 - id``: the sharing provider ``id``)."""

    __slots__ = ("candidates", "block", "block_args", "roots")

    def __init__(self, answer: "TreeAnswer", kind: tuple[tuple[int, ...], ...]):
        scope = answer.scope
        view, tree, classes = scope.view, scope.tree, scope.classes
        # Per candidate: (format, indexes of its holes, dedupe key or None,
        # roots of its sharing providers).
        self.candidates: list[tuple[bytes, tuple[int, ...], tuple | None, set[int]]] = []
        self.roots = set()
        for combo in itertools.product(*kind):
            roots = set()
            per_token: dict[int, list[int]] = {}
            for token, cid in zip(combo, classes):
                per_token.setdefault(token, []).append(cid)
            holes = tuple(t for t in per_token if t >= 0)
            names = []
            for token in per_token:
                if token >= 0:
                    names.append(b"%s")
                else:
                    names.append(_literal(view[-1 - token].uuid_bytes))
                    roots.add(tree[-1 - token][1])
            allocations = b",".join([b'"%s":%s' % (name, _literal(answer.part(tuple(cs))))
                                     for name, cs in zip(names, per_token.values())])
            if answer.with_mappings:
                fmt = b'{"allocations":{%s},"mappings":{"":[%s]}}' % (
                    allocations, b",".join([b'"%s"' % name for name in names]))
                holes = holes * 2
            else:
                fmt = b'{"allocations":{%s}}' % allocations
            dedupe = None
            if not any(t >= 0 for t in per_token):
                # Sharing providers only: the same for every tree they reach.
                pids = tuple(-1 - t for t in per_token)
                dedupe = (tuple(sorted(zip((-1 - t for t in combo), classes))), pids)
            self.candidates.append((fmt, holes, dedupe, roots))
            self.roots |= roots
        self.block = None
        if self.candidates and not any(c[2] for c in self.candidates):
            self.block = b",".join(c[0] for c in self.candidates)
            self.block_args = operator.itemgetter(*[h for c in self.candidates for h in c[1]]) \
                if any(c[1] for c in self.candidates) else None


class TreeAnswer:
    """Allocation requests as JSON, and the roots of the trees they use."""

    def __init__(self, scope, with_mappings: bool):
        self.scope = scope
        amounts, names = scope.flt.amounts, scope.class_name
        self.whole = orjson.dumps({"resources": {names[c]: a for c, a in amounts.items()}})
        self.with_mappings = with_mappings
        self.requests: list[bytes] = []
        self.count = 0
        self.roots: set[int] = set()
        self._parts: dict[tuple[int, ...], bytes] = {}
        self._templates: dict[tuple, _Template] = {}

    def __len__(self) -> int:
        return self.count

    def part(self, class_ids: tuple[int, ...]) -> bytes:
        found = self._parts.get(class_ids)
        if found is None:
            amounts, names = self.scope.flt.amounts, self.scope.class_name
            found = self._parts[class_ids] = orjson.dumps(
                {"resources": {names[c]: amounts[c] for c in class_ids}})
        return found

    def _finish(self, allocations: bytes, pids) -> None:
        view, tree = self.scope.view, self.scope.tree
        if self.with_mappings:
            uuids = b",".join([b'"%s"' % view[p].uuid_bytes for p in pids])
            self.requests.append(b'{"allocations":{%s},"mappings":{"":[%s]}}'
                                 % (allocations, uuids))
        else:
            self.requests.append(b'{"allocations":{%s}}' % allocations)
        self.count += 1
        self.roots.update(tree[p][1] for p in pids)

    def add_whole(self, pid: int) -> None:
        """One provider gives every class: the amounts as requested."""
        self._finish(b'"%s":%s' % (self.scope.view[pid].uuid_bytes, self.whole), (pid,))

    def add(self, combo: tuple[int, ...], pids: tuple[int, ...]) -> None:
        """One provider per class (ascending): each provider's classes in
        that order."""
        per_pid: dict[int, list[int]] = {}
        for pid, cid in zip(combo, self.scope.classes):
            per_pid.setdefault(pid, []).append(cid)
        view = self.scope.view
        self._finish(b",".join([b'"%s":%s' % (view[pid].uuid_bytes, self.part(tuple(cs)))
                                for pid, cs in per_pid.items()]), pids)

    def add_kind(self, kind: tuple[tuple[int, ...], ...], own: list[int], anchor: int,
                 need: int | None) -> int:
        """The candidates of the tree ``anchor`` of shape ``kind`` (its own
        providers ``own``), up to ``need``; how many were added."""
        template = self._templates.get(kind)
        if template is None:
            template = self._templates[kind] = _Template(self, kind)
        view = self.scope.view
        uuids = [view[p].uuid_bytes for p in own]
        added = 0
        if template.block is not None and (need is None or len(template.candidates) <= need):
            args = template.block_args
            self.requests.append(template.block % (() if args is None else _tuple(args(uuids))))
            added = len(template.candidates)
        else:
            seen = self.scope.seen
            for fmt, holes, dedupe, roots in template.candidates:
                if need is not None and added >= need:
                    break
                if dedupe is not None:
                    if dedupe in seen:
                        continue
                    seen.add(dedupe)
                self.requests.append(fmt % tuple(uuids[h] for h in holes))
                self.roots |= roots
                if holes:
                    self.roots.add(anchor)
                added += 1
            self.count += added
            return added
        self.count += added
        self.roots.add(anchor)
        self.roots |= template.roots
        return added

    def body(self) -> dict:
        return {"allocation_requests": orjson.Fragment(b"[%s]" % b",".join(self.requests)),
                "provider_summaries": orjson.Fragment(b"{%s}" % b",".join(self._summaries()))}

    def _summaries(self) -> list[bytes]:
        """Every provider of the trees used, by id."""
        scope = self.scope
        roots = self.roots
        # Trees of sharing providers outside the windows read: read them.
        unread = set() if None in scope.windows else {r for r in roots
                                                      if not scope.complete(r)}
        if unread:
            view, more = scope.cache.tree_view(scope.conn, scope.class_name, roots=unread)
            scope.view.update(view)
            scope.tree.update(more)
        view, tree = scope.view, scope.tree
        out = []
        for pid in sorted(p for p, (_parent, root) in tree.items() if root in roots):
            parent, root = tree[pid]
            out.append(b'%s,"parent_provider_uuid":%s,"root_provider_uuid":"%s"}' % (
                view[pid].core,
                b"null" if parent is None else b'"%s"' % view[parent].uuid_bytes,
                view[root].uuid_bytes))
        return out


def _tuple(value) -> tuple:
    """``itemgetter`` of one index gives the item, of several a tuple."""
    return value if isinstance(value, tuple) else (value,)
