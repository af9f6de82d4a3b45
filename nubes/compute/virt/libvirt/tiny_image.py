"""The tiny bootable guest the project builds from Debian packages.

Three files, uploaded as three images (the AMI/AKI/ARI convention the
libvirt driver boots directly, see ``docs/compute/libvirt.md``):

* ``kernel`` (disk and container format ``aki``): Debian's cloud kernel
  (``linux-image-cloud-amd64``, ``/boot/vmlinuz-*-cloud-amd64``);
* ``initrd`` (``ari``): a gzipped newc cpio made here: the static busybox
  (``busybox-static``), the few modules the guest needs (virtio PCI and
  block, virtio console, evdev, the ACPI button and ISO 9660) and ``/init``, which mounts what it
  needs, prints :data:`BANNER` and the block devices it sees to the serial
  console (``ttyS0``), what a config drive among them holds (its
  ``meta_data.json`` and the first line of its ``user_data``), then each
  disk hot-plugged or unplugged, answers a QEMU guest agent's handshake
  and password change on its virtio port (saying so on the console), and
  powers off when the ACPI power button is pressed;
* ``disk`` (``qcow2``/``bare``): a small root disk (a header naming it,
  then zeros), the image a server boots with; its properties ``kernel_id``,
  ``ramdisk_id`` and ``os_command_line`` point at the other two.

::

    files = build(out_dir)     # TinyImage(kernel=..., initrd=..., disk=...)
"""
from __future__ import annotations

import dataclasses
import glob
import gzip
import io
import os
import re
import subprocess

BANNER = "NUBES-TINY-GUEST-BOOTED"
COMMAND_LINE = "console=ttyS0 quiet loglevel=3 panic=-1"
DISK_BYTES = 1024 * 1024
MODULES = ("virtio_pci", "virtio_blk", "virtio_console", "evdev", "button", "isofs")
AGENT_CHANNEL = "org.qemu.guest_agent.0"
BUSYBOX = "/bin/busybox"

