"""nubes-api: serve the compute API (/v2.1) for development with waitress.

Production runs the WSGI module under gunicorn instead:
``NUBES_CONFIG_FILE=/etc/nubes/nubes.conf gunicorn -k gthread --threads 8
-w 4 -b 0.0.0.0:8774 nubes.wsgi.compute:application``.
"""
from __future__ import annotations

import argparse
import sys

import waitress

from nubes.api.compute import app as compute_app
from nubes.common import config, log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nubes-api", description=__doc__.splitlines()[0])
    parser.add_argument("--config-file", action="append", default=None,
                        help="nubes.conf; may be repeated (default: $NUBES_CONFIG_FILE)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8774)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    conf = config.load(config_files=args.config_file, prog="nubes-api")
    log.setup(conf)
    application = compute_app.build(conf)
    print(f"compute API listening on http://{args.host}:{args.port}/v2.1", file=sys.stderr,
          flush=True)
    waitress.serve(application, host=args.host, port=args.port, threads=args.threads,
                   ident="nubes-api")
    return 0


if __name__ == "__main__":
    sys.exit(main())
