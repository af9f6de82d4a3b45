"""`nubes up` in its own process, as a user runs it: start it on free
ports, read its output line by line, Ctrl-C it.  A stop that hangs is
reported with every thread's stack (``nubes up`` dumps them on SIGUSR1)."""
from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time

STOP_BOUND = 10.0   # a hang guard, not a speed test: a stop takes well under a second
PORT_NAMES = ("identity", "compute", "placement", "image", "volume")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class UpProcess:
    def __init__(self, state_dir: str, *args: str, sigint_ignored: bool = False):
        """``sigint_ignored``: started as a shell script starts a job in the
        background (SIGINT ignored, which a child inherits)."""
        self.ports = {name: free_port() for name in PORT_NAMES}
        cmd = [sys.executable, "-m", "nubes.cmd.up", "up", "--state-dir", state_dir, *args,
               *[arg for name, port in self.ports.items()
                 for arg in (f"--{name}-port", str(port))]]
        sigint = signal.SIG_IGN if sigint_ignored else signal.SIG_DFL
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, sigint))
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    @property
    def output(self) -> str:
        return "\n".join(self.seen)

    def until(self, needle: str, timeout: float = 60.0) -> str:
        """Read lines until one contains ``needle``; that line."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line is not None, "nubes up ended early:\n" + self.output
            self.seen.append(line)
            if needle in line:
                return line

    def interrupt(self, bound: float = STOP_BOUND) -> tuple[int, float]:
        """Ctrl-C, as a terminal sends it: (exit code, seconds it took).
        Past ``bound`` the process's stacks are dumped into the failure."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout=bound)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGUSR1)
            time.sleep(2)
            self.proc.kill()
            self.rest()
            raise AssertionError(f"nubes up did not stop within {bound}s of Ctrl-C; its "
                                 f"output and threads:\n{self.output}") from None
        return code, time.monotonic() - started

    def rest(self) -> None:
        """Read what is left of the output."""
        while (line := self.lines.get(timeout=STOP_BOUND)) is not None:
            self.seen.append(line)

    def reap(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
