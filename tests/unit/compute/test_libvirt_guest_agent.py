"""The guest agent's password change: a guest whose agent has not opened
its port yet is tried again until the agent's time is over; any other
libvirt error fails at once (libvirt stood in for by a small double: the
real agent is tested with the tiny guest in tests/functional/libvirt)."""
from __future__ import annotations

import types

import pytest

from nubes.compute.virt.driver import DriverError
from nubes.compute.virt.libvirt import guest_agent


class LibvirtError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code, self.message = code, message

    def get_error_code(self) -> int:
        return self.code

    def get_error_message(self) -> str:
        return self.message


LV = types.SimpleNamespace(libvirtError=LibvirtError, VIR_ERR_AGENT_UNRESPONSIVE=86)


class Domain:
    def __init__(self, failures: list[LibvirtError]):
        self.failures, self.calls, self.timeout = list(failures), [], None

    def agentSetResponseTimeout(self, seconds, flags):
        self.timeout = seconds

    def setUserPassword(self, user, password, flags):
        self.calls.append((user, password))
        if self.failures:
            raise self.failures.pop(0)


def test_a_guest_whose_agent_connects_late_gets_its_password(monkeypatch):
    monkeypatch.setattr(guest_agent, "POLL", 0.01)
    not_yet = LibvirtError(86, "QEMU guest agent is not connected")
    domain = Domain([not_yet, not_yet])
    guest_agent.set_password(LV, domain, "root", "pw")
    assert domain.calls == [("root", "pw")] * 3 and domain.timeout == guest_agent.TIMEOUT


def test_an_agent_that_never_connects_fails_after_its_time(monkeypatch):
    monkeypatch.setattr(guest_agent, "POLL", 0.01)
    monkeypatch.setattr(guest_agent, "TIMEOUT", 0.05)
    domain = Domain([LibvirtError(86, "QEMU guest agent is not connected")] * 1000)
    with pytest.raises(DriverError, match="not connected"):
        guest_agent.set_password(LV, domain, "root", "pw")
    assert 1 < len(domain.calls) < 1000


def test_other_errors_fail_at_once():
    domain = Domain([LibvirtError(1, "internal error")])
    with pytest.raises(DriverError, match="libvirt: internal error"):
        guest_agent.set_password(LV, domain, "admin", "pw")
    assert domain.calls == [("admin", "pw")]
