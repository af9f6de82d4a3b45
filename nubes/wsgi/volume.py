"""The volume API as a module-level WSGI ``application`` for production servers.

The configuration file comes from ``$NUBES_CONFIG_FILE``::

    NUBES_CONFIG_FILE=/etc/nubes/nubes.conf \\
        gunicorn -k gthread --threads 8 -w 2 -b 0.0.0.0:8776 nubes.wsgi.volume:application
"""
from nubes.common import config, log
from nubes.volume.api import app as _app

_conf = config.load(prog="nubes-volume-wsgi")
log.setup(_conf)
application = _app.build(_conf)
