"""The libvirt driver: one compute host on a libvirt connection, whose
guests are persistent QEMU domains named ``PREFIX + HOST + '-' + UUID``.

Everything of a guest lives in ``INSTANCES/HOST/UUID/`` (``disk``: the
root overlay, ``disk.eph0``, ``console.log``, ``guest.json``: the image it
booted from and its volumes); the host's image cache in
``INSTANCES/HOST/_base``.  A destroy leaves neither domain nor directory.

The instance's flavor and image come from the cell conductor
(``instance_get``): the driver protocol passes uuids only.
"""
from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import threading
import time
import uuid as uuidlib
from typing import Any, Callable, Iterator, Mapping

from nubes.compute.states import PowerState
from nubes.compute.virt.driver import DriverError, NodeResources
from nubes.compute.virt.libvirt import (config_drive, domain_xml, guest_agent, guest_disks,
                                        images, stats)
from nubes.compute.virt.libvirt.connection import Connection, choose_virt_type
from nubes.compute.virt.libvirt.moves import RESIZE_SUFFIX, Moves
from nubes.conductor.cell.rpcapi import CellConductorAPI
from nubes.image.client import ImageClient
from nubes.volume.client import VolumeClient

LOG = logging.getLogger(__name__)
DOMAIN_NAMESPACE = uuidlib.UUID("5b0b3c46-8f5e-4f0e-9f55-6e75627573aa")
POLL = 0.2
SHUTDOWN_RETRY = 5.0        # seconds between two ACPI power button presses
CAPABILITIES = {"COMPUTE_IMAGE_TYPE_QCOW2": True, "COMPUTE_IMAGE_TYPE_RAW": True,
                "COMPUTE_IMAGE_TYPE_AKI": True, "COMPUTE_IMAGE_TYPE_ARI": True,
                "COMPUTE_VOLUME_ATTACH_WITH_TAG": False, "COMPUTE_VOLUME_EXTEND": False,
                "COMPUTE_VOLUME_MULTI_ATTACH": False, "COMPUTE_NET_ATTACH_INTERFACE": False,
                "COMPUTE_TRUSTED_CERTS": False, "COMPUTE_DEVICE_TAGGING": False,
                "COMPUTE_RESCUE_BFV": False}


class NotSupportedByLibvirt(DriverError):
    """This driver cannot do that yet."""


