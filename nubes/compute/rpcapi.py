"""Client side of the compute agents: reach one host on its cell's bus.

::

    compute = ComputeAPI(cell_transport)
    compute.set_host_enabled(ctx, "cell1-c1", enabled=False)   # after the DB write
    status = compute.ping(ctx, "cell1-c1")

The service record (``disabled``) is the truth and the agents pick it up at
their next liveness report; ``set_host_enabled`` only makes a host act on a
change right away (its provider's ``COMPUTE_STATUS_DISABLED`` trait).
"""
from __future__ import annotations

from nubes.common import rpc
from nubes.common.context import RequestContext
from nubes.compute import messages
from nubes.compute.messages import TOPIC, Diagnostics, HostStatus
from nubes.scheduler.messages import Selection

VERSION = "1.0"


class ComputeAPI:
    def __init__(self, transport: rpc.Transport, *, timeout: float | None = None):
        self._client = rpc.RPCClient(transport, rpc.Target(TOPIC), timeout=timeout,
                                     version=VERSION)

    def _host(self, host: str) -> rpc.RPCClient:
        return self._client.prepare(server=host)

    def ping(self, ctx: RequestContext | None, host: str, *,
             timeout: float | None = None) -> HostStatus:
        return HostStatus.from_wire(self._host(host).call(ctx, "ping", timeout=timeout))

    def set_host_enabled(self, ctx: RequestContext | None, host: str, enabled: bool, *,
                         timeout: float | None = None) -> str:
        """Returns ``"enabled"`` or ``"disabled"`` once the host's providers
        say so in placement."""
        return self._host(host).call(ctx, "set_host_enabled", timeout=timeout,
                                     enabled=enabled)

    def update_available_resource(self, ctx: RequestContext | None, host: str) -> None:
        """Ask the host to sync its resources now (a cast)."""
        self._host(host).cast(ctx, "update_available_resource")

    # --- instance operations (casts; the agent reports through its cell
    # conductor).  Send them after the commit that asked for them. -------------

    def build_and_run_instance(self, ctx: RequestContext | None, host: str, *,
                               instance_uuid: str, request_spec: dict,
                               selection: Selection, alternates: list[Selection],
                               attempt: int = 1) -> rpc.Outgoing:
        """The encoded cast (``.send()`` it after committing): build the
        instance on ``host`` (its placement claim is ``selection``'s);
        ``alternates`` are where the cell conductor may retry."""
        return self._host(host).message(
            ctx, "build_and_run_instance", instance_uuid=instance_uuid,
            request_spec=request_spec, selection=selection.to_dict(),
            alternates=[a.to_dict() for a in alternates], attempt=attempt)

    def terminate_instance(self, ctx: RequestContext | None, host: str,
                           instance_uuid: str) -> rpc.Outgoing:
        return self._host(host).message(ctx, "terminate_instance",
                                        instance_uuid=instance_uuid)

    def reboot_instance(self, ctx: RequestContext | None, host: str, instance_uuid: str,
                        reboot_type: str = "SOFT") -> rpc.Outgoing:
        return self._host(host).message(ctx, "reboot_instance", instance_uuid=instance_uuid,
                                        reboot_type=reboot_type)

    def stop_instance(self, ctx: RequestContext | None, host: str,
                      instance_uuid: str) -> rpc.Outgoing:
        return self._host(host).message(ctx, "stop_instance", instance_uuid=instance_uuid)

    def start_instance(self, ctx: RequestContext | None, host: str,
                       instance_uuid: str) -> rpc.Outgoing:
        return self._host(host).message(ctx, "start_instance", instance_uuid=instance_uuid)

    def _guest_cast(self, ctx: RequestContext | None, host: str, method: str,
                    instance_uuid: str, **kwargs) -> rpc.Outgoing:
        return self._host(host).message(ctx, method, instance_uuid=instance_uuid, **kwargs)

    def pause_instance(self, ctx, host: str, instance_uuid: str) -> rpc.Outgoing:
        return self._guest_cast(ctx, host, "pause_instance", instance_uuid)

    def unpause_instance(self, ctx, host: str, instance_uuid: str) -> rpc.Outgoing:
        return self._guest_cast(ctx, host, "unpause_instance", instance_uuid)

    def suspend_instance(self, ctx, host: str, instance_uuid: str) -> rpc.Outgoing:
        return self._guest_cast(ctx, host, "suspend_instance", instance_uuid)

    def resume_instance(self, ctx, host: str, instance_uuid: str) -> rpc.Outgoing:
        return self._guest_cast(ctx, host, "resume_instance", instance_uuid)

    def rescue_instance(self, ctx, host: str, instance_uuid: str, *,
                        rescue_password: str | None,
                        rescue_image_ref: str | None) -> rpc.Outgoing:
        return self._guest_cast(ctx, host, "rescue_instance", instance_uuid,
                                rescue_password=rescue_password,
                                rescue_image_ref=rescue_image_ref)

    def unrescue_instance(self, ctx, host: str, instance_uuid: str) -> rpc.Outgoing:
        return self._guest_cast(ctx, host, "unrescue_instance", instance_uuid)

    def trigger_crash_dump(self, ctx, host: str, instance_uuid: str) -> rpc.Outgoing:
        return self._guest_cast(ctx, host, "trigger_crash_dump", instance_uuid)

    def soft_delete_instance(self, ctx, host: str, instance_uuid: str) -> rpc.Outgoing:
        return self._guest_cast(ctx, host, "soft_delete_instance", instance_uuid)

    def restore_instance(self, ctx, host: str, instance_uuid: str) -> rpc.Outgoing:
        return self._guest_cast(ctx, host, "restore_instance", instance_uuid)

    def snapshot_instance(self, ctx, host: str, instance_uuid: str, *, image_id: str,
                          backup_type: str | None = None,
                          rotation: int | None = None) -> rpc.Outgoing:
        """Upload the guest's disk into the queued image ``image_id`` (a
        backup with ``backup_type``, then rotated to ``rotation``)."""
        return self._guest_cast(ctx, host, "snapshot_instance", instance_uuid,
                                image_id=image_id, backup_type=backup_type, rotation=rotation)

    def shelve_instance(self, ctx, host: str, instance_uuid: str, *,
                        offload: bool, image_id: str | None = None) -> rpc.Outgoing:
        return self._guest_cast(ctx, host, "shelve_instance", instance_uuid, offload=offload,
                                image_id=image_id)

    def shelve_offload_instance(self, ctx, host: str, instance_uuid: str) -> rpc.Outgoing:
        return self._guest_cast(ctx, host, "shelve_offload_instance", instance_uuid)

    def unshelve_instance(self, ctx, host: str, instance_uuid: str, *,
                          selection: Selection | None = None,
                          image_id: str | None = None) -> rpc.Outgoing:
        """``selection``: the claimed destination of an offloaded instance
        (None: it is still shelved on ``host``); ``image_id``: the shelve's
        snapshot, deleted once the server runs again."""
        return self._guest_cast(ctx, host, "unshelve_instance", instance_uuid,
                                selection=None if selection is None else selection.to_dict(),
                                image_id=image_id)

    def rebuild_instance(self, ctx, host: str, instance_uuid: str, *,
                         admin_password: str | None,
                         preserve_ephemeral: bool = False) -> rpc.Outgoing:
        """Re-create the guest from the image its row now names (the API
        wrote it with the ``rebuilding`` task), on the same node."""
        return self._guest_cast(ctx, host, "rebuild_instance", instance_uuid,
                                admin_password=admin_password,
                                preserve_ephemeral=preserve_ephemeral)

    # --- moves: resize and cold migration (nubes.compute.operations.resize) ----------

    def resize_instance(self, ctx, host: str, instance_uuid: str, *, migration_uuid: str,
                        selection: Selection, old_vm_state: str) -> rpc.Outgoing:
        """To the source: power off and hand over to ``selection``'s host."""
        return self._guest_cast(ctx, host, "resize_instance", instance_uuid,
                                migration_uuid=migration_uuid, selection=selection.to_dict(),
                                old_vm_state=old_vm_state)

    def finish_resize(self, ctx, host: str, instance_uuid: str, *, migration_uuid: str,
                      selection: Selection, old_vm_state: str,
                      disk_info: dict | None = None) -> rpc.Outgoing:
        """``disk_info``: what the source's driver handed over (its disk)."""
        return self._guest_cast(ctx, host, "finish_resize", instance_uuid,
                                migration_uuid=migration_uuid, selection=selection.to_dict(),
                                old_vm_state=old_vm_state, disk_info=disk_info or {})

    def confirm_resize(self, ctx, host: str, instance_uuid: str, *,
                       migration_uuid: str) -> rpc.Outgoing:
        """To the source: drop the old guest and the migration's allocation."""
        return self._guest_cast(ctx, host, "confirm_resize", instance_uuid,
                                migration_uuid=migration_uuid)

    def revert_resize(self, ctx, host: str, instance_uuid: str, *,
                      migration_uuid: str) -> rpc.Outgoing:
        """To the destination: drop the new guest, then the source takes it back."""
        return self._guest_cast(ctx, host, "revert_resize", instance_uuid,
                                migration_uuid=migration_uuid)

    def finish_revert_resize(self, ctx, host: str, instance_uuid: str, *,
                             migration_uuid: str, failed: bool = False) -> rpc.Outgoing:
        return self._guest_cast(ctx, host, "finish_revert_resize", instance_uuid,
                                migration_uuid=migration_uuid, failed=failed)

    def evacuate_instance(self, ctx, host: str, instance_uuid: str, *, migration_uuid: str,
                          selection: Selection, target_state: str | None) -> rpc.Outgoing:
        """To the destination of an evacuation: build the guest here."""
        return self._guest_cast(ctx, host, "evacuate_instance", instance_uuid,
                                migration_uuid=migration_uuid, selection=selection.to_dict(),
                                target_state=target_state)

    def live_migrate_instance(self, ctx, host: str, instance_uuid: str, *,
                              migration_uuid: str, selection: Selection) -> rpc.Outgoing:
        """To the source: copy the running guest to ``selection``'s host."""
        return self._guest_cast(ctx, host, "live_migrate_instance", instance_uuid,
                                migration_uuid=migration_uuid, selection=selection.to_dict())

    def post_live_migration_at_destination(self, ctx, host: str, instance_uuid: str, *,
                                           migration_uuid: str, selection: Selection,
                                           paused: bool) -> rpc.Outgoing:
        return self._guest_cast(ctx, host, "post_live_migration_at_destination",
                                instance_uuid, migration_uuid=migration_uuid,
                                selection=selection.to_dict(), paused=paused)

    def live_migration_force_complete(self, ctx, host: str, *,
                                      migration_uuid: str) -> rpc.Outgoing:
        return self._host(host).message(ctx, "live_migration_force_complete",
                                        migration_uuid=migration_uuid)

    def live_migration_abort(self, ctx, host: str, *, migration_uuid: str) -> rpc.Outgoing:
        return self._host(host).message(ctx, "live_migration_abort",
                                        migration_uuid=migration_uuid)

    # --- volumes (nubes.compute.operations.volumes) -----------------------------------

    def attach_volume(self, ctx, host: str, instance_uuid: str, *, bdm_uuid: str,
                      bdm: dict | None = None, event_started: bool = False) -> rpc.Outgoing:
        """Connect the reserved volume of mapping ``bdm_uuid`` to the guest.
        ``bdm``: the mapping as :func:`messages.volume_mapping` sends it
        (the host then does not read it); ``event_started``: the caller
        started the action's ``ATTACH_VOLUME_EVENT``."""
        return self._guest_cast(ctx, host, "attach_volume", instance_uuid, bdm_uuid=bdm_uuid,
                                **_volume_extras(bdm, event_started))

    def detach_volume(self, ctx, host: str, instance_uuid: str, *, bdm_uuid: str,
                      bdm: dict | None = None, event_started: bool = False) -> rpc.Outgoing:
        """Disconnect mapping ``bdm_uuid``'s volume (already ``detaching``);
        ``bdm`` and ``event_started`` as for :meth:`attach_volume`."""
        return self._guest_cast(ctx, host, "detach_volume", instance_uuid, bdm_uuid=bdm_uuid,
                                **_volume_extras(bdm, event_started))

    def swap_volume(self, ctx, host: str, instance_uuid: str, *, bdm_uuid: str,
                    new_volume_id: str, new_attachment_id: str) -> rpc.Outgoing:
        """Put the reserved ``new_volume_id`` where mapping ``bdm_uuid``'s is."""
        return self._guest_cast(ctx, host, "swap_volume", instance_uuid, bdm_uuid=bdm_uuid,
                                new_volume_id=new_volume_id,
                                new_attachment_id=new_attachment_id)

    def drop_guest(self, ctx, host: str, instance_uuid: str) -> rpc.Outgoing:
        """Remove the guest a move left on its source (the server was
        deleted before the move was confirmed or reverted)."""
        return self._guest_cast(ctx, host, "drop_guest", instance_uuid)

    # --- calls: a move across cells (the super-conductor waits for each) -----------

    def move_guest(self, ctx, host: str, step: str, instance_uuid: str, *,
                   timeout: float | None = None, **kwargs) -> int:
        """``step``: hand_off_guest, take_guest (node, stopped), drop_guest
        or resume_guest (node, running); the guest's power state."""
        if step not in ("hand_off_guest", "take_guest", "drop_guest", "resume_guest"):
            raise ValueError(f"unknown move step {step!r}")
        return self._host(host).call(ctx, step, timeout=timeout,
                                     instance_uuid=instance_uuid, **kwargs)

    # --- calls: the API waits for the host's answer ------------------------------

    def set_admin_password(self, ctx, host: str, instance_uuid: str, new_pass: str, *,
                           timeout: float | None = None) -> None:
        """Raises :class:`~nubes.compute.messages.PasswordSetFailed` or
        :class:`~nubes.compute.messages.NotSupported`."""
        self._host(host).call(ctx, "set_admin_password", timeout=timeout,
                              instance_uuid=instance_uuid, new_pass=new_pass)

    def get_console_output(self, ctx, host: str, instance_uuid: str,
                           tail_length: int | None, *,
                           timeout: float | None = None) -> str:
        return self._host(host).call(ctx, "get_console_output", timeout=timeout,
                                     instance_uuid=instance_uuid, tail_length=tail_length)

    def get_diagnostics(self, ctx, host: str, instance_uuid: str, *,
                        timeout: float | None = None) -> Diagnostics:
        return Diagnostics.from_wire(self._host(host).call(
            ctx, "get_diagnostics", timeout=timeout, instance_uuid=instance_uuid))


def _volume_extras(bdm: dict | None, event_started: bool) -> dict:
    """Only what is given goes on the wire (a host of an older release
    takes the cast without them)."""
    extras: dict = {}
    if bdm is not None:
        extras["bdm"] = messages.volume_mapping(bdm)
    if event_started:
        extras["event_started"] = True
    return extras
