"""nubes-image-api: serve the minimal Image API v2 for development with waitress.

Production runs the WSGI module under gunicorn instead:
``NUBES_CONFIG_FILE=/etc/nubes/nubes.conf gunicorn -k gthread --threads 8
-w 2 -b 0.0.0.0:9292 nubes.wsgi.image:application``.  ``--sync`` creates
or upgrades the image database first.
"""
from __future__ import annotations

import sys

from nubes.cmd import devserver
from nubes.image import app as image_app
from nubes.image import schema_sync


def main(argv: list[str] | None = None) -> int:
    parser = devserver.parser("nubes-image-api", __doc__, 9292)
    parser.add_argument("--sync", action="store_true",
                        help="create or upgrade the image database schema first")
    args = parser.parse_args(argv)
    conf = devserver.load_conf(args, "nubes-image-api")
    db = image_app.database_from_conf(conf)
    if args.sync:
        schema_sync.upgrade(db)
    return devserver.serve(image_app.build(conf, db), args, name="image API")

if __name__ == "__main__":
    sys.exit(main())
