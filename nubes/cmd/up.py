"""nubes up: the embedded cloud in one process.

Identity, placement, the compute, image and volume APIs on 127.0.0.1, a
cell conductor and fake compute hosts per cell, SQLite files in the state
directory and the in-process message bus.  Writes STATE/nubes.conf (usable with
``nubes-manage --config-file``; a restart on other ports rewrites only its
endpoint options) and STATE/clouds.yaml (clouds ``nubes`` and
``nubes-demo``).  Ctrl-C stops everything; a second start on the same state
directory keeps its data.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from nubes.cmd import service_main
from nubes.common import log
from nubes.embedded.cloud import EmbeddedCloud, Options
from nubes.embedded.layout import Ports


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nubes", description="nubes embedded cloud")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the embedded cloud", description=__doc__)
    up.add_argument("--state-dir", default=".nubes-state")
    up.add_argument("--cells", type=int, default=2, help="number of cells (default 2)")
    up.add_argument("--hosts-per-cell", type=int, default=2,
                    help="fake compute hosts in each cell (default 2)")
    up.add_argument("--shared-storage", action="store_true",
                    help="a shared storage pool per cell: a placement provider "
                         "<cell>-shared-disk of DISK_GB shared with the cell's hosts "
                         "(docs/compute/shared_storage.md)")
    up.add_argument("--driver", choices=["fake", "libvirt"], default=None,
                    help="compute driver of the hosts: fake (the default) or libvirt "
                         "(real QEMU guests: make libvirt-deps; docs/compute/libvirt.md)")
    up.add_argument("--host", default="127.0.0.1", help="address the APIs listen on")
    up.add_argument("--identity-port", type=int, default=5000)
    up.add_argument("--compute-port", type=int, default=8774)
    up.add_argument("--placement-port", type=int, default=8778)
    up.add_argument("--image-port", type=int, default=9292)
    up.add_argument("--volume-port", type=int, default=8776)
    up.add_argument("-v", "--verbose", action="store_true",
                    help="log what every service does while starting too (by default "
                         "only warnings until the cloud is ready, then the access "
                         "log and INFO)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.cells < 1 or args.hosts_per_cell < 0:
        parser.error("--cells must be at least 1 and --hosts-per-cell at least 0")
    ports = Ports(host=args.host, identity=args.identity_port, compute=args.compute_port,
                  placement=args.placement_port, image=args.image_port,
                  volume=args.volume_port)
    cloud = EmbeddedCloud(Options(state_dir=os.path.abspath(args.state_dir), cells=args.cells,
                                  hosts_per_cell=args.hosts_per_cell, ports=ports,
                                  shared_storage=args.shared_storage,
                                  overrides=_driver_overrides(args.driver)),
                          say=lambda line: print(line, flush=True))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Ctrl-C stops it however it was started: a shell script that runs it
    # in the background hands it SIGINT ignored, and Python then keeps it so.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    service_main.dump_stacks_on_sigusr1()
    if not args.verbose:    # starting is told by the "nubes:" lines; warnings still show
        log.setup(level=logging.WARNING)
    try:
        cloud.start()
        logging.getLogger().setLevel(logging.DEBUG if cloud.conf.debug else logging.INFO)
        print("nubes: ready; press Ctrl-C to stop", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    except RuntimeError as exc:
        print(f"nubes: {exc}", file=sys.stderr, flush=True)
        _stop(cloud)
        return 1
    print("nubes: stopping ...", flush=True)
    if not args.verbose:    # stopping is told by the "nubes:" lines too
        logging.getLogger().setLevel(logging.WARNING)
    _stop(cloud)
    print("nubes: stopped", flush=True)
    return 0


def _driver_overrides(driver: str | None) -> dict:
    """--driver over nubes.conf's compute_driver (unset: nubes.conf's)."""
    return {"DEFAULT": {"compute_driver": driver}} if driver else {}


def _stop(cloud: EmbeddedCloud) -> None:
    """Stop everything; a Ctrl-C meanwhile leaves at once, saying so, rather
    than with a traceback from wherever the stop was."""
    def leave(*_):
        print("nubes: interrupted while stopping; leaving now", flush=True)
        os._exit(130)
    signal.signal(signal.SIGINT, leave)
    signal.signal(signal.SIGTERM, leave)
    cloud.stop()

if __name__ == "__main__":
    sys.exit(main())
