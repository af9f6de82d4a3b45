"""nubes-api: serve the compute API (/v2.1) for development with waitress.

Production runs the WSGI module under gunicorn instead:
``NUBES_CONFIG_FILE=/etc/nubes/nubes.conf gunicorn -k gthread --threads 8
-w 4 -b 0.0.0.0:8774 nubes.wsgi.compute:application``.
"""
from __future__ import annotations

import sys

from nubes.api.compute import app as compute_app
from nubes.cmd import devserver


def main(argv: list[str] | None = None) -> int:
    args = devserver.parser("nubes-api", __doc__, 8774).parse_args(argv)
    conf = devserver.load_conf(args, "nubes-api")
    return devserver.serve(compute_app.build(conf), args, name="compute API", path="/v2.1")


if __name__ == "__main__":
    sys.exit(main())
