#!/usr/bin/env python3
"""Build the tiny bootable guest (kernel, busybox initramfs, root disk) from
Debian packages and upload it to an image API.

    python tools/build_tiny_image.py --out /tmp/tiny                  # build only
    python tools/build_tiny_image.py --image-url http://127.0.0.1:9292 \\
        --token "$(openstack --os-cloud nubes token issue -f value -c id)"

Needs ``make libvirt-deps`` (linux-image-cloud-amd64, busybox-static,
qemu-utils).  See docs/compute/libvirt.md for the format.
"""
from __future__ import annotations

import argparse
import sys
import tempfile

from nubes.compute.virt.libvirt import tiny_image
from nubes.image.client import ImageClient


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="where to write kernel, initrd and disk "
                                      "(default: a temporary directory)")
    parser.add_argument("--image-url", help="image API endpoint to upload to")
    parser.add_argument("--token", help="token for the image API")
    parser.add_argument("--name", default="tiny", help="image name (default: tiny)")
    args = parser.parse_args(argv)
    out = args.out or tempfile.mkdtemp(prefix="nubes-tiny-")
    try:
        files = tiny_image.build(out)
    except tiny_image.BuildError as exc:
        print(f"build_tiny_image: {exc}", file=sys.stderr)
        return 1
    print(f"built {files.kernel}, {files.initrd}, {files.disk} (kernel {files.kernel_version})")
    if args.image_url:
        ids = tiny_image.upload(ImageClient(args.image_url, token=args.token), files,
                                name=args.name)
        print(f"uploaded: boot image {ids['disk']} (kernel {ids['kernel']}, "
              f"initrd {ids['initrd']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
