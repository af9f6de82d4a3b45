"""Public-key parsing, fingerprints and key generation for key pairs.

* ssh keys: ``<type> <base64 blob> [comment]``; the blob must begin with
  its own type name; the fingerprint is the MD5 of the blob, as
  colon-separated hex (what ``ssh-keygen -l -E md5`` prints);
* x509 certificates: one PEM certificate; the fingerprint is the SHA-1 of
  its DER bytes, colon-separated.

Generating a key (requests before 2.92 without ``public_key``) needs the
``cryptography`` package and makes an RSA 2048 key.  Raises ``ValueError``
with the message the caller sees.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct

SSH_TYPES = ("ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256",
             "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
             "sk-ecdsa-sha2-nistp256@openssh.com")
_PEM = re.compile(r"-----BEGIN CERTIFICATE-----\s*(?P<body>[A-Za-z0-9+/=\s]+?)\s*"
                  r"-----END CERTIFICATE-----")
_INVALID = "Keypair data is invalid: failed to generate fingerprint"


def _colons(digest: bytes) -> str:
    return ":".join(f"{b:02x}" for b in digest)


def ssh_fingerprint(public_key: str) -> str:
    parts = public_key.strip().split()
    if len(parts) < 2 or parts[0] not in SSH_TYPES:
        raise ValueError(_INVALID)
    try:
        blob = base64.b64decode(parts[1], validate=True)
        (length,) = struct.unpack(">I", blob[:4])
    except (binascii.Error, struct.error):
        raise ValueError(_INVALID) from None
    if blob[4:4 + length].decode("latin-1") != parts[0]:
        raise ValueError(_INVALID)
    return _colons(hashlib.md5(blob, usedforsecurity=False).digest())


def x509_fingerprint(public_key: str) -> str:
    match = _PEM.search(public_key)
    if match is None:
        raise ValueError(_INVALID)
    try:
        der = base64.b64decode("".join(match["body"].split()), validate=True)
    except binascii.Error:
        raise ValueError(_INVALID) from None
    if not der or der[0] != 0x30:  # a DER SEQUENCE
        raise ValueError(_INVALID)
    return _colons(hashlib.sha1(der, usedforsecurity=False).digest())


def fingerprint(public_key: str, key_type: str) -> str:
    return x509_fingerprint(public_key) if key_type == "x509" else ssh_fingerprint(public_key)


def generate_ssh() -> tuple[str, str]:
    """(private key PEM, public key line) of a new RSA key."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:  # pragma: no cover - depends on the environment
        raise ValueError("Key pair generation is not available here (the cryptography "
                         "package is missing): import a public key instead.") from None
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return private, public + " Generated-by-Nubes"