INIT = f"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules/order); do insmod /modules/$m 2>/dev/null; done
sleep 1
echo "{BANNER}"
echo "nubes-tiny: kernel $(uname -r)"
for d in /sys/block/*; do
  n=$(basename $d)
  case $n in ram*|loop*) continue;; esac
  echo "nubes-tiny: disk $n $(cat $d/size) sectors"
done
mkdir -p /mnt
for d in /sys/block/vd*; do
  n=$(basename $d)
  mount -t iso9660 -o ro /dev/$n /mnt 2>/dev/null || continue
  c=/mnt/openstack/latest
  if [ -f $c/meta_data.json ]; then
    echo "nubes-tiny: config drive $n"
    echo "nubes-tiny: meta_data $(cat $c/meta_data.json | tr -d '\n' | cut -c1-400)"
    if [ -f $c/user_data ]; then echo "nubes-tiny: user_data $(head -n 1 $c/user_data)"; fi
  fi
  umount /mnt
done
# A guest agent of a few commands on the agent's virtio port: guest-sync
# (libvirt's handshake), guest-ping, guest-set-user-password (said on the
# console; nothing to set in a guest without users).
agent() {{
  exec 4<>"$1"
  while true; do
    while IFS= read -r line <&4; do
      case "$line" in
        *'"guest-sync'*)
          id=$(echo "$line" | sed -n 's/.*"id"[^0-9]*\\([0-9][0-9]*\\).*/\\1/p')
          echo "{{\\"return\\": $id}}" >&4 ;;
        *'"guest-set-user-password"'*)
          user=$(echo "$line" | sed -n 's/.*"username" *: *"\\([^"]*\\)".*/\\1/p')
          echo "nubes-tiny: password set for $user"
          echo '{{"return": {{}}}}' >&4 ;;
        *'"guest-ping"'*) echo '{{"return": {{}}}}' >&4 ;;
        *) echo '{{"error": {{"class": "CommandNotFound", "desc": "not in nubes-tiny"}}}}' >&4 ;;
      esac
    done
    sleep 1
  done
}}
for p in /sys/class/virtio-ports/*; do
  [ "$(cat $p/name 2>/dev/null)" = "{AGENT_CHANNEL}" ] && agent /dev/$(basename $p) &
done
disks() {{ ls /sys/block | grep -v -e '^ram' -e '^loop' | tr '\n' ' '; }}
(
  seen=" $(disks)"
  while true; do
    sleep 1
    now=" $(disks)"
    for n in $now; do
      case "$seen" in *" $n "*) ;; *) echo "nubes-tiny: new disk $n $(cat /sys/block/$n/size) sectors";; esac
    done
    for n in $seen; do
      case "$now" in *" $n "*) ;; *) echo "nubes-tiny: disk gone $n";; esac
    done
    seen="$now"
  done
) &
button=""
for i in /sys/class/input/input*; do
  if [ "$(cat $i/name 2>/dev/null)" = "Power Button" ]; then
    button=/dev/input/$(basename $(ls -d $i/event* | head -n 1))
  fi
done
if [ -n "$button" ]; then
  exec 3<"$button"
  echo "nubes-tiny: ready"
  head -c 1 <&3 >/dev/null
  echo "nubes-tiny: ACPI power button: powering off"
  sync
  poweroff -f
fi
echo "nubes-tiny: ready (no power button)"
while true; do sleep 3600; done
"""


class BuildError(Exception):
    """What the build needs is missing (run ``make libvirt-deps``)."""


@dataclasses.dataclass(frozen=True)
class TinyImage:
    kernel: str
    initrd: str
    disk: str
    kernel_version: str


def find_kernel() -> tuple[str, str]:
    """(path of the newest Debian cloud kernel, its version)."""
    kernels = sorted(glob.glob("/boot/vmlinuz-*-cloud-amd64"), key=_version_key)
    if not kernels:
        raise BuildError("no /boot/vmlinuz-*-cloud-amd64: install linux-image-cloud-amd64 "
                         "(make libvirt-deps)")
    path = kernels[-1]
    return path, os.path.basename(path)[len("vmlinuz-"):]


def _version_key(path: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", os.path.basename(path))]


def module_files(version: str) -> list[str]:
    """The .ko files of :data:`MODULES` and their dependencies, in load order."""
    order: list[str] = []
    for name in MODULES:
        out = subprocess.run(["modprobe", "--show-depends", "-S", version, name],
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise BuildError(f"module {name} of {version}: {out.stderr.strip()}")
        for line in out.stdout.splitlines():
            parts = line.split()
            if parts[:1] == ["insmod"] and parts[1] not in order:
                order.append(parts[1])
    return order


def build(out_dir: str) -> TinyImage:
    """Write ``kernel``, ``initrd`` and ``disk`` into ``out_dir``."""
    if not os.path.exists(BUSYBOX):
        raise BuildError(f"no {BUSYBOX}: install busybox-static (make libvirt-deps)")
    kernel_src, version = find_kernel()
    os.makedirs(out_dir, exist_ok=True)
    kernel = os.path.join(out_dir, "kernel")
    with open(kernel_src, "rb") as src, open(kernel, "wb") as dst:
        dst.write(src.read())
    archive = Cpio()
    for directory in ("bin", "dev", "proc", "sys", "modules", "etc"):
        archive.add_dir(directory)
    archive.add_file("dev/console", b"", mode=0o020600, rdev=(5, 1))
    with open(BUSYBOX, "rb") as f:
        archive.add_file("bin/busybox", f.read(), mode=0o100755)
    archive.add_file("bin/sh", b"busybox", mode=0o120777)
    archive.add_file("init", INIT.encode(), mode=0o100755)
    names = []
    for path in module_files(version):
        name = os.path.basename(path)
        with open(path, "rb") as f:
            archive.add_file(f"modules/{name}", f.read(), mode=0o100644)
        names.append(name)
    archive.add_file("modules/order", ("\n".join(names) + "\n").encode(), mode=0o100644)
    initrd = os.path.join(out_dir, "initrd")
    with open(initrd, "wb") as f:
        f.write(gzip.compress(archive.finish(), compresslevel=6, mtime=0))
    raw = os.path.join(out_dir, "disk.raw")
    header = f"NUBES-TINY-ROOT {BANNER}\n".encode()
    with open(raw, "wb") as f:
        f.write(header + b"\0" * (DISK_BYTES - len(header)))
    disk = os.path.join(out_dir, "disk")
    subprocess.run(["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, disk],
                   check=True, capture_output=True)
    os.unlink(raw)
    return TinyImage(kernel=kernel, initrd=initrd, disk=disk, kernel_version=version)


class Cpio:
    """A newc ("070701") cpio archive, as the kernel unpacks an initramfs."""

    def __init__(self) -> None:
        self._out = io.BytesIO()
        self._ino = 1

    def add_dir(self, name: str) -> None:
        self.add_file(name, b"", mode=0o040755, nlink=2)

    def add_file(self, name: str, data: bytes, *, mode: int, nlink: int = 1,
                 rdev: tuple[int, int] = (0, 0)) -> None:
        encoded = name.encode() + b"\0"
        fields = [self._ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(encoded), 0]
        self._ino += 1
        header = b"070701" + b"".join(b"%08X" % v for v in fields)
        self._write(header + encoded)
        self._write(data)

    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._out.write(b"\0" * (-self._out.tell() % 4))

    def finish(self) -> bytes:
        self.add_file("TRAILER!!!", b"", mode=0)
        return self._out.getvalue()


def upload(client, files: TinyImage, *, name: str = "tiny", token: str | None = None,
           visibility: str = "public") -> dict[str, str]:
    """Upload the three images through ``client`` (a
    :class:`nubes.image.client.ImageClient`); their ids by role
    (``kernel``, ``initrd``, ``disk``: the one to boot)."""
    ids = {}
    for role, fmt, path in (("kernel", "aki", files.kernel), ("initrd", "ari", files.initrd)):
        image = client.create(name=f"{name}-{role}", disk_format=fmt, container_format=fmt,
                              visibility=visibility, token=token)
        with open(path, "rb") as f:
            client.upload(image.id, f.read(), token=token)
        ids[role] = image.id
    image = client.create(name=name, disk_format="qcow2", container_format="bare",
                          visibility=visibility, token=token,
                          properties={"kernel_id": ids["kernel"], "ramdisk_id": ids["initrd"],
                                      "os_command_line": COMMAND_LINE,
                                      "hw_architecture": "x86_64"})
    with open(files.disk, "rb") as f:
        client.upload(image.id, f.read(), token=token)
    ids["disk"] = image.id
    return ids
