"""The compute API as a module-level WSGI ``application`` for production servers.

The configuration file comes from ``$NUBES_CONFIG_FILE``::

    NUBES_CONFIG_FILE=/etc/nubes/nubes.conf \\
        gunicorn -k gthread --threads 8 -w 4 -b 0.0.0.0:8774 nubes.wsgi.compute:application

Each worker reads the cell mappings once; restart (or reload) the workers
after ``nubes-manage cell_v2 create_cell``/``update_cell``.
"""
from nubes.api.compute import app as _app
from nubes.common import config, log

_conf = config.load(prog="nubes-api-wsgi")
log.setup(_conf)
application = _app.build(_conf)
