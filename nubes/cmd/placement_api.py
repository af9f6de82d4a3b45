"""nubes-placement-api: serve placement for development with waitress.

Production runs the WSGI module under gunicorn instead:
``NUBES_CONFIG_FILE=/etc/nubes/nubes.conf gunicorn -k gthread --threads 8
-w 4 -b 0.0.0.0:8778 nubes.wsgi.placement:application``.
"""
from __future__ import annotations

import sys

from nubes.cmd import devserver
from nubes.placement import app as placement_app


def main(argv: list[str] | None = None) -> int:
    args = devserver.parser("nubes-placement-api", __doc__, 8778).parse_args(argv)
    conf = devserver.load_conf(args, "nubes-placement-api")
    return devserver.serve(placement_app.build(conf), args, name="placement")

if __name__ == "__main__":
    sys.exit(main())
