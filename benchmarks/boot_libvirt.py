"""Real guests: boot N servers of the tiny image on a libvirt host and time
each from ``POST /servers`` to its banner on the console.

The embedded cloud runs in this process with one libvirt compute host
(``qemu:///system``; TCG where the CPU has no virtualisation extensions, as
on the CI machine).  The tiny image (kernel + busybox initramfs, see
``docs/compute/libvirt.md``) is built and uploaded first.  ``--concurrency``
servers are booted at a time (each a QEMU process of the flavor's size);
each is deleted once its banner was read.

Printed as one JSON document:

* ``active_p50_s``/``active_p95_s``: create → status ACTIVE (the domain
  defined and started);
* ``banner_p50_s``/``banner_p95_s``: create → the tiny guest's banner in
  ``os-getConsoleOutput`` (the kernel booted and ran its init);
* ``nubes_cpu_per_boot_s``: CPU seconds of this process (the whole cloud
  and the benchmark's clients) per server, create to delete;
* ``guest_cpu_per_boot_s``: CPU seconds QEMU used per guest until its
  banner (libvirt's count of the domain's CPU time);
* ``failed``: servers that did not reach their banner.

    sudo .venv/bin/python benchmarks/boot_libvirt.py --servers 20 --concurrency 4
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import math
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nubes.compute.virt.libvirt import tiny_image  # noqa: E402
from nubes.compute.virt.libvirt.connection import Connection  # noqa: E402
from tests.functional.libvirt import guests  # noqa: E402

BANNER = tiny_image.BANNER


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)], 2)


def boot_one(cloud, image: str, name: str, prefix: str, timeout: float) -> dict:
    started = time.monotonic()
    code, body = cloud.demo.post("/servers", {"server": {
        "name": name, "imageRef": image, "flavorRef": "1", "networks": "none"}})
    if code != 202:
        return {"error": f"create: {code} {body}"}
    sid = body["server"]["id"]
    out: dict = {"id": sid}
    try:
        shown = cloud.wait_status(cloud.demo, sid, "ACTIVE", "ERROR", timeout=timeout)
        if shown["status"] != "ACTIVE":
            out["error"] = f"ERROR: {shown.get('fault')}"
            return out
        out["active_s"] = time.monotonic() - started
        guests.wait_console(cloud, sid, BANNER, timeout=timeout)
        out["banner_s"] = time.monotonic() - started
        out["guest_cpu_s"] = _guest_cpu(prefix, sid)
    except AssertionError as exc:
        out["error"] = str(exc)[:300]
    finally:
        cloud.demo.delete(f"/servers/{sid}")
    return out


def _guest_cpu(prefix: str, sid: str) -> float | None:
    conn = Connection(guests.URI).get()
    for domain in conn.listAllDomains(0):
        if domain.name().startswith(prefix) and sid in domain.name():
            return domain.info()[4] / 1e9
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds one server may take to its banner")
    args = parser.parse_args()
    if args.servers < 1 or args.concurrency < 1:
        parser.error("--servers and --concurrency must be at least 1")
    prefix = guests.new_prefix()
    work = tempfile.mkdtemp(prefix="nubes-boot-libvirt-")
    started = time.perf_counter()
    cloud = guests.libvirt_cloud(os.path.join(work, "state"), prefix)
    try:
        image = guests.upload_tiny(cloud, os.path.join(work, "tiny"))
        start_up_s = time.perf_counter() - started
        cpu0, wall0 = time.process_time(), time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(
                lambda i: boot_one(cloud, image, f"bench-{i}", prefix, args.timeout),
                range(args.servers)))
        for r in results:
            if "id" in r:
                cloud.wait_gone(cloud.demo, r["id"], timeout=120)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    finally:
        cloud.stop()
        guests.remove_leftovers(prefix)
    ok = [r for r in results if "banner_s" in r]
    guest_cpu = [r["guest_cpu_s"] for r in ok if r.get("guest_cpu_s") is not None]
    print(json.dumps({
        "servers": args.servers, "concurrency": args.concurrency,
        "start_up_s": round(start_up_s, 1), "wall_s": round(wall, 1),
        "active_p50_s": pct([r["active_s"] for r in ok], 0.5),
        "active_p95_s": pct([r["active_s"] for r in ok], 0.95),
        "banner_p50_s": pct([r["banner_s"] for r in ok], 0.5),
        "banner_p95_s": pct([r["banner_s"] for r in ok], 0.95),
        "nubes_cpu_per_boot_s": round(cpu / args.servers, 3),
        "guest_cpu_per_boot_s": round(sum(guest_cpu) / len(guest_cpu), 2) if guest_cpu
        else None,
        "failed": len(results) - len(ok),
        "errors": [r["error"] for r in results if "error" in r][:5],
    }, indent=2))
    return 0 if len(ok) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
