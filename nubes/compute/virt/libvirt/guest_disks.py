"""The disks of a libvirt guest, as files in its directory and as domain
devices.

* ``disk`` (``vda``): the root disk, a qcow2 overlay (or a standalone qcow2
  once unshelved from its snapshot);
* ``disk.eph0``: the flavor's ephemeral disk, a blank qcow2 (not formatted);
* ``disk.swap``: the flavor's swap disk, a raw file made a swap area with
  ``mkswap`` (made afresh wherever the guest is built: nothing in it
  outlives a boot);
* the volumes: the ``file`` backend's file as a raw disk;
* ``disk.config``: the config drive (:mod:`.config_drive`), read-only.

The local disks are named as :mod:`nubes.common.local_disks` names them
(ephemeral ``vdb``, swap after it), around the names the volumes hold;
a volume is plugged at its mountpoint's name unless a disk of the guest
already has it, then at the first free name (kept in ``guest.json`` as
the volume's ``target``, so its detach unplugs the right device).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

from nubes.common import local_disks
from nubes.compute.virt.driver import DriverError
from nubes.compute.virt.libvirt import images
from nubes.compute.virt.libvirt.domain_xml import Disk

ROOT, EPHEMERAL, SWAP = "disk", "disk.eph0", "disk.swap"
ROOT_DEVICE = "/dev/vda"        # a volume here is the root disk (boot from volume)
MKSWAP_TIMEOUT = 60.0
_NAMES = [f"vd{c}" for c in "abcdefghijklmnopqrstuvwxyz"]


def swap_of(record: Any) -> int:
    """The swap disk's size in MB of an instance record (its ``flavor``
    JSON) or of a move's flavor record (``swap``)."""
    swap = getattr(record, "swap", None)
    return int(swap or 0) if swap is not None else local_disks.swap_mb(
        getattr(record, "flavor", None))


def make_local(folder: str, record: Any, *, fresh_swap: bool = False) -> None:
    """The ephemeral and swap files the flavor asks for and the folder does
    not hold yet (``fresh_swap``: the swap file made again whatever is
    there); a swap file the flavor no longer has is removed."""
    if record.ephemeral_gb:
        eph = os.path.join(folder, EPHEMERAL)
        if not os.path.exists(eph):
            images.create_blank(eph, record.ephemeral_gb)
    swap, path = swap_of(record), os.path.join(folder, SWAP)
    if os.path.exists(path) and (fresh_swap or not swap):
        os.unlink(path)
    if swap and not os.path.exists(path):
        make_swap(path, swap)


def make_swap(path: str, size_mb: int) -> None:
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.truncate(size_mb * 1024 * 1024)
    try:
        out = subprocess.run([shutil.which("mkswap") or "/sbin/mkswap", tmp],
                             capture_output=True, text=True,
                             timeout=MKSWAP_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        os.unlink(tmp)
        raise DriverError(f"mkswap failed: {exc}") from exc
    if out.returncode != 0:
        os.unlink(tmp)
        raise DriverError(f"mkswap failed: {out.stderr.strip()}")
    os.replace(tmp, path)


def domain_disks(folder: str, record: Any, volumes: dict[str, dict], *,
                 config_drive: str | None = None) -> list[Disk]:
    """Every disk of the guest: root (a file, or the root volume), local
    disks, the volumes, and the config drive (read-only, at the last free
    name: ``vdz`` unless something has it)."""
    plugged = [volume_disk(mountpoint, info) for mountpoint, info in sorted(volumes.items())]
    taken = {f"/dev/{disk.target}" for disk in plugged}
    local = local_disks.local_devices(record.ephemeral_gb, swap_of(record), taken)
    disks = [] if ROOT_DEVICE in volumes else [Disk(os.path.join(folder, ROOT), "vda")]
    for kind, name in ((local_disks.EPHEMERAL, EPHEMERAL), (local_disks.SWAP, SWAP)):
        if kind not in local:
            continue
        if local[kind] is None:
            raise DriverError("the guest has no device name left for its "
                              f"{kind} disk")
        disks.append(Disk(os.path.join(folder, name), os.path.basename(local[kind]),
                          driver_type="qcow2" if kind == local_disks.EPHEMERAL else "raw"))
    disks += plugged
    if config_drive:
        used = {disk.target for disk in disks}
        free = [name for name in _NAMES if name not in used]
        if not free:
            raise DriverError("the guest has no device name left for its config drive")
        disks.append(Disk(config_drive, free[-1], driver_type="raw", readonly=True))
    return disks


def volume_target(mountpoint: str, in_use: list[Disk]) -> str:
    """Where a volume is plugged: its mountpoint's name, or the first one
    no disk of the guest has."""
    used = {disk.target for disk in in_use}
    wanted = os.path.basename(mountpoint)
    if wanted not in used or mountpoint == ROOT_DEVICE:     # the root volume: vda
        return wanted
    for name in _NAMES[1:]:
        if name not in used:
            return name
    raise DriverError("the guest has no device name left for another disk")


def volume_disk(mountpoint: str, info: dict[str, Any]) -> Disk:
    path = (info.get("data") or {}).get("device_path")
    if info.get("driver_volume_type") != "file" or not path:
        raise DriverError(f"the libvirt driver attaches file volumes only, not "
                          f"{info.get('driver_volume_type')!r}")
    return Disk(path, info.get("target") or os.path.basename(mountpoint), driver_type="raw",
                serial=info.get("serial"))
