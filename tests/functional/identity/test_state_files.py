"""The files the embedded cloud keeps for identity: token secret, users
file, revocations, clouds.yaml; and the token codec on its own."""
from __future__ import annotations

import datetime
import os
import stat
import time

import pytest
import yaml

from nubes.common import config, timeutils, tokens
from nubes.identity import bootstrap, clouds, passwords, users_file


def _conf(tmp_path):
    return config.load(overrides={"DEFAULT": {"state_path": str(tmp_path)}})


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_first_start_writes_secret_and_users_once(tmp_path):
    conf = _conf(tmp_path)
    created = bootstrap.ensure_files(conf)
    assert set(created) == {"admin", "demo"}
    assert all(len(p) >= 16 and p.isalnum() for p in created.values())
    secret_path, users_path = tmp_path / "token_secret", tmp_path / "identity.yaml"
    assert _mode(secret_path) == 0o600 and _mode(users_path) == 0o600
    secret, users_text = secret_path.read_bytes(), users_path.read_text()
    for password in created.values():
        assert password not in users_text
    assert bootstrap.ensure_files(conf) == {}
    assert secret_path.read_bytes() == secret and users_path.read_text() == users_text

    directory = users_file.load(str(users_path))
    admin, demo = directory.find_user(name="admin"), directory.find_user(name="demo")
    assert passwords.verify_password(created["admin"], admin.password_hash)
    assert not passwords.verify_password(created["demo"], admin.password_hash)
    assert directory.effective_roles(admin, directory.find_project(name="admin")) == (
        "admin", "manager", "member", "reader")
    assert directory.effective_roles(demo, directory.find_project(name="demo")) == (
        "member", "reader")
    assert directory.effective_roles(demo, directory.find_project(name="admin")) == ()
    assert [p.name for p in directory.projects_of(admin)] == ["admin"]


def test_users_file_ids_may_be_left_out_and_are_stable():
    text = """
projects:
  ops: {}
  lab:
users:
  alice:
    password_hash: "x"
    roles: {ops: [Manager], lab: []}
"""
    one, two = users_file.parse(text), users_file.parse(text)
    alice = one.find_user(name="alice")
    assert alice.id == two.find_user(name="alice").id == users_file.derived_id("user", "alice")
    assert one.find_project(name="ops").id == users_file.derived_id("project", "ops")
    assert one.effective_roles(alice, one.find_project(name="ops")) == ("manager",)
    assert [p.name for p in one.projects_of(alice)] == ["ops"]


@pytest.mark.parametrize("text,message", [
    ("projects: {}\n", "'users' is a required property"),
    ("projects: {}\nusers: {bob: {}}\n", "'password_hash' is a required property"),
    ("projects: {}\nusers: {bob: {password_hash: x, roles: {nowhere: [admin]}}}\n",
     "no project named 'nowhere'"),
    ("projects: {a: {id: same}, b: {id: same}}\nusers: {}\n", "two projects share an id"),
    ("projects: {}\nusers: {}\ncolour: blue\n", "Additional properties"),
    ("projects: [\n", "not valid YAML"),
])
def test_users_file_mistakes_are_named(text, message):
    with pytest.raises(users_file.UsersFileError, match=message) as info:
        users_file.parse(text, source="/etc/x.yaml")
    assert str(info.value).startswith("/etc/x.yaml: ")


def test_missing_users_file_is_explained(tmp_path):
    with pytest.raises(users_file.UsersFileError, match="does not exist"):
        users_file.load(str(tmp_path / "nope.yaml"))


def test_password_hashes():
    encoded = passwords.hash_password("s3cret")
    assert encoded.startswith("scrypt$16384$8$1$")
    assert passwords.verify_password("s3cret", encoded)
    assert not passwords.verify_password("s3cret ", encoded)
    assert encoded != passwords.hash_password("s3cret")          # salted
    assert not passwords.verify_password("s3cret", "scrypt$garbage")
    assert not passwords.verify_password("s3cret", "pbkdf2$1$2$3$4$5")


def test_password_command(capsys, monkeypatch):
    import io
    monkeypatch.setattr("sys.stdin", io.StringIO("hunter2\n"))
    assert passwords.main(["-"]) == 0
    assert passwords.verify_password("hunter2", capsys.readouterr().out.strip())


# -- tokens ----------------------------------------------------------------------------------

SECRET = b"0" * 64


def test_token_round_trip():
    codec = tokens.TokenCodec(SECRET)
    token, claims = codec.issue(user_id="u1", user_name="alice", project_id="p1",
                                project_name="ops", roles=("member", "reader"), ttl=60)
    checked = codec.verify(token)
    assert checked == claims
    assert checked.expires_at - checked.issued_at == datetime.timedelta(seconds=60)
    with pytest.raises(tokens.InvalidToken, match="bad signature"):
        tokens.TokenCodec(b"1" * 64).verify(token)


@pytest.mark.parametrize("token", [None, "", "x", "nubes1.a", "other.e30.sig", "a.b.c.d"])
def test_malformed_tokens(token):
    with pytest.raises(tokens.InvalidToken):
        tokens.TokenCodec(SECRET).verify(token)


def test_signed_garbage_claims_are_invalid():
    codec = tokens.TokenCodec(SECRET)
    signed_part = "nubes1." + tokens._b64encode(b'{"uid": 1}')
    with pytest.raises(tokens.InvalidToken, match="unreadable claims"):
        codec.verify(f"{signed_part}.{codec._sign(signed_part)}")


