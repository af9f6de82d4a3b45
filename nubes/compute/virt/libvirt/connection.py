"""The libvirt connection a host works through, and what the machine can
run: KVM when ``/dev/kvm`` can create a VM, TCG (``type='qemu'``) otherwise.
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
from typing import Any

from nubes.compute.states import PowerState
from nubes.compute.virt.driver import DriverError

LOG = logging.getLogger(__name__)
KVM_CREATE_VM = 0xAE01


class Unreachable(DriverError):
    """libvirtd does not answer on the connection URI."""


def kvm_usable(device: str = "/dev/kvm", cpuinfo: str = "/proc/cpuinfo") -> bool:
    """True when the CPU has virtualisation extensions (vmx or svm) and
    ``device`` can create a VM.  ``/dev/kvm`` may exist, and even create a
    VM, on a CPU without them, where a KVM guest then hangs before its first
    instruction: the flags decide."""
    try:
        with open(cpuinfo) as f:
            flags = {word for line in f if line.startswith("flags")
                     for word in line.split(":", 1)[1].split()}
    except OSError:
        return False
    if not flags & {"vmx", "svm"}:
        return False
    try:
        fd = os.open(device, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        vm = fcntl.ioctl(fd, KVM_CREATE_VM, 0)
    except OSError:
        return False
    finally:
        os.close(fd)
    os.close(vm)
    return True


def choose_virt_type(setting: str) -> str:
    if setting != "auto":
        return setting
    return "kvm" if kvm_usable() else "qemu"


def libvirt_module() -> Any:
    try:
        import libvirt
    except ImportError as exc:
        raise Unreachable("the libvirt Python binding is not installed "
                          "(make libvirt-deps)") from exc
    return libvirt


class Connection:
    """One libvirt connection, opened on first use and again after it broke."""

    def __init__(self, uri: str):
        self.uri = uri
        self.libvirt = libvirt_module()
        self._conn: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._conn is not None:
                try:
                    if self._conn.isAlive():
                        return self._conn
                except self.libvirt.libvirtError:
                    pass
            try:
                self._conn = self.libvirt.open(self.uri)
            except self.libvirt.libvirtError as exc:
                raise Unreachable(f"libvirt at {self.uri} cannot be reached: "
                                  f"{exc.get_error_message()}") from None
            return self._conn

    def lookup(self, name: str) -> Any | None:
        """The domain named ``name``, None when there is none."""
        try:
            return self.get().lookupByName(name)
        except self.libvirt.libvirtError as exc:
            if exc.get_error_code() == self.libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise DriverError(f"libvirt: {exc.get_error_message()}") from None

    def power_state(self, domain: Any) -> int:
        """The domain's state as a nova power state."""
        lv = self.libvirt
        try:
            state = domain.state()[0]
        except lv.libvirtError as exc:
            if exc.get_error_code() == lv.VIR_ERR_NO_DOMAIN:
                return PowerState.NOSTATE
            raise DriverError(f"libvirt: {exc.get_error_message()}") from None
        if state == lv.VIR_DOMAIN_SHUTOFF and domain.hasManagedSaveImage(0):
            return PowerState.SUSPENDED
        return {lv.VIR_DOMAIN_RUNNING: PowerState.RUNNING,
                lv.VIR_DOMAIN_BLOCKED: PowerState.RUNNING,
                lv.VIR_DOMAIN_PAUSED: PowerState.PAUSED,
                lv.VIR_DOMAIN_SHUTDOWN: PowerState.RUNNING,
                lv.VIR_DOMAIN_SHUTOFF: PowerState.SHUTDOWN,
                lv.VIR_DOMAIN_CRASHED: PowerState.CRASHED,
                lv.VIR_DOMAIN_PMSUSPENDED: PowerState.SUSPENDED}.get(state,
                                                                     PowerState.NOSTATE)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                except self.libvirt.libvirtError:
                    pass
                self._conn = None
