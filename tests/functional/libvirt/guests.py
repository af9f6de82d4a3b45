"""What the libvirt tests share: an embedded cloud of libvirt hosts whose
domains carry a prefix of their own (removed with the cloud, running or
not), the tiny image uploaded, and the guest's console read through
os-getConsoleOutput."""
from __future__ import annotations

import time
import uuid

import pytest

from nubes.compute.virt.libvirt import tiny_image
from nubes.compute.virt.libvirt.connection import Connection
from nubes.image.client import ImageClient
from tests.fixtures.cloud import ServersCloud

BOOT = 300.0        # seconds: create to ACTIVE, or to a banner on the console
ACTION = 180.0      # seconds: a reboot, stop, start or move to settle
READY = "nubes-tiny: ready"
URI = "qemu:///system"


def new_prefix() -> str:
    return f"nubes-test-{uuid.uuid4().hex[:8]}-"


def libvirt_cloud(state: str, prefix: str, *, hosts: int = 1,
                  overrides: dict | None = None) -> ServersCloud:
    settings = {"DEFAULT": {"compute_driver": "libvirt"},
                "libvirt": {"domain_prefix": prefix, "shutdown_timeout": 60}}
    for group, values in (overrides or {}).items():
        settings.setdefault(group, {}).update(values)
    return ServersCloud(state, cells=1, hosts_per_cell=hosts, overrides=settings)


def cloud_fixture(name: str, *, hosts: int = 1, overrides: dict | None = None):
    """A module-scoped ``cloud`` fixture of libvirt hosts (domains named
    with a prefix of their own, removed with the cloud) and ``image``, the
    tiny image uploaded to it."""
    prefix = new_prefix()

    @pytest.fixture(scope="module")
    def cloud(tmp_path_factory):
        made = libvirt_cloud(str(tmp_path_factory.mktemp(name) / "state"), prefix,
                             hosts=hosts, overrides=overrides)
        try:
            yield made
        finally:
            made.stop()
            remove_leftovers(prefix)

    @pytest.fixture(scope="module")
    def image(cloud, tmp_path_factory):
        return upload_tiny(cloud, str(tmp_path_factory.mktemp("tiny")))
    return cloud, image


def remove_leftovers(prefix: str) -> None:
    """Guests a failed test left running are not left on the machine."""
    conn = Connection(URI).get()
    for domain in conn.listAllDomains(0):
        if domain.name().startswith(prefix):
            if domain.isActive():
                domain.destroy()
            domain.undefineFlags(1)     # with its managed save


def upload_tiny(cloud: ServersCloud, out_dir: str) -> str:
    """The tiny image built and uploaded; the id of the image to boot."""
    files = tiny_image.build(out_dir)
    client = ImageClient(cloud.embedded.urls["image"], token=cloud.admin_token)
    try:
        return tiny_image.upload(client, files)["disk"]
    finally:
        client.close()


def console(cloud, sid: str, api=None) -> str:
    api = api or cloud.demo
    code, body = api.post(f"/servers/{sid}/action", {"os-getConsoleOutput": {}})
    assert code == 200, body
    return body["output"]


def wait_console(cloud, sid: str, text: str, count: int = 1,
                 timeout: float = BOOT, api=None) -> str:
    """The console once ``text`` appeared ``count`` times on it."""
    deadline = time.monotonic() + timeout
    output = ""
    while time.monotonic() < deadline:
        output = console(cloud, sid, api)
        if output.count(text) >= count:
            return output
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not {count} times on the console of {sid}: {output!r}")