def test_token_expiry():
    codec = tokens.TokenCodec(SECRET)
    now = timeutils.utcnow()
    token, claims = codec.issue(user_id="u", user_name="n", ttl=60, now=now)
    assert codec.verify(token, now=now + datetime.timedelta(seconds=59)) == claims
    with pytest.raises(tokens.TokenExpired):
        codec.verify(token, now=now + datetime.timedelta(seconds=60))


def test_revocations_are_shared_through_the_file(tmp_path):
    path = str(tmp_path / "revoked")
    issuer = tokens.TokenCodec(SECRET, tokens.Revocations(path))
    # Another process's view (it looks at the file at every check here).
    checker = tokens.TokenCodec(SECRET, tokens.Revocations(path, recheck_interval=0))
    token, claims = issuer.issue(user_id="u", user_name="n", ttl=600)
    other, _ = issuer.issue(user_id="u", user_name="n", ttl=600)
    assert checker.verify(token) == claims
    issuer.revocations.revoke(claims)
    with pytest.raises(tokens.TokenRevoked):
        checker.verify(token)
    assert checker.verify(other)
    assert _mode(path) == 0o600


def test_secret_file(tmp_path):
    path = str(tmp_path / "sub" / "secret")
    assert tokens.ensure_secret_file(path) is True
    assert tokens.ensure_secret_file(path) is False
    assert len(tokens.load_secret(path)) == 64
    with pytest.raises(RuntimeError, match="does not exist"):
        tokens.load_secret(str(tmp_path / "missing"))
    short = tmp_path / "short"
    short.write_text("abc")
    with pytest.raises(RuntimeError, match="fewer than"):
        tokens.load_secret(str(short))
    with pytest.raises(ValueError):
        tokens.TokenCodec(b"short")


# -- clouds.yaml -------------------------------------------------------------------------------

def test_clouds_yaml_text():
    text = clouds.clouds_yaml("http://127.0.0.1:5000", passwords={"admin": "a", "demo": "d"})
    data = yaml.safe_load(text)["clouds"]
    assert set(data) == {"nubes", "nubes-demo"}
    assert data["nubes"] == {
        "auth_type": "password",
        "auth": {"auth_url": "http://127.0.0.1:5000/v3", "username": "admin", "password": "a",
                 "project_name": "admin", "user_domain_name": "Default",
                 "project_domain_name": "Default"},
        "region_name": "RegionOne", "identity_api_version": 3, "interface": "public"}
    assert data["nubes-demo"]["auth"]["username"] == "demo"
    assert data["nubes-demo"]["auth"]["project_name"] == "demo"
    assert data["nubes-demo"]["auth"]["password"] == "d"
    again = yaml.safe_load(clouds.clouds_yaml("http://h:5000/v3/", passwords={}))["clouds"]
    assert again["nubes"]["auth"]["auth_url"] == "http://h:5000/v3"
    assert "password" not in again["nubes"]["auth"]


def test_write_clouds_yaml_keeps_known_passwords_and_other_clouds(tmp_path):
    path = tmp_path / "clouds.yaml"
    clouds.write_clouds_yaml(str(path), "http://127.0.0.1:5000", {"admin": "a", "demo": "d"})
    assert _mode(path) == 0o600
    data = yaml.safe_load(path.read_text())
    data["clouds"]["mine"] = {"auth_type": "none", "auth": {"endpoint": "http://x"}}
    path.write_text(yaml.safe_dump(data))
    clouds.write_clouds_yaml(str(path), "http://127.0.0.1:5001", {"demo": "d2"})
    data = yaml.safe_load(path.read_text())["clouds"]
    assert data["nubes"]["auth"]["password"] == "a"
    assert data["nubes"]["auth"]["auth_url"] == "http://127.0.0.1:5001/v3"
    assert data["nubes-demo"]["auth"]["password"] == "d2"
    assert data["mine"] == {"auth_type": "none", "auth": {"endpoint": "http://x"}}


def test_revocations_reach_other_processes_within_the_recheck_interval(tmp_path):
    path = str(tmp_path / "revoked")
    issuer = tokens.TokenCodec(SECRET, tokens.Revocations(path))
    checker = tokens.TokenCodec(SECRET, tokens.Revocations(path, recheck_interval=0.2))
    token, claims = issuer.issue(user_id="u", user_name="n", ttl=600)
    assert checker.verify(token) == claims
    issuer.revocations.revoke(claims)
    time.sleep(0.3)
    with pytest.raises(tokens.TokenRevoked):
        checker.verify(token)


def test_one_process_shares_one_revocation_list_per_file(tmp_path):
    path = str(tmp_path / "revoked")
    assert tokens.Revocations.shared(path) is tokens.Revocations.shared(path)
    issuer = tokens.TokenCodec(SECRET, tokens.Revocations.shared(path))
    checker = tokens.TokenCodec(SECRET, tokens.Revocations.shared(path))
    token, claims = issuer.issue(user_id="u", user_name="n", ttl=600)
    assert checker.verify(token) == claims
    issuer.revocations.revoke(claims)
    with pytest.raises(tokens.TokenRevoked):     # at once, no file look needed
        checker.verify(token)
