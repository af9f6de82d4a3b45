"""The Block Storage v3 HTTP API: ``handlers/`` (parse, validate,
authorise, serialise) → ``views/`` → ``service/`` (transactions) →
``nubes.volume.repo`` (SQL) → ``nubes.volume.models``."""
