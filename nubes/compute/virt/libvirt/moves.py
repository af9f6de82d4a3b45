"""Cold migration and resize of libvirt guests (the driver's part of
:mod:`nubes.compute.operations.resize`), between hosts of one machine:

* ``migrate_disk_and_power_off`` (source): the guest is shut down (ACPI,
  then forced) and its domain and directory stay as they are; the handover
  is the directory's path (hosts of one machine share the file system);
* ``finish_migration`` (destination): the guest's directory is made from
  the handover — the root overlay copied and rebased onto this host's own
  cache of the image (fetched if needed), grown with ``qemu-img resize`` to
  the new flavor's root disk (never shrunk), the ephemeral disk copied (or
  made) likewise, the volumes this host connected plugged in (a root
  volume at vda: no root disk to copy) — and the domain defined with the
  new flavor's vCPUs and memory, started unless the server was stopped;
* ``confirm_migration`` (source): domain and directory removed;
* ``finish_revert_migration`` (source): its own domain, still defined with
  the old flavor on the old disk, started again (or left off).

A resize on the same host (``allow_resize_to_same_host``) keeps the old
directory as ``UUID_resize`` until the confirm (which removes it) or the
revert (which puts it back and defines the domain with the old flavor).
"""
from __future__ import annotations

import json
import os
import shutil
import types
from typing import Any, Mapping

from nubes.compute.virt.driver import DriverError, set_running
from nubes.common.local_disks import swap_mb
from nubes.compute.virt.libvirt import config_drive, guest_disks, images

RESIZE_SUFFIX = "_resize"


def flavor_record(flavor: Mapping[str, Any]) -> Any:
    """What the domain definition reads of an instance, from flavor columns."""
    return types.SimpleNamespace(vcpus=flavor.get("vcpus"),
                                 memory_mb=flavor.get("memory_mb"),
                                 root_gb=flavor.get("root_gb") or 0,
                                 ephemeral_gb=flavor.get("ephemeral_gb") or 0,
                                 swap=swap_mb(flavor.get("flavor")))


class Moves:
    """Mixed into :class:`~nubes.compute.virt.libvirt.driver.LibvirtDriver`."""

    def migrate_disk_and_power_off(self, instance_uuid: str, dest_host: str) -> dict:
        domain = self._domain(instance_uuid)
        self._power_down(domain)
        return {"source_host": self.host, "path": self.guest_dir(instance_uuid)}

    def finish_migration(self, instance_uuid: str, nodename: str, disk_info: dict,
                         flavor: Mapping[str, Any], power_on: bool) -> int:
        source = disk_info.get("path")
        if not source:
            raise DriverError(f"the source of {instance_uuid} handed over no disk")
        folder = self.guest_dir(instance_uuid)
        kept = folder + RESIZE_SUFFIX
        same_host = os.path.realpath(source) == os.path.realpath(folder)
        # The volumes this host connected for the guest (before this call):
        # the source let go of its own.
        connected = self._read_guest(instance_uuid)["volumes"]
        self._undefine(instance_uuid)
        if same_host:       # the old directory kept for a revert
            if os.path.exists(folder):
                shutil.rmtree(kept, ignore_errors=True)
                os.rename(folder, kept)
            source = kept
        else:               # what an earlier, failed move left here
            shutil.rmtree(folder, ignore_errors=True)
        try:
            return self._build_from(instance_uuid, source, flavor, power_on, connected)
        except Exception:
            if not same_host:       # (on the same host the revert puts it back)
                self.destroy(instance_uuid)
            raise

    def _build_from(self, instance_uuid: str, source: str, flavor: Mapping[str, Any],
                    power_on: bool, connected: dict[str, dict]) -> int:
        try:
            with open(os.path.join(source, "guest.json")) as f:
                guest = json.load(f)
        except FileNotFoundError:
            raise DriverError(f"{source} holds no guest to move") from None
        guest["volumes"] = connected
        record = flavor_record(flavor)
        folder = self.guest_dir(instance_uuid)
        root_volume = guest["volumes"].get(guest_disks.ROOT_DEVICE)
        if root_volume is not None:     # boot from volume: no root disk to carry
            boot = self._volume_boot(root_volume.get("serial"))
            os.makedirs(folder)
        elif not guest.get("image_id"):
            raise DriverError(f"{instance_uuid} has no image disk to move")
        else:
            boot = self.cache.boot_source(guest["image_id"])
            os.makedirs(folder)
            root = os.path.join(folder, guest_disks.ROOT)
            images.copy_disk(os.path.join(source, guest_disks.ROOT), root, boot.disk,
                             boot.disk_format)
            images.grow(root, record.root_gb)
        eph = os.path.join(folder, guest_disks.EPHEMERAL)
        if os.path.exists(os.path.join(source, guest_disks.EPHEMERAL)):
            images.copy_disk(os.path.join(source, guest_disks.EPHEMERAL), eph)
            images.grow(eph, record.ephemeral_gb)
        guest_disks.make_local(folder, record, fresh_swap=True)
        if os.path.exists(os.path.join(source, config_drive.FILE)):
            shutil.copyfile(os.path.join(source, config_drive.FILE),
                            os.path.join(folder, config_drive.FILE))
        self._write_guest(instance_uuid, guest)
        domain = self._define(instance_uuid, record, boot,
                              self._disks(instance_uuid, record, guest))
        if power_on:
            self._start(domain)
        return self.conn.power_state(domain)

    def finish_revert_migration(self, instance_uuid: str, nodename: str,
                                flavor: Mapping[str, Any], power_on: bool) -> int:
        folder = self.guest_dir(instance_uuid)
        kept = folder + RESIZE_SUFFIX
        domain = None
        if os.path.exists(kept):        # resized on this host: the old disk back
            self._undefine(instance_uuid)
            shutil.rmtree(folder, ignore_errors=True)
            os.rename(kept, folder)
        else:
            domain = self.conn.lookup(self.domain_name(instance_uuid))
        if domain is None:
            guest = self._read_guest(instance_uuid)
            if not guest.get("image_id"):       # nothing left of it here: a new guest
                self._spawn(instance_uuid, None)
                return set_running(self, instance_uuid, power_on)
            record = flavor_record(flavor)
            domain = self._define(instance_uuid, record,
                                  self.cache.boot_source(guest["image_id"]),
                                  self._disks(instance_uuid, record, guest))
        return set_running(self, instance_uuid, power_on)

    def confirm_migration(self, instance_uuid: str, same_host: bool) -> None:
        if same_host:
            shutil.rmtree(self.guest_dir(instance_uuid) + RESIZE_SUFFIX, ignore_errors=True)
        else:
            self.destroy(instance_uuid)
