"""Hostile values: the integers, strings and JSON a careless or malicious
client sends, as hypothesis strategies.

Everything here is plain data; :mod:`tests.fuzz.requests` puts it into
paths, query strings, headers and bodies.
"""
from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

# Integers that overflow 32-bit and 64-bit columns, Python's float
# conversion, and the signed/unsigned edges between them.
HUGE_INTS = [2**31 - 1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -2**63 - 1,
             10**30, -10**30, 99999999999999999999999]
EDGE_INTS = [-1, 0, 1, 2, -2**31]
FLOATS = [0.5, -0.0, 1e308, -1e308, 1e-308, 3.5e38]

SPECIAL_STRINGS = [
    "", " ", "\t", "a\u0000b", "\u0000", "%00", "..", "../../../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f", "/", "//", "\\", "?", "#", "&", "=", ";",
    "' OR '1'='1", "\"; DROP TABLE instances; --", "%s%s%s%n", "{}", "[]", "null",
    "true", "-1", "0", "1e400", "NaN", "Infinity", "0x10", "9223372036854775808",
    "99999999999999999999999", "-9223372036854775809", "1.5", " 1 ", "+1",
    "\u202etxt.exe", "\U0001F4A9", "ｆｕｌｌｗｉｄｔｈ", "\u0301", "\ufeff", "\u2028",
    "ä" * 100, "A" * 256, "x" * 65536, "CUSTOM_" + "A" * 300, "<script>", "$(reboot)",
]

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


def huge_or_edge_int() -> st.SearchStrategy[int]:
    """Mostly past 32 and 64 bits (hypothesis favours small integers)."""
    return weighted((3, st.sampled_from(HUGE_INTS)), (1, st.sampled_from(EDGE_INTS)),
                    (1, st.integers(min_value=2**62, max_value=2**70)),
                    (1, st.integers(min_value=-2**70, max_value=-2**62)),
                    (1, st.integers(min_value=-2**70, max_value=2**70)))


def hostile_string() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SPECIAL_STRINGS),
        _TEXT,
        st.integers(min_value=200, max_value=70000).map(lambda n: "a" * n),
        st.sampled_from(HUGE_INTS + EDGE_INTS).map(str),
        _TEXT.map(lambda t: t + "\u0000"),
    )


def json_scalar() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(), st.booleans(), huge_or_edge_int(), st.sampled_from(FLOATS),
        st.floats(allow_nan=False, allow_infinity=False), hostile_string())


def json_value(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    return st.recursive(
        json_scalar(),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(hostile_string().filter(lambda s: len(s) < 300), children,
                            max_size=4)),
        max_leaves=max_leaves)


class Raw:
    """A body sent as these exact bytes (not JSON of a value)."""

    def __init__(self, data: bytes):
        self.data = data

    def __repr__(self) -> str:
        return f"Raw({self.data[:120]!r}{'...' if len(self.data) > 120 else ''})"


class Deep:
    """A value nested ``depth`` levels (objects or arrays) deep, spliced
    into a body as JSON text: json.dumps cannot encode it that deep."""

    def __init__(self, depth: int, arrays: bool):
        self.depth = depth
        self.arrays = arrays

    def text(self) -> str:
        if self.arrays:
            return "[" * self.depth + "1" + "]" * self.depth
        return '{"k":' * self.depth + '"x"' + "}" * self.depth

    def __repr__(self) -> str:
        return f"Deep({self.depth}, arrays={self.arrays})"


def deep() -> st.SearchStrategy[Deep]:
    return st.builds(Deep, st.sampled_from([31, 33, 64, 900, 5000, 100000]), st.booleans())


def encode(body: Any) -> bytes:
    """The JSON text of ``body``, :class:`Deep` values spliced in; a
    :class:`Raw` body as it is."""
    if isinstance(body, Raw):
        return body.data
    pieces: list[str] = []

    def default(value):
        if isinstance(value, Deep):
            pieces.append(value.text())
            return f"@@deep{len(pieces) - 1}@@"
        raise TypeError(type(value))
    text = json.dumps(body, default=default)
    for i, piece in enumerate(pieces):
        text = text.replace(f'"@@deep{i}@@"', piece, 1)
    return text.encode("utf-8", "surrogatepass")


def raw_body() -> st.SearchStrategy[Raw]:
    """Bodies that are not JSON, or JSON no API expects at the top."""
    return st.one_of(
        st.sampled_from([b"", b"{", b"}", b"[", b"null", b"NaN", b"Infinity", b"1e999",
                         b'{"a":1,"a":2}', b"\xff\xfe\x00", b"\x00", b'"\\ud800"',
                         b"<xml/>", b"a=1&b=2", b'{"server": }', b"  ", b"\xef\xbb\xbf{}",
                         b"[" * 100000, b"1" * 2_000_000]),
        st.binary(max_size=200),
    ).map(Raw)


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, each drawn ``weight`` times in ``sum(weights)``
    (``st.one_of`` treats repeated strategies as one)."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(min_value=0, max_value=len(table) - 1).flatmap(lambda i: table[i])
