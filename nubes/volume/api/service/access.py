"""Who may see what: a project's own volumes and attachments, any for an
admin; anything else is reported as not found."""
from __future__ import annotations

from nubes.volume import exceptions as exc


def volume_not_found(volume_id: str) -> exc.NotFound:
    return exc.NotFound(f"Volume {volume_id} could not be found.")


def visible(ctx, project_id: str) -> bool:
    return bool(ctx.is_admin) or ctx.project_id == project_id


def check_volume(ctx, record, volume_id: str):
    """``record`` when the caller may see it, else the 404."""
    if record is None or not visible(ctx, record.project_id):
        raise volume_not_found(volume_id)
    return record
