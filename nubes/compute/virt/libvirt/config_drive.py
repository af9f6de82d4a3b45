"""The config drive of a libvirt guest: an ISO 9660 image labelled
``config-2`` holding what the guest is told about itself, laid out as
OpenStack compute's config drive is (``openstack/<version>/`` and
``openstack/latest/``):

* ``meta_data.json``: ``uuid``, ``name``, ``hostname``, ``launch_index``,
  ``availability_zone``, ``project_id``, ``meta`` (the server's metadata),
  ``public_keys`` and ``keys`` (its key pair), ``devices`` (none) and a
  ``random_seed``;
* ``user_data`` (decoded; only when the server has some);
* ``vendor_data.json``, ``vendor_data2.json`` (``{}``) and
  ``network_data.json`` (no links, networks or services: nubes guests have
  no network yet).

It is made with ``genisoimage`` (``make libvirt-deps``) when a server asks
for one (``config_drive: true``) and plugged in read-only.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import subprocess
import tempfile
from typing import Any

from nubes.compute.virt.driver import DriverError

FILE = "disk.config"
LABEL = "config-2"
VERSIONS = ("2013-10-17", "2017-02-22", "2018-08-27", "latest")
GENISOIMAGE_TIMEOUT = 60.0


def meta_data(data: Any) -> dict[str, Any]:
    """``meta_data.json`` of a :class:`~nubes.conductor.cell.messages.GuestData`."""
    body: dict[str, Any] = {
        "uuid": data.uuid, "name": data.name or "", "hostname": data.hostname or "",
        "launch_index": data.launch_index or 0,
        "availability_zone": data.availability_zone or "", "project_id": data.project_id,
        "meta": dict(data.metadata or {}), "devices": [],
        "random_seed": base64.b64encode(os.urandom(512)).decode()}
    if data.key_name and data.key_data:
        body["public_keys"] = {data.key_name: data.key_data}
        body["keys"] = [{"name": data.key_name, "type": "ssh", "data": data.key_data}]
    return body


def user_data(data: Any) -> bytes | None:
    """The server's user data as the guest reads it (the API keeps it in
    base64); None when it has none."""
    if not data.user_data:
        return None
    try:
        return base64.b64decode(data.user_data, validate=False)
    except (binascii.Error, ValueError):
        return data.user_data.encode()


def build(path: str, data: Any) -> None:
    """Write the config drive of ``data`` at ``path`` (made afresh)."""
    if shutil.which("genisoimage") is None:
        raise DriverError("genisoimage is missing: a config drive cannot be made "
                          "(make libvirt-deps)")
    files = {"meta_data.json": json.dumps(meta_data(data)).encode(),
             "vendor_data.json": b"{}", "vendor_data2.json": b"{}",
             "network_data.json": json.dumps(
                 {"links": [], "networks": [], "services": []}).encode()}
    user = user_data(data)
    if user is not None:
        files["user_data"] = user
    with tempfile.TemporaryDirectory(prefix="nubes-config-drive-") as tree:
        for version in VERSIONS:
            folder = os.path.join(tree, "openstack", version)
            os.makedirs(folder)
            for name, content in files.items():
                with open(os.path.join(folder, name), "wb") as f:
                    f.write(content)
        tmp = path + ".part"
        try:
            out = subprocess.run(
                ["genisoimage", "-o", tmp, "-ldots", "-allow-lowercase", "-allow-multidot",
                 "-l", "-publisher", "nubes", "-quiet", "-J", "-r", "-V", LABEL, tree],
                capture_output=True, text=True, timeout=GENISOIMAGE_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DriverError(f"genisoimage failed: {exc}") from exc
        if out.returncode != 0:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise DriverError(f"genisoimage failed: {out.stderr.strip()[:500]}")
        os.replace(tmp, path)
