"""nubes-placement-api: serve placement for development with waitress.

Production runs the WSGI module under gunicorn instead:
``NUBES_CONFIG_FILE=/etc/nubes/nubes.conf gunicorn -k gthread --threads 8
-w 4 -b 0.0.0.0:8778 nubes.wsgi.placement:application``.
"""
from __future__ import annotations

import argparse
import sys

import waitress

from nubes.common import config, log
from nubes.placement import app as placement_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nubes-placement-api", description=__doc__.splitlines()[0])
    parser.add_argument("--config-file", action="append", default=None,
                        help="nubes.conf; may be repeated (default: $NUBES_CONFIG_FILE)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8778)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    conf = config.load(config_files=args.config_file, prog="nubes-placement-api")
    log.setup(conf)
    application = placement_app.build(conf)
    print(f"placement listening on http://{args.host}:{args.port}", file=sys.stderr, flush=True)
    waitress.serve(application, host=args.host, port=args.port, threads=args.threads,
                   ident="nubes-placement")
    return 0


if __name__ == "__main__":
    sys.exit(main())
