"""Volume backends behind one driver interface (:mod:`.base`): ``file``
(sparse raw files) in this release, chosen per pool; :class:`Backends` is
the set the service was configured with."""
from __future__ import annotations

from nubes.volume.backends.base import Driver, PoolStats
from nubes.volume.backends.file import FileDriver
from nubes.volume.exceptions import BackendError

DRIVERS = {"file": FileDriver.from_conf}


class Backends:
    def __init__(self, drivers: list[Driver]):
        self.drivers = {d.name: d for d in drivers}

    @classmethod
    def from_conf(cls, conf) -> "Backends":
        unknown = [n for n in conf.volume.enabled_backends if n not in DRIVERS]
        if unknown:
            raise RuntimeError(f"[volume] enabled_backends names unknown backends {unknown}; "
                               f"known: {sorted(DRIVERS)}")
        return cls([DRIVERS[n](conf) for n in conf.volume.enabled_backends])

    def pools(self) -> list[PoolStats]:
        return [p for d in self.drivers.values() for p in d.pools()]

    def driver_for(self, host: str) -> Driver:
        """The driver of the pool ``host`` (``<host>@<backend>#<pool>``)."""
        driver = self.drivers.get(host.partition("#")[0])
        if driver is None:
            raise BackendError(f"No backend serves {host}.")
        return driver


__all__ = ["Backends", "Driver", "PoolStats"]
