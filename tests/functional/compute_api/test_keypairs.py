"""os-keypairs over real HTTP: import and generate, fingerprints, user
scoping (user_id for admins from 2.10), paging (2.35), import only (2.92),
status codes by microversion, validation and the key_pairs quota."""
from __future__ import annotations

import base64
import datetime
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from nubes.cells.api_db import models as api_models


def _ssh_key() -> tuple[str, str]:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    line = key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).decode()
    blob = base64.b64decode(line.split()[1])
    return line + " me@host", ":".join(f"{b:02x}" for b in hashlib.md5(blob).digest())


def _certificate() -> tuple[str, str]:
    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "nubes")])
    now = datetime.datetime(2024, 1, 1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, None))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return pem, ":".join(f"{b:02x}" for b in cert.fingerprint(hashes.SHA1()))


def _rows(cloud):
    return len(cloud.deployment.rows("api", api_models.key_pairs))


def test_import_show_list_delete(cloud):
    user = cloud.api.as_user(user="u1")
    public, fingerprint = _ssh_key()
    created = user.post("/os-keypairs", json={"keypair": {"name": "k1",
                                                          "public_key": public}})
    assert created.status == 201, created
    assert created.json["keypair"] == {"name": "k1", "public_key": public,
                                       "fingerprint": fingerprint, "user_id": "u1",
                                       "type": "ssh"}
    shown = user.get("/os-keypairs/k1").json["keypair"]
    assert (shown["user_id"], shown["deleted"], shown["type"]) == ("u1", False, "ssh")
    assert isinstance(shown["id"], int) and shown["created_at"]
    listed = user.get("/os-keypairs").json
    assert listed == {"keypairs": [{"keypair": {"name": "k1", "public_key": public,
                                                "fingerprint": fingerprint,
                                                "type": "ssh"}}]}
    assert "type" not in user.get("/os-keypairs", version="2.1").json["keypairs"][0]["keypair"]
    again = user.post("/os-keypairs", json={"keypair": {"name": "k1", "public_key": public}})
    assert again.status == 409 and again.fault[0] == "conflictingRequest"
    # Other users do not see it.
    assert cloud.api.as_user(user="u2").get("/os-keypairs").json == {"keypairs": []}
    assert cloud.api.as_user(user="u2").get("/os-keypairs/k1").status == 404
    assert user.delete("/os-keypairs/k1").status == 204
    assert user.delete("/os-keypairs/k1").status == 404
    old = user.post("/os-keypairs", json={"keypair": {"name": "k2", "public_key": public}},
                    version="2.1")
    assert old.status == 200 and "type" not in old.json["keypair"]
    assert user.delete("/os-keypairs/k2", version="2.1").status == 202