class LibvirtDriver(Moves):
    hypervisor_type = "QEMU"

    def __init__(self, conf: Any, host: str, *, transport: Any = None):
        self.host = host
        opts = conf.libvirt
        self._opts = opts
        self.base_dir = os.path.join(opts.instances_path, host)
        self.conn = Connection(opts.connection_uri)
        self.virt_type = "qemu"
        self._conductor = CellConductorAPI(transport) if transport is not None else None
        self.cache = images.ImageCache(os.path.join(self.base_dir, "_base"),
                                       ImageClient.from_conf(conf), opts.image_token)
        self.volumes = VolumeClient.from_conf(conf)     # a root volume's image metadata
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    # --- the host --------------------------------------------------------------

    def init_host(self) -> None:
        os.makedirs(self.cache.directory, exist_ok=True)
        self.virt_type = choose_virt_type(self._opts.virt_type)
        conn = self.conn.get()
        LOG.info("host %s: libvirt %s at %s, guests of type %s", self.host,
                 conn.getLibVersion(), self.conn.uri, self.virt_type)

    def node_names(self) -> list[str]:
        return [self.host]

    def node_resources(self, nodename: str) -> NodeResources:
        if nodename != self.host:
            raise KeyError(f"{self.host} has no node {nodename!r}")
        conn = self.conn.get()
        _arch, memory_mb, cpus, _mhz, *_ = conn.getInfo()
        disk = os.statvfs(self.base_dir)
        cpu_info = json.dumps({"arch": platform.machine(), "vendor": None,
                               "model": None, "topology": {"cpus": cpus}})
        return NodeResources(vcpus=cpus, memory_mb=memory_mb,
                             local_gb=disk.f_blocks * disk.f_frsize // images.GIB,
                             hypervisor_type=self.hypervisor_type,
                             hypervisor_version=conn.getVersion(), cpu_info=cpu_info)

    def capabilities(self) -> Mapping[str, bool]:
        return dict(CAPABILITIES)

    def domain_name(self, instance_uuid: str) -> str:
        return f"{self._opts.domain_prefix}{self.host}-{instance_uuid}"

    def guest_dir(self, instance_uuid: str) -> str:
        return os.path.join(self.base_dir, instance_uuid)

    def console_log(self, instance_uuid: str) -> str:
        return os.path.join(self.guest_dir(instance_uuid), "console.log")

    def guests(self) -> list[str]:
        """Instance uuids of this host's domains."""
        prefix = self.domain_name("")
        return sorted(d.name()[len(prefix):] for d in self.conn.get().listAllDomains(0)
                      if d.name().startswith(prefix))

    # --- spawn, rebuild, destroy ---------------------------------------------------

    def spawn(self, instance_uuid: str, nodename: str, *,
              disk_image: str | None = None) -> int:
        """``disk_image``: an image of the guest's own disk (a shelved
        server's snapshot) the root disk is made of, standalone, instead of
        an overlay on the instance's image."""
        return self._spawn(instance_uuid, None, disk_image)

    def rebuild(self, instance_uuid: str, nodename: str, image_ref: str | None, *,
                admin_password: str | None = None, preserve_ephemeral: bool = False) -> int:
        self._undefine(instance_uuid)
        folder = self.guest_dir(instance_uuid)
        kept = (guest_disks.EPHEMERAL,) if preserve_ephemeral else ()
        for name in {guest_disks.ROOT, guest_disks.EPHEMERAL, guest_disks.SWAP,
                     config_drive.FILE} - set(kept):
            path = os.path.join(folder, name)
            if os.path.exists(path):
                os.unlink(path)
        return self._spawn(instance_uuid, image_ref)

    def _spawn(self, instance_uuid: str, image_ref: str | None,
               disk_image: str | None = None) -> int:
        record = self._record(instance_uuid)
        guest = self._read_guest(instance_uuid)
        root_volume = guest["volumes"].get(guest_disks.ROOT_DEVICE)
        if root_volume is not None:         # boot from volume: connected before the spawn
            return self._spawn_from_volume(instance_uuid, record, guest, root_volume)
        image_id = image_ref or record.image_ref
        if not image_id and not disk_image:
            raise DriverError(f"{instance_uuid} has no image to boot from")
        source = self.cache.boot_source(disk_image or image_id)
        folder = self.guest_dir(instance_uuid)
        os.makedirs(folder, exist_ok=True)
        root = os.path.join(folder, guest_disks.ROOT)
        if disk_image:
            self._root_from(disk_image, source, root, record.root_gb or 0)
            image_id = image_id or disk_image
        elif not os.path.exists(root):
            images.create_overlay(source.disk, source.disk_format, root, record.root_gb or 0)
        guest_disks.make_local(folder, record)
        self._make_config_drive(instance_uuid)
        guest.update(image_id=image_id, disk_format=source.disk_format)
        self._write_guest(instance_uuid, guest)
        domain = self._define(instance_uuid, record, source,
                              self._disks(instance_uuid, record, guest))
        self._start(domain)
        return self.conn.power_state(domain)

    def _spawn_from_volume(self, instance_uuid: str, record: Any, guest: dict[str, Any],
                           root_volume: dict[str, Any]) -> int:
        """The root volume at vda; a kernel, initrd and command line when
        the image the volume was made of names them (its
        ``volume_image_metadata``), else the volume's own bootloader."""
        guest_disks.make_local(self.guest_dir(instance_uuid), record)
        self._make_config_drive(instance_uuid)
        source = self._volume_boot(root_volume.get("serial"))
        domain = self._define(instance_uuid, record, source,
                              self._disks(instance_uuid, record, guest))
        self._start(domain)
        return self.conn.power_state(domain)

    def _make_config_drive(self, instance_uuid: str) -> None:
        """The config drive, when the server asked for one and has none here."""
        path = os.path.join(self.guest_dir(instance_uuid), config_drive.FILE)
        if os.path.exists(path):
            return
        data = self._conductor.instance_guest_data(None, instance_uuid)
        if data.config_drive:
            config_drive.build(path, data)

    def _volume_boot(self, volume_id: str | None) -> images.BootSource:
        metadata: dict[str, str] = {}
        if volume_id and self.volumes is not None:
            try:
                volume = self.volumes.get_volume(volume_id, token=self._opts.image_token)
            except Exception as exc:  # noqa: BLE001 - the volume API's own words
                raise DriverError(f"volume {volume_id} could not be read to boot from it "
                                  f"(is [libvirt] image_token a service token?): {exc}"
                                  ) from exc
            metadata = dict(volume.image_metadata) if volume is not None else {}
        return self.cache.boot_source_of(metadata.get("image_id") or "", metadata, "raw")

    def _root_from(self, disk_image: str, source: images.BootSource, root: str,
                   root_gb: int) -> None:
        """The root disk a standalone copy of ``disk_image`` (the image is
        deleted once the server runs: nothing may stay backed by it), and the
        image let go of from the cache."""
        images.copy_standalone(source.disk, source.disk_format, root, root_gb)
        self.cache.forget(disk_image)

    def _record(self, instance_uuid: str) -> Any:
        if self._conductor is None:
            raise DriverError("the libvirt driver was built without its cell bus")
        return self._conductor.instance_get(None, instance_uuid)

    def _disks(self, instance_uuid: str, record: Any,
               guest: dict[str, Any]) -> list[domain_xml.Disk]:
        folder = self.guest_dir(instance_uuid)
        config = os.path.join(folder, config_drive.FILE)
        return guest_disks.domain_disks(folder, record, guest["volumes"],
                                        config_drive=config if os.path.exists(config) else None)

    def _define(self, instance_uuid: str, record: Any, source: images.BootSource,
                disks: list[domain_xml.Disk]) -> Any:
        spec = domain_xml.GuestSpec(
            uuid=str(uuidlib.uuid5(DOMAIN_NAMESPACE, f"{self.host}/{instance_uuid}")),
            name=self.domain_name(instance_uuid), vcpus=record.vcpus or 1,
            memory_mb=record.memory_mb or 128, disks=tuple(disks),
            console_log=self.console_log(instance_uuid), virt_type=self.virt_type,
            kernel=source.kernel, initrd=source.initrd, cmdline=source.cmdline,
            dac_label=self._opts.dac_label or None, host=self.host)
        return self._call(lambda: self.conn.get().defineXML(domain_xml.render(spec)))

    def destroy(self, instance_uuid: str) -> None:
        self._undefine(instance_uuid)
        with self._lock:
            self._started.pop(instance_uuid, None)
        shutil.rmtree(self.guest_dir(instance_uuid) + RESIZE_SUFFIX, ignore_errors=True)
        shutil.rmtree(self.guest_dir(instance_uuid), ignore_errors=True)
        if os.path.exists(self.guest_dir(instance_uuid)):
            raise DriverError(f"{self.guest_dir(instance_uuid)} could not be removed")

    def _undefine(self, instance_uuid: str) -> None:
        domain = self.conn.lookup(self.domain_name(instance_uuid))
        if domain is None:
            return
        lv = self.conn.libvirt
        if domain.isActive():
            self._call(domain.destroy)
        self._call(lambda: domain.undefineFlags(lv.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE))

    # --- power -----------------------------------------------------------------------

    def reboot(self, instance_uuid: str, hard: bool = False) -> int:
        domain = self._domain(instance_uuid)
        state = self.conn.power_state(domain)
        if not hard and state == PowerState.RUNNING and self._clean_shutdown(domain):
            self._start(domain)
            return self.conn.power_state(domain)
        if domain.isActive():
            self._call(domain.destroy)
        if domain.hasManagedSaveImage(0):
            self._call(lambda: domain.managedSaveRemove(0))
        self._start(domain)
        return self.conn.power_state(domain)

    def power_off(self, instance_uuid: str) -> int:
        domain = self._domain(instance_uuid)
        self._power_down(domain)
        return self.conn.power_state(domain)

    def power_on(self, instance_uuid: str) -> int:
        domain = self._domain(instance_uuid)
        state = self.conn.power_state(domain)
        if state == PowerState.PAUSED:
            self._call(domain.resume)
        elif not domain.isActive():
            self._start(domain)
        return self.conn.power_state(domain)

    def pause(self, instance_uuid: str) -> int:
        domain = self._domain(instance_uuid)
        self._call(domain.suspend)
        return self.conn.power_state(domain)

    def unpause(self, instance_uuid: str) -> int:
        domain = self._domain(instance_uuid)
        self._call(domain.resume)
        return self.conn.power_state(domain)

    def suspend(self, instance_uuid: str) -> int:
        """Managed save: the guest's memory to disk, the domain shut off."""
        domain = self._domain(instance_uuid)
        self._call(lambda: domain.managedSave(0))
        return self.conn.power_state(domain)

    def resume(self, instance_uuid: str) -> int:
        domain = self._domain(instance_uuid)
        self._call(domain.create)
        return self.conn.power_state(domain)

    def rescue(self, instance_uuid: str, image_ref: str | None, password: str | None) -> int:
        """Boot a fresh disk of the rescue image (the instance's own image
        when none is named) at vda, the guest's root disk at vdb (its
        ephemeral disk and volumes stay off while rescued)."""
        domain = self._domain(instance_uuid)
        record, guest = self._record(instance_uuid), self._read_guest(instance_uuid)
        source = self.cache.boot_source(image_ref or guest.get("image_id") or record.image_ref)
        folder = self.guest_dir(instance_uuid)
        rescue_disk = os.path.join(folder, "disk.rescue")
        if os.path.exists(rescue_disk):
            os.unlink(rescue_disk)
        images.create_overlay(source.disk, source.disk_format, rescue_disk, 0)
        self._power_down(domain)
        disks = [domain_xml.Disk(rescue_disk, "vda"),
                 domain_xml.Disk(os.path.join(folder, "disk"), "vdb")]
        domain = self._define(instance_uuid, record, source, disks)
        self._start(domain)
        return self.conn.power_state(domain)

    def unrescue(self, instance_uuid: str) -> int:
        domain = self._domain(instance_uuid)
        record, guest = self._record(instance_uuid), self._read_guest(instance_uuid)
        source = self.cache.boot_source(guest.get("image_id") or record.image_ref)
        self._power_down(domain, clean=False)
        domain = self._define(instance_uuid, record, source,
                              self._disks(instance_uuid, record, guest))
        rescue_disk = os.path.join(self.guest_dir(instance_uuid), "disk.rescue")
        if os.path.exists(rescue_disk):
            os.unlink(rescue_disk)
        self._start(domain)
        return self.conn.power_state(domain)

    def _power_down(self, domain: Any, clean: bool = True) -> None:
        if clean and self.conn.power_state(domain) == PowerState.RUNNING:
            self._clean_shutdown(domain)
        if domain.isActive():
            self._call(domain.destroy)

    def trigger_crash_dump(self, instance_uuid: str) -> None:
        domain = self._domain(instance_uuid)
        self._call(lambda: domain.injectNMI(0))

    def set_admin_password(self, instance_uuid: str, new_pass: str) -> None:
        """Through the guest's QEMU guest agent (its virtio channel is in
        every domain): the image property ``os_admin_user``'s password,
        ``root``'s without one (:mod:`.guest_agent`)."""
        domain = self._domain(instance_uuid)
        image_id = self._read_guest(instance_uuid).get("image_id")
        user = (self.cache.properties(image_id) if image_id else {}).get(
            "os_admin_user") or "root"
        guest_agent.set_password(self.conn.libvirt, domain, user, new_pass)

    def live_migration_time(self, instance_uuid: str) -> float:
        raise NotSupportedByLibvirt("live migration is not supported by the libvirt "
                                    "driver yet")

    def power_state(self, instance_uuid: str) -> int:
        domain = self.conn.lookup(self.domain_name(instance_uuid))
        return PowerState.NOSTATE if domain is None else self.conn.power_state(domain)

    # --- what the guest shows ---------------------------------------------------------

    def console_output(self, instance_uuid: str) -> str:
        self._domain(instance_uuid)
        path = self.console_log(instance_uuid)
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                f.seek(max(0, size - self._opts.console_log_bytes))
                data = f.read()
        except FileNotFoundError:
            return ""
        return data.decode("utf-8", errors="replace").replace("\r\n", "\n")

    def diagnostics(self, instance_uuid: str) -> dict[str, Any]:
        domain = self._domain(instance_uuid)
        with self._lock:
            started = self._started.get(instance_uuid)
        return self._call(lambda: stats.diagnostics(
            domain, self.conn.power_state(domain), started, platform.system().lower()))

    def snapshot(self, instance_uuid: str) -> Iterator[bytes]:
        """The root disk as a standalone image of the format it booted from
        (a running guest is paused while its disk is copied)."""
        domain = self._domain(instance_uuid)
        guest = self._read_guest(instance_uuid)
        folder = self.guest_dir(instance_uuid)
        scratch = os.path.join(folder, f"snapshot.{uuidlib.uuid4().hex}")
        paused = self.conn.power_state(domain) == PowerState.RUNNING
        if paused:
            self._call(domain.suspend)
        try:
            return images.converted(os.path.join(folder, "disk"),
                                    guest.get("disk_format") or "qcow2", scratch)
        finally:
            if paused:
                self._call(domain.resume)

    # --- volumes (the file backend: its file as a virtio disk) ----------------------------

    def get_volume_connector(self) -> dict[str, Any]:
        return {"host": self.host, "ip": "127.0.0.1", "platform": platform.machine(),
                "os_type": "linux", "multipath": False,
                "initiator": f"iqn.2024-01.org.nubes:{self.host}"}

    def attach_volume(self, instance_uuid: str, connection_info: dict[str, Any],
                      mountpoint: str) -> None:
        guest = self._read_guest(instance_uuid)
        if mountpoint in guest["volumes"]:
            raise DriverError(f"{instance_uuid} already has a disk at {mountpoint}")
        in_use = self._disks(instance_uuid, self._record(instance_uuid), guest)
        connection_info = {**connection_info,
                           "target": guest_disks.volume_target(mountpoint, in_use)}
        disk = guest_disks.volume_disk(mountpoint, connection_info)
        domain = self.conn.lookup(self.domain_name(instance_uuid))
        if domain is not None:
            self._call(lambda: domain.attachDeviceFlags(domain_xml.disk_xml(disk),
                                                        self._live_flags(domain)))
        guest["volumes"][mountpoint] = dict(connection_info)
        self._write_guest(instance_uuid, guest)

    def detach_volume(self, instance_uuid: str, mountpoint: str) -> None:
        guest = self._read_guest(instance_uuid)
        info = guest["volumes"].pop(mountpoint, None)
        if info is None:
            return
        domain = self.conn.lookup(self.domain_name(instance_uuid))
        if domain is not None:
            xml = domain_xml.disk_xml(guest_disks.volume_disk(mountpoint, info))
            self._call(lambda: domain.detachDeviceFlags(xml, self._live_flags(domain)))
        self._write_guest(instance_uuid, guest)

    def attached_volumes(self, instance_uuid: str) -> dict[str, dict[str, Any]]:
        return dict(self._read_guest(instance_uuid)["volumes"])

    # --- helpers -------------------------------------------------------------------------

    def _live_flags(self, domain: Any) -> int:
        lv = self.conn.libvirt
        flags = lv.VIR_DOMAIN_AFFECT_CONFIG
        return flags | lv.VIR_DOMAIN_AFFECT_LIVE if domain.isActive() else flags

    def _domain(self, instance_uuid: str) -> Any:
        domain = self.conn.lookup(self.domain_name(instance_uuid))
        if domain is None:
            raise DriverError(f"{self.host} has no guest {instance_uuid}")
        return domain

    def _start(self, domain: Any) -> None:
        self._call(domain.create)
        deadline = time.monotonic() + self._opts.boot_wait
        while self.conn.power_state(domain) != PowerState.RUNNING:
            if time.monotonic() > deadline:
                raise DriverError(f"{domain.name()} did not start in "
                                  f"{self._opts.boot_wait} seconds")
            time.sleep(POLL)
        prefix = self.domain_name("")
        with self._lock:
            self._started[domain.name()[len(prefix):]] = time.monotonic()

    def _clean_shutdown(self, domain: Any) -> bool:
        """Press the ACPI power button (again every few seconds) until the
        guest is off or ``shutdown_timeout`` passed; True when it is off."""
        deadline = time.monotonic() + self._opts.shutdown_timeout
        while time.monotonic() < deadline:
            try:
                domain.shutdown()
            except self.conn.libvirt.libvirtError:
                pass            # it went off meanwhile
            press = min(deadline, time.monotonic() + SHUTDOWN_RETRY)
            while time.monotonic() < press:
                if not domain.isActive():
                    return True
                time.sleep(POLL)
        return not domain.isActive()

    def _call(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except self.conn.libvirt.libvirtError as exc:
            raise DriverError(f"libvirt: {exc.get_error_message()}") from None

    def _read_guest(self, instance_uuid: str) -> dict[str, Any]:
        path = os.path.join(self.guest_dir(instance_uuid), "guest.json")
        try:
            with open(path) as f:
                return json.load(f)
        except FileNotFoundError:
            return {"volumes": {}}

    def _write_guest(self, instance_uuid: str, guest: dict[str, Any]) -> None:
        folder = self.guest_dir(instance_uuid)
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, "guest.json.tmp")
        with open(tmp, "w") as f:
            json.dump(guest, f)
        os.replace(tmp, os.path.join(folder, "guest.json"))

