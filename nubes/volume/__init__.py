"""The Block Storage v3 service (cinder-compatible): ``api/`` (the HTTP
API), ``repo/`` and ``models.py`` (its database), ``backends/`` (where
volumes' bytes live) and ``client.py`` (the typed client other services
use)."""
