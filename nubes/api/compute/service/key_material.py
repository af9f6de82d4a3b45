"""Public-key parsing, fingerprints and key generation for key pairs.

* ssh keys: ``<type> <base64 blob> [comment]``; the blob must begin with
  its own type name; the fingerprint is the MD5 of the blob, as
  colon-separated hex (what ``ssh-keygen -l -E md5`` prints);
* x509 certificates: one PEM certificate; the fingerprint is the SHA-1 of
  its DER bytes, colon-separated.

Generating a key (requests before 2.92 without ``public_key``) needs the
``cryptography`` package and makes an RSA 2048 key: for ``ssh`` its
OpenSSH public line, for ``x509`` (2.2+) a self-signed certificate of it
(common name the user id, valid ten years, signed with SHA-256) in PEM.
Raises ``ValueError`` with the message the caller sees.
"""
from __future__ import annotations

import base64
import binascii
import datetime
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


X509_VALIDITY = datetime.timedelta(days=3650)


def _new_rsa_key():
    """(key, its private PEM) of a new RSA 2048 key."""
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
    return key, private


def generate_ssh() -> tuple[str, str]:
    """(private key PEM, public key line) of a new RSA key."""
    from cryptography.hazmat.primitives import serialization
    key, private = _new_rsa_key()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return private, public + " Generated-by-Nubes"


def generate_x509(common_name: str, now: datetime.datetime | None = None) -> tuple[str, str]:
    """(private key PEM, certificate PEM) of a new RSA key and a self-signed
    certificate of it for ``common_name``."""
    key, private = _new_rsa_key()
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    now = now or datetime.datetime.now(datetime.UTC)
    # A common name is 1-64 characters (RFC 5280's upper bound).
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME,
                                         (common_name or "nubes")[:64])])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + X509_VALIDITY)
            .sign(key, hashes.SHA256()))
    return private, cert.public_bytes(serialization.Encoding.PEM).decode()
