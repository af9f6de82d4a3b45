"""The volume URL table: path -> {method: handler}.  Every path under
``/v3`` is served both with the project id (``/v3/{project_id}/...``) and,
as cinder does from 3.67 for every request, without it; the project the
request works in is the caller's own either way.  Methods a path does not
list get a 405."""
from nubes.volume.api.handlers import (attachments, quota_sets, snapshots, type_access,
                                       type_extra_specs, versions, volume_actions,
                                       volume_metadata, volume_types, volumes)

_V = "/volumes/{volume_id}"
_T = "/types/{type_id}"
_A = "/attachments/{attachment_id}"
_S = "/snapshots/{snapshot_id}"



def _metadata_routes(owner: str, metadata) -> list:
    return [(owner + "/metadata", {"GET": metadata.show, "POST": metadata.add,
                                   "PUT": metadata.replace}),
            (owner + "/metadata/{key}", {"GET": metadata.show_key, "PUT": metadata.set_key,
                                         "DELETE": metadata.delete_key})]


_V3 = [
    ("/volumes", {"GET": volumes.list_volumes, "POST": volumes.create_volume}),
    ("/volumes/detail", {"GET": volumes.list_volumes_detail}),
    (_V, {"GET": volumes.show_volume, "PUT": volumes.update_volume,
          "DELETE": volumes.delete_volume}),
    (_V + "/action", {"POST": volume_actions.volume_action}),
    *_metadata_routes(_V, volume_metadata.METADATA),
    ("/snapshots", {"GET": snapshots.list_snapshots, "POST": snapshots.create_snapshot}),
    ("/snapshots/detail", {"GET": snapshots.list_snapshots_detail}),
    (_S, {"GET": snapshots.show_snapshot, "PUT": snapshots.update_snapshot,
          "DELETE": snapshots.delete_snapshot}),
    (_S + "/action", {"POST": snapshots.snapshot_action}),
    *_metadata_routes(_S, snapshots.METADATA),
    ("/types", {"GET": volume_types.list_types, "POST": volume_types.create_type}),
    (_T, {"GET": volume_types.show_type, "PUT": volume_types.update_type,
          "DELETE": volume_types.delete_type}),
    (_T + "/action", {"POST": type_access.type_action}),
    (_T + "/os-volume-type-access", {"GET": type_access.list_access}),
    (_T + "/extra_specs", {"GET": type_extra_specs.list_extra_specs,
                           "POST": type_extra_specs.set_extra_specs}),
    (_T + "/extra_specs/{key}", {"GET": type_extra_specs.show_extra_spec,
                                 "PUT": type_extra_specs.update_extra_spec,
                                 "DELETE": type_extra_specs.delete_extra_spec}),
    ("/attachments", {"GET": attachments.list_attachments,
                      "POST": attachments.create_attachment}),
    ("/attachments/detail", {"GET": attachments.list_attachments_detail}),
    (_A, {"GET": attachments.show_attachment, "PUT": attachments.update_attachment,
          "DELETE": attachments.delete_attachment}),
    (_A + "/action", {"POST": attachments.attachment_action}),
    ("/os-quota-sets/{target}", {"GET": quota_sets.show_quota_set,
                                 "PUT": quota_sets.update_quota_set,
                                 "DELETE": quota_sets.delete_quota_set}),
    ("/os-quota-sets/{target}/defaults", {"GET": quota_sets.show_defaults}),
    ("/limits", {"GET": quota_sets.show_limits}),
]

ROUTES = [
    ("/", {"GET": versions.get_root}),
    ("/v3", {"GET": versions.get_v3}),
    ("/v3/", {"GET": versions.get_v3}),
    *((prefix + path, methods) for path, methods in _V3
      for prefix in ("/v3/{project_id}", "/v3")),
]
