"""nubes-volume-api: serve the Block Storage v3 API for development with waitress.

Production runs the WSGI module under gunicorn instead:
``NUBES_CONFIG_FILE=/etc/nubes/nubes.conf gunicorn -k gthread --threads 8
-w 2 -b 0.0.0.0:8776 nubes.wsgi.volume:application``.  ``--sync`` creates
or upgrades the volume database first.
"""
from __future__ import annotations

import sys

from nubes.cmd import devserver
from nubes.volume import schema_sync
from nubes.volume.api import app as volume_app


def main(argv: list[str] | None = None) -> int:
    parser = devserver.parser("nubes-volume-api", __doc__, 8776)
    parser.add_argument("--sync", action="store_true",
                        help="create or upgrade the volume database schema first")
    args = parser.parse_args(argv)
    conf = devserver.load_conf(args, "nubes-volume-api")
    db = volume_app.database_from_conf(conf)
    if args.sync:
        schema_sync.upgrade(db)
    return devserver.serve(volume_app.build(conf, db), args, name="volume API")


if __name__ == "__main__":
    sys.exit(main())
