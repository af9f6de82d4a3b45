"""SQL every path needs before it starts (:mod:`.resolve`), and who
shares: the request's names as ids (resource classes, traits,
aggregates), the ``in_tree`` provider, and the statement that finds the
sharing providers (``MISC_SHARES_VIA_AGGREGATE``), which the general
path's SQL (:mod:`.general_sql`) and the fast paths' (:mod:`.fast_sql`)
both run.  Statements are built once (building a Select costs about as
much as running a small one) and run in the caller's read transaction.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable

import sqlalchemy as sa

from nubes.placement.models import (placement_aggregates, resource_classes,
                                    resource_provider_traits as rpt,
                                    resource_providers as rp, traits)

SHARES_TRAIT = "MISC_SHARES_VIA_AGGREGATE"


@dataclasses.dataclass
class ProviderRow:
    id: int
    uuid: str
    parent_id: int | None
    root_id: int


_NAMES = sa.bindparam("names", expanding=True)
_BY_NAME = {
    "traits": sa.select(traits.c.id, traits.c.name).where(traits.c.name.in_(_NAMES)),
    "aggregates": sa.select(placement_aggregates.c.id, placement_aggregates.c.uuid)
    .where(placement_aggregates.c.uuid.in_(_NAMES)),
}
_PROVIDER_BY_UUID = sa.select(rp.c.id, rp.c.uuid, rp.c.parent_provider_id,
                              rp.c.root_provider_id).where(rp.c.uuid == sa.bindparam("uuid"))
_ALL_CLASS_NAMES = sa.select(resource_classes.c.id, resource_classes.c.name)
SHARING_PROVIDERS = (sa.select(rpt.c.resource_provider_id)
                     .join(traits, traits.c.id == rpt.c.trait_id)
                     .where(traits.c.name == SHARES_TRAIT))


def _ids(conn, kind: str, names: Iterable[str]) -> dict[str, int]:
    names = sorted(set(names))
    if not names:
        return {}
    return {r[1]: r[0] for r in conn.execute(_BY_NAME[kind], {"names": names})}


def trait_ids(conn, names) -> dict[str, int]:
    return _ids(conn, "traits", names)


def aggregate_ids(conn, uuids) -> dict[str, int]:
    return _ids(conn, "aggregates", uuids)


def provider_by_uuid(conn, uuid: str) -> ProviderRow | None:
    row = conn.execute(_PROVIDER_BY_UUID, {"uuid": uuid}).first()
    return ProviderRow(*row) if row else None


def all_class_names(conn) -> dict[int, str]:
    return dict(conn.execute(_ALL_CLASS_NAMES).all())
