"""The compute agent's RPC endpoint (topic ``compute``, server = host)."""
from __future__ import annotations

from typing import Protocol

from nubes.common.context import RequestContext
from nubes.compute.messages import Diagnostics, HostStatus
from nubes.compute.operations import Host, build, delete, evacuate, guest_info, live_migration
from nubes.compute.operations import power, rebuild
from nubes.compute.operations import moves_across_cells, resize, shelve, snapshot, soft_delete
from nubes.compute.operations import volumes
from nubes.scheduler.messages import Selection


class Agent(Protocol):
    """What the endpoint needs of the agent that owns it
    (:class:`nubes.compute.agent.ComputeAgent`)."""
    host: str
    driver: object
    conductor: object
    tracker: object
    ops: Host              # what the instance operations work with

    def status(self) -> HostStatus: ...

    def set_disabled(self, ctx: RequestContext, disabled: bool) -> None: ...

    def update_available_resource(self, ctx: RequestContext) -> object: ...


class ComputeEndpoint:
    RPC_API_VERSION = "1.0"

    def __init__(self, agent: Agent):
        self._agent = agent
        self._ops = agent.ops

    def ping(self, ctx: RequestContext) -> HostStatus:
        return self._agent.status()

    def set_host_enabled(self, ctx: RequestContext, *, enabled: bool) -> str:
        self._agent.set_disabled(ctx, not enabled)
        return "enabled" if enabled else "disabled"

    def update_available_resource(self, ctx: RequestContext) -> None:
        self._agent.update_available_resource(ctx)

    # --- instance operations (added with the build, delete and power flows) ------
    # All casts; each runs one module of nubes.compute.operations.

    def build_and_run_instance(self, ctx: RequestContext, *, instance_uuid: str,
                               request_spec: dict, selection: dict,
                               alternates: list[dict], attempt: int = 1) -> str:
        return build.build_and_run_instance(
            self._host(), ctx, instance_uuid=instance_uuid, request_spec=request_spec,
            selection=Selection.from_dict(selection),
            alternates=[Selection.from_dict(a) for a in alternates], attempt=attempt)

    def terminate_instance(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return delete.terminate_instance(self._host(), ctx, instance_uuid=instance_uuid)

    def reboot_instance(self, ctx: RequestContext, *, instance_uuid: str,
                        reboot_type: str = "SOFT") -> bool:
        return power.reboot_instance(self._host(), ctx, instance_uuid=instance_uuid,
                                     reboot_type=reboot_type)

    def stop_instance(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return power.stop_instance(self._host(), ctx, instance_uuid=instance_uuid)

    def start_instance(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return power.start_instance(self._host(), ctx, instance_uuid=instance_uuid)

    def pause_instance(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return power.pause_instance(self._host(), ctx, instance_uuid=instance_uuid)

    def unpause_instance(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return power.unpause_instance(self._host(), ctx, instance_uuid=instance_uuid)

    def suspend_instance(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return power.suspend_instance(self._host(), ctx, instance_uuid=instance_uuid)

    def resume_instance(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return power.resume_instance(self._host(), ctx, instance_uuid=instance_uuid)

    def rescue_instance(self, ctx: RequestContext, *, instance_uuid: str,
                        rescue_password: str | None = None,
                        rescue_image_ref: str | None = None) -> bool:
        return power.rescue_instance(self._host(), ctx, instance_uuid=instance_uuid,
                                     rescue_password=rescue_password,
                                     rescue_image_ref=rescue_image_ref)

    def unrescue_instance(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return power.unrescue_instance(self._host(), ctx, instance_uuid=instance_uuid)

    def trigger_crash_dump(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return power.trigger_crash_dump(self._host(), ctx, instance_uuid=instance_uuid)

    def soft_delete_instance(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return soft_delete.soft_delete_instance(self._host(), ctx, instance_uuid=instance_uuid)

    def restore_instance(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return soft_delete.restore_instance(self._host(), ctx, instance_uuid=instance_uuid)

    def snapshot_instance(self, ctx: RequestContext, *, instance_uuid: str, image_id: str,
                          backup_type: str | None = None,
                          rotation: int | None = None) -> bool:
        return snapshot.snapshot_instance(self._host(), ctx, instance_uuid=instance_uuid,
                                          image_id=image_id, backup_type=backup_type,
                                          rotation=rotation)

    def shelve_instance(self, ctx: RequestContext, *, instance_uuid: str,
                        offload: bool = False, image_id: str | None = None) -> bool:
        return shelve.shelve_instance(self._host(), ctx, instance_uuid=instance_uuid,
                                      offload=offload, image_id=image_id)

    def shelve_offload_instance(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return shelve.shelve_offload_instance(self._host(), ctx, instance_uuid=instance_uuid)

    def unshelve_instance(self, ctx: RequestContext, *, instance_uuid: str,
                          selection: dict | None = None, image_id: str | None = None) -> bool:
        return shelve.unshelve_instance(
            self._host(), ctx, instance_uuid=instance_uuid,
            selection=None if selection is None else Selection.from_dict(selection),
            image_id=image_id)

    def rebuild_instance(self, ctx: RequestContext, *, instance_uuid: str,
                         admin_password: str | None = None,
                         preserve_ephemeral: bool = False) -> bool:
        return rebuild.rebuild_instance(self._host(), ctx, instance_uuid=instance_uuid,
                                        admin_password=admin_password,
                                        preserve_ephemeral=preserve_ephemeral)

    def resize_instance(self, ctx: RequestContext, *, instance_uuid: str,
                        migration_uuid: str, selection: dict, old_vm_state: str) -> bool:
        return resize.resize_instance(self._host(), ctx, instance_uuid=instance_uuid,
                                      migration_uuid=migration_uuid,
                                      selection=Selection.from_dict(selection),
                                      old_vm_state=old_vm_state)

    def finish_resize(self, ctx: RequestContext, *, instance_uuid: str, migration_uuid: str,
                      selection: dict, old_vm_state: str,
                      disk_info: dict | None = None) -> bool:
        return resize.finish_resize(self._host(), ctx, instance_uuid=instance_uuid,
                                    migration_uuid=migration_uuid,
                                    selection=Selection.from_dict(selection),
                                    old_vm_state=old_vm_state, disk_info=disk_info or {})

    def confirm_resize(self, ctx: RequestContext, *, instance_uuid: str,
                       migration_uuid: str) -> bool:
        return resize.confirm_resize(self._host(), ctx, instance_uuid=instance_uuid,
                                     migration_uuid=migration_uuid)

    def revert_resize(self, ctx: RequestContext, *, instance_uuid: str,
                      migration_uuid: str) -> bool:
        return resize.revert_resize(self._host(), ctx, instance_uuid=instance_uuid,
                                    migration_uuid=migration_uuid)

    def finish_revert_resize(self, ctx: RequestContext, *, instance_uuid: str,
                             migration_uuid: str, failed: bool = False) -> bool:
        return resize.finish_revert_resize(self._host(), ctx, instance_uuid=instance_uuid,
                                           migration_uuid=migration_uuid, failed=failed)

    def evacuate_instance(self, ctx: RequestContext, *, instance_uuid: str,
                          migration_uuid: str, selection: dict,
                          target_state: str | None = None) -> bool:
        return evacuate.evacuate_instance(self._host(), ctx, instance_uuid=instance_uuid,
                                          migration_uuid=migration_uuid,
                                          selection=Selection.from_dict(selection),
                                          target_state=target_state)

    def live_migrate_instance(self, ctx: RequestContext, *, instance_uuid: str,
                              migration_uuid: str, selection: dict) -> str:
        return live_migration.live_migrate_instance(
            self._host(), ctx, instance_uuid=instance_uuid, migration_uuid=migration_uuid,
            selection=Selection.from_dict(selection))

    def post_live_migration_at_destination(self, ctx: RequestContext, *, instance_uuid: str,
                                           migration_uuid: str, selection: dict,
                                           paused: bool = False) -> bool:
        return live_migration.post_live_migration_at_destination(
            self._host(), ctx, instance_uuid=instance_uuid, migration_uuid=migration_uuid,
            selection=Selection.from_dict(selection), paused=paused)

    def live_migration_force_complete(self, ctx: RequestContext, *,
                                      migration_uuid: str) -> bool:
        return live_migration.force_complete(self._host(), ctx, migration_uuid=migration_uuid)

    def live_migration_abort(self, ctx: RequestContext, *, migration_uuid: str) -> bool:
        return live_migration.abort(self._host(), ctx, migration_uuid=migration_uuid)

    # --- volumes (nubes.compute.operations.volumes) -------------------------------------

    def attach_volume(self, ctx: RequestContext, *, instance_uuid: str, bdm_uuid: str,
                      bdm: dict | None = None, event_started: bool = False) -> bool:
        return volumes.attach_volume(self._host(), ctx, instance_uuid=instance_uuid,
                                     bdm_uuid=bdm_uuid, bdm=bdm, event_started=event_started)

    def detach_volume(self, ctx: RequestContext, *, instance_uuid: str, bdm_uuid: str,
                      bdm: dict | None = None, event_started: bool = False) -> bool:
        return volumes.detach_volume(self._host(), ctx, instance_uuid=instance_uuid,
                                     bdm_uuid=bdm_uuid, bdm=bdm, event_started=event_started)

    def swap_volume(self, ctx: RequestContext, *, instance_uuid: str, bdm_uuid: str,
                    new_volume_id: str, new_attachment_id: str) -> bool:
        return volumes.swap_volume(self._host(), ctx, instance_uuid=instance_uuid,
                                   bdm_uuid=bdm_uuid, new_volume_id=new_volume_id,
                                   new_attachment_id=new_attachment_id)

    # --- calls: the steps of a move across cells ---------------------------------------

    def hand_off_guest(self, ctx: RequestContext, *, instance_uuid: str) -> int:
        return moves_across_cells.hand_off_guest(self._host(), ctx,
                                                 instance_uuid=instance_uuid)

    def take_guest(self, ctx: RequestContext, *, instance_uuid: str, node: str,
                   stopped: bool = False) -> int:
        return moves_across_cells.take_guest(self._host(), ctx, instance_uuid=instance_uuid,
                                             node=node, stopped=stopped)

    def drop_guest(self, ctx: RequestContext, *, instance_uuid: str) -> int:
        return moves_across_cells.drop_guest(self._host(), ctx, instance_uuid=instance_uuid)

    def resume_guest(self, ctx: RequestContext, *, instance_uuid: str, node: str,
                     running: bool = True) -> int:
        return moves_across_cells.resume_guest(self._host(), ctx,
                                               instance_uuid=instance_uuid, node=node,
                                               running=running)

    # --- calls -----------------------------------------------------------------------

    def set_admin_password(self, ctx: RequestContext, *, instance_uuid: str,
                           new_pass: str) -> None:
        guest_info.set_admin_password(self._host(), ctx, instance_uuid=instance_uuid,
                                      new_pass=new_pass)

    def get_console_output(self, ctx: RequestContext, *, instance_uuid: str,
                           tail_length: int | None = None) -> str:
        return guest_info.get_console_output(self._host(), ctx, instance_uuid=instance_uuid,
                                             tail_length=tail_length)

    def get_diagnostics(self, ctx: RequestContext, *, instance_uuid: str) -> Diagnostics:
        return guest_info.get_diagnostics(self._host(), ctx, instance_uuid=instance_uuid)

    def _host(self) -> Host:
        return self._ops