def test_x509_and_generation(cloud):
    user = cloud.api.as_user(user="u1")
    pem, fingerprint = _certificate()
    cert = user.post("/os-keypairs", json={"keypair": {"name": "c", "type": "x509",
                                                       "public_key": pem}})
    assert cert.status == 201, cert
    assert (cert.json["keypair"]["fingerprint"], cert.json["keypair"]["type"]) == \
        (fingerprint, "x509")
    made = user.post("/os-keypairs", json={"keypair": {"name": "gen"}}, version="2.91")
    assert made.status == 201, made
    assert made.json["keypair"]["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert made.json["keypair"]["public_key"].startswith("ssh-rsa ")
    assert "private_key" not in user.get("/os-keypairs/gen").json["keypair"]
    refused = user.post("/os-keypairs", json={"keypair": {"name": "gen2"}})
    assert refused.status == 400  # 2.92: import only
    assert user.post("/os-keypairs", json={"keypair": {"name": "a.b@c", "public_key":
                                                       _ssh_key()[0]}}).status == 201
    assert user.post("/os-keypairs", json={"keypair": {"name": "a.b@d", "public_key":
                                                       _ssh_key()[0]}},
                     version="2.91").status == 400


@pytest.mark.parametrize("version", ["2.2", "2.10", "2.91"])
def test_x509_generation_from_2_2(cloud, version):
    user = cloud.api.as_user(user="u1")
    made = user.post("/os-keypairs", json={"keypair": {"name": "x", "type": "x509"}},
                     version=version)
    assert made.status == 201, made
    body = made.json["keypair"]
    assert body["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    cert = x509.load_pem_x509_certificate(body["public_key"].encode())
    assert body["public_key"].startswith("-----BEGIN CERTIFICATE-----")
    assert body["fingerprint"] == ":".join(f"{b:02x}" for b in cert.fingerprint(hashes.SHA1()))
    assert body["type"] == "x509"
    assert cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value == "u1"
    assert cert.issuer == cert.subject
    key = serialization.load_pem_private_key(body["private_key"].encode(), password=None)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == \
        datetime.timedelta(days=3650)
    shown = user.get("/os-keypairs/x", version=version).json["keypair"]
    assert (shown["public_key"], shown["fingerprint"], shown["type"]) == \
        (body["public_key"], body["fingerprint"], "x509")
    assert "private_key" not in shown
    assert user.delete("/os-keypairs/x", version=version).status == 204


@pytest.mark.parametrize("version,body", [
    ("2.96", {}),
    ("2.96", {"keypair": {}}),
    ("2.96", {"keypair": {"name": "", "public_key": "ssh-rsa AAAA"}}),
    ("2.96", {"keypair": {"name": "k", "public_key": "not a key"}}),
    ("2.96", {"keypair": {"name": "k", "public_key": "ssh-rsa !!!notbase64"}}),
    ("2.96", {"keypair": {"name": "k", "public_key": "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAI"}}),
    ("2.96", {"keypair": {"name": "k", "type": "x509", "public_key": "ssh-rsa AAAA"}}),
    ("2.96", {"keypair": {"name": "k", "type": "pgp", "public_key": "x"}}),
    ("2.96", {"keypair": {"name": "k/1", "public_key": "x"}}),
    ("2.96", {"keypair": {"name": "k", "public_key": "x", "colour": "red"}}),
    ("2.1", {"keypair": {"name": "k", "type": "ssh"}}),
    ("2.9", {"keypair": {"name": "k", "user_id": "u2"}}),
    ("2.92", {"keypair": {"name": "k", "type": "x509"}}),
])
def test_bad_create_is_400_and_writes_nothing(cloud, version, body):
    before = _rows(cloud)
    resp = cloud.api.as_user().post("/os-keypairs", json=body, version=version)
    assert resp.status == 400 and resp.fault[0] == "badRequest", resp
    assert _rows(cloud) == before


def test_other_users_need_admin(cloud):
    public, _ = _ssh_key()
    u1 = cloud.api.as_user(user="u1")
    u1.post("/os-keypairs", json={"keypair": {"name": "k1", "public_key": public}})
    assert u1.get("/os-keypairs", params={"user_id": "u2"}).status == 403
    assert u1.post("/os-keypairs", json={"keypair": {"name": "x", "public_key": public,
                                                     "user_id": "u2"}}).status == 403
    assert [k["keypair"]["name"] for k in cloud.api.get(
        "/os-keypairs", params={"user_id": "u1"}).json["keypairs"]] == ["k1"]
    assert cloud.api.get("/os-keypairs/k1", params={"user_id": "u1"}).status == 200
    # Before 2.10 the user_id parameter is ignored.
    assert cloud.api.get("/os-keypairs", params={"user_id": "u1"},
                         version="2.9").json["keypairs"] == []
    made = cloud.api.post("/os-keypairs", json={"keypair": {"name": "for-u2",
                                                            "public_key": public,
                                                            "user_id": "u2"}})
    assert made.status == 201 and made.json["keypair"]["user_id"] == "u2"
    assert cloud.api.delete("/os-keypairs/k1", params={"user_id": "u1"}).status == 204


def test_paging_from_2_35(cloud):
    user = cloud.api.as_user(user="u1")
    for name in ("c", "a", "b", "d"):
        user.post("/os-keypairs", json={"keypair": {"name": name, "public_key": _ssh_key()[0]}})
    names = lambda version="2.96", **params: [k["keypair"]["name"] for k in user.get(  # noqa
        "/os-keypairs", params=params, version=version).json["keypairs"]]
    assert names() == ["a", "b", "c", "d"]
    page = user.get("/os-keypairs", params={"limit": "2"}).json
    assert [k["keypair"]["name"] for k in page["keypairs"]] == ["a", "b"]
    assert "marker=b" in page["keypairs_links"][0]["href"]
    assert names(limit="2", marker="b") == ["c", "d"]
    assert names(version="2.34", limit="1") == ["a", "b", "c", "d"]
    assert user.get("/os-keypairs", params={"marker": "zz"}).status == 400
    assert user.get("/os-keypairs", params={"limit": "x"}).status == 400


def test_key_pairs_quota(cells_deployment):
    from nubes.api.compute import app as compute_app
    from nubes.cells.targeting import CellDatabases
    from tests.fixtures.compute import ComputeClient
    from tests.fixtures.servers import ThreadedServer
    from tests.functional.compute_api.conftest import compute_conf

    cells_deployment.reset()
    conf = compute_conf(cells_deployment, None, quota={"key_pairs": 1})
    databases = CellDatabases()
    state = compute_app.build_state(conf, api_db=cells_deployment.api_db, databases=databases)
    try:
        with ThreadedServer(compute_app.build(conf, state=state)) as server:
            user = ComputeClient(server.url).as_user(user="u1")
            first = user.post("/os-keypairs", json={"keypair": {"name": "a",
                                                                "public_key": _ssh_key()[0]}})
            second = user.post("/os-keypairs", json={"keypair": {"name": "b",
                                                                 "public_key": _ssh_key()[0]}})
    finally:
        databases.dispose()
    assert first.status == 201
    assert second.status == 403 and second.fault[0] == "forbidden"
    assert "too many key pairs" in second.message
