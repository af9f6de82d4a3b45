"""nubes-volume: the volume manager (cinder-volume's part).

Serves topic ``cinder-volume`` (server: ``[volume] host``) on ``[volume]
transport_url`` (default ``[DEFAULT] transport_url``) with the volume
database (``[volume_database] connection``) and the backends of
``[volume] enabled_backends``: it makes, copies, extends, snapshots,
uploads and deletes volumes after the volume API answered, and writes
the outcome to the volume database.  Run it where the backends' storage
is (for the ``file`` backend: where ``[file_backend] volumes_dir`` is,
which the volume API and the compute hosts must see too).  Several may
share a host name: they share its work.  Stops on SIGTERM/SIGINT.
"""
from __future__ import annotations

import argparse
import sys

from nubes.cmd import service_main
from nubes.common import config, log
from nubes.volume import schema_sync
from nubes.volume.api import app as volume_app
from nubes.volume.manager.process import VolumeManager


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nubes-volume", description=__doc__.splitlines()[0])
    parser.add_argument("--config-file", action="append", default=None,
                        help="nubes.conf; may be repeated (default: $NUBES_CONFIG_FILE)")
    parser.add_argument("--sync", action="store_true",
                        help="create or upgrade the volume database schema first")
    args = parser.parse_args(argv)
    conf = config.load(config_files=args.config_file, prog="nubes-volume")
    log.setup(conf)
    if not conf.volume_database.connection:
        print("nubes-volume: [volume_database] connection is not set", file=sys.stderr)
        return 1
    if not (conf.volume.transport_url or conf.transport_url):
        print("nubes-volume: [DEFAULT] transport_url is not set", file=sys.stderr)
        return 1
    db = volume_app.database_from_conf(conf)
    if args.sync:
        schema_sync.upgrade(db)
    transport = volume_app.transport_from_conf(conf)
    try:
        service_main.run_service(
            "nubes-volume", lambda: VolumeManager(conf, db, transport).start(),
            lambda manager: f"volume manager {manager.host} serving on {transport!r}",
            grace=conf.graceful_shutdown_timeout)
    finally:
        transport.close()
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
