"""nubes-image-api: serve the minimal Image API v2 for development with waitress.

Production runs the WSGI module under gunicorn instead:
``NUBES_CONFIG_FILE=/etc/nubes/nubes.conf gunicorn -k gthread --threads 8
-w 2 -b 0.0.0.0:9292 nubes.wsgi.image:application``.  ``--sync`` creates
or upgrades the image database first.
"""
from __future__ import annotations

import argparse
import sys

import waitress

from nubes.common import config, log
from nubes.image import app as image_app
from nubes.image import schema_sync


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nubes-image-api",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--config-file", action="append", default=None,
                        help="nubes.conf; may be repeated (default: $NUBES_CONFIG_FILE)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9292)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--sync", action="store_true",
                        help="create or upgrade the image database schema first")
    args = parser.parse_args(argv)
    conf = config.load(config_files=args.config_file, prog="nubes-image-api")
    log.setup(conf)
    db = image_app.database_from_conf(conf)
    if args.sync:
        schema_sync.upgrade(db)
    application = image_app.build(conf, db)
    print(f"image API listening on http://{args.host}:{args.port}", file=sys.stderr,
          flush=True)
    waitress.serve(application, host=args.host, port=args.port, threads=args.threads,
                   ident="nubes-image")
    return 0


if __name__ == "__main__":
    sys.exit(main())
