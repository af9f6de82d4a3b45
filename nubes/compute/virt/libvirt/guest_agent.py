"""What the libvirt driver asks of a guest's QEMU guest agent, on the
virtio-serial channel ``org.qemu.guest_agent.0`` every domain has
(:mod:`.domain_xml`): a user's password set (``changePassword``).

The agent has :data:`TIMEOUT` seconds to answer.  A guest that has just
booted may not have opened its end of the channel yet (libvirt: "QEMU
guest agent is not connected"): that is tried again until the same time
is over; any other error fails at once.
"""
from __future__ import annotations

import time
from typing import Any

from nubes.compute.virt.driver import DriverError

TIMEOUT = 10        # seconds
POLL = 0.2


def set_password(lv: Any, domain: Any, user: str, password: str) -> None:
    """``lv`` is the libvirt module, ``domain`` a running domain."""
    try:
        domain.agentSetResponseTimeout(TIMEOUT, 0)
    except (AttributeError, lv.libvirtError):
        pass        # an older libvirt: its own default
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            domain.setUserPassword(user, password, 0)
            return
        except lv.libvirtError as exc:
            if exc.get_error_code() != lv.VIR_ERR_AGENT_UNRESPONSIVE or \
                    time.monotonic() > deadline:
                raise DriverError(f"libvirt: {exc.get_error_message()}") from None
        time.sleep(POLL)
