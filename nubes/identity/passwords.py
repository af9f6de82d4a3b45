"""Password hashes of the identity users file: scrypt from the standard library.

A hash reads ``scrypt$<n>$<r>$<p>$<salt>$<key>`` (salt and key base64url),
so its cost travels with it and can be raised later without breaking old
entries.  n=2**14, r=8, p=1 takes about 50 ms here: noticeable to a password
guesser, not to a client that authenticates once per command.

Make a hash for the users file with::

    python -m nubes.identity.passwords            # asks for the password
    echo -n secret | python -m nubes.identity.passwords -
"""
from __future__ import annotations

import base64
import binascii
import functools
import getpass
import hashlib
import hmac
import os
import sys

_N, _R, _P, _KEY_BYTES = 2 ** 14, 8, 1, 32
_MAXMEM = 64 * 1024 * 1024


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          dklen=length, maxmem=_MAXMEM)


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    key = _scrypt(password, salt, _N, _R, _P, _KEY_BYTES)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded``; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, key = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(key)
        actual = _scrypt(password, _unb64(salt), int(n), int(r), int(p), len(expected))
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(actual, expected)


@functools.cache
def _dummy_hash() -> str:
    return hash_password(os.urandom(8).hex())


def burn_time(password: str) -> None:
    """Check against a throw-away hash, so that an unknown user name costs
    as much time as a wrong password."""
    verify_password(password, _dummy_hash())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["-"]:
        password = sys.stdin.read().rstrip("\n")
    elif not args:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("passwords differ", file=sys.stderr)
            return 1
    else:
        print("usage: python -m nubes.identity.passwords [-]", file=sys.stderr)
        return 2
    if not password:
        print("empty password", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    sys.exit(main())
