"""A distributed nubes deployment, torn down whatever happens.

What a :class:`Deployment` owns, and removes in :meth:`Deployment.close`:
throw-away databases (``nubes_test_<random>``, one per schema) on one
backend, RabbitMQ vhosts, config files and logs in a work directory, and
the processes it started.  It knows nothing of pytest: a step that cannot be
done raises :class:`DeploymentError` (``benchmarks/boot_distributed.py``
builds on it).

:class:`Distributed` is the tests' flavour: such a step fails the test
(``pytest.fail``), and :meth:`Distributed.check_environment` skips when the
servers are not configured.
"""
from __future__ import annotations

import concurrent.futures
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any, Callable, NoReturn, TextIO

import kombu
import pytest
import requests

from nubes.common.rpc.rabbit import kombu_urls
from nubes.common.rpc.rabbit_consumer import connect_once
from tests.fixtures import databases

RABBIT_ENV = "NUBES_TEST_RABBIT_URL"
STOP_TIMEOUT = 20.0        # seconds the processes get to exit on SIGTERM
COMMAND_TIMEOUT = 120.0    # seconds a nubes-manage command may take


class DeploymentError(RuntimeError):
    """A server could not be reached, a command or a process failed."""


def wait_for(predicate: Callable[[], Any], timeout: float, what: str,
             interval: float = 0.1, alive: Callable[[], None] | None = None) -> Any:
    """Poll ``predicate`` until it returns something truthy; ``alive`` is
    called between polls to fail early (a process that died)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = predicate()
        except requests.RequestException as exc:   # not listening yet, or too busy
            last = exc
        else:
            if last:
                return last
        if alive is not None:
            alive()
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what} "
                                 f"(last seen: {last!r:.1500})")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_ports(*names: str) -> dict[str, int]:
    """A free port for each name, all different: the sockets are held
    until every port is chosen (one at a time, the kernel may hand out a
    port it has just handed back, and two services would share it)."""
    socks = [socket.socket() for _ in names]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return {name: sock.getsockname()[1] for name, sock in zip(names, socks)}
    finally:
        for sock in socks:
            sock.close()


def entry_point(script: str, module: str) -> list[str]:
    """The installed console script, or its module when the package was
    installed before the script was declared (same ``main``)."""
    exe = Path(sys.executable).parent / script
    return [str(exe)] if exe.exists() else [sys.executable, "-m", module]


def ini(groups: dict[str, dict[str, Any]]) -> str:
    lines: list[str] = []
    for group, options in groups.items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {value}" for name, value in options.items()]
        lines.append("")
    return "\n".join(lines)


def backend_of(url: str) -> str:
    """``mysql`` or ``postgresql`` (the keys of ``databases.ENV``) for a
    server URL such as ``mysql+pymysql://root@host/db``."""
    scheme = url.split("://", 1)[0].split("+", 1)[0]
    backend = {"mysql": "mysql", "mariadb": "mysql", "postgresql": "postgresql",
               "postgres": "postgresql"}.get(scheme)
    if backend is None:
        raise DeploymentError(f"unsupported database server URL {url!r}: "
                              "use mysql+pymysql:// or postgresql+psycopg://")
    return backend


class Process:
    def __init__(self, name: str, argv: list[str], log: Path, env: dict[str, str]):
        self.name = name
        self.argv = argv
        self.log = log
        with open(log, "wb") as out:
            # Its own process group: kill() takes its children too
            # (gunicorn's workers).
            self.popen = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, env=env,
                                          start_new_session=True)

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def wait_log(self, text: str, count: int = 1, timeout: float = 60.0) -> None:
        """Until ``text`` is in the log ``count`` times: a point in the
        process's work (to inject a fault there)."""
        wait_for(lambda: self.tail(10**8).count(text) >= count, timeout,
                 f"{count}x {text!r} in {self.log}", interval=0.02)

    def exited(self) -> str | None:
        """Why it is not running any more (with its log's tail), or None."""
        code = self.popen.poll()
        return None if code is None else f"{self.name} exited with {code}:\n{self.tail()}"

    def terminate(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """Exit code, or None if it had to be killed."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(10)
            return None


class Deployment:
    """Databases, vhosts, config files, ``nubes-manage`` and processes of one
    deployment; failures raise :class:`DeploymentError` through
    :meth:`fail`."""

    CELLS = ("cell1", "cell2")
    VHOST_PREFIX = "nubes-it"

    def __init__(self, backend: str, workdir: Path):
        self.backend = backend
        self.workdir = workdir
        self.tag = uuid.uuid4().hex[:8]
        self.db_urls: dict[str, str] = {}
        self.bus_urls: dict[str, str] = {}
        self.processes: dict[str, Process] = {}
        self._databases: list[databases.TemporaryDatabase] = []
        self._vhosts: list[str] = []
        self._stopped: set[str] = set()   # stopped on purpose
        self._on_close: list = []          # called once the processes are stopped
        self._env = {k: v for k, v in os.environ.items() if k != "NUBES_CONFIG_FILE"}

    def on_close(self, fn) -> None:
        """Call ``fn()`` in :meth:`close`, after the processes stopped."""
        self._on_close.append(fn)

    def fail(self, message: str) -> NoReturn:
        raise DeploymentError(message)

    def command(self, script: str, module: str) -> list[str]:
        """argv of a nubes command (console script or ``python -m``)."""
        return entry_point(script, module)

    # --- servers ------------------------------------------------------------------

    def create_databases(self, names: tuple[str, ...]) -> None:
        for name in names:
            try:
                tmp = databases.TemporaryDatabase(self.backend)
            except RuntimeError as exc:  # set but unreachable: fail, never skip
                self.fail(str(exc))
            self._databases.append(tmp)
            self.db_urls[name] = tmp.url

    def create_vhosts(self, base: str, names: tuple[str, ...] | None = None) -> None:
        """A vhost per name (default: per cell; e.g. add ``"api"`` for the
        API-level bus); ``bus_urls[name]`` is its URL."""
        names = self.CELLS if names is None else names
        split = urllib.parse.urlsplit(base.replace("rabbit://", "amqp://", 1))
        user = urllib.parse.unquote(split.username or "guest")
        scheme, _, rest = base.partition("://")
        netlocs = rest.split("/", 1)[0]

        def create(cell: str) -> None:
            vhost = f"{self.VHOST_PREFIX}-{self.tag}-{cell}"
            self._rabbitmqctl("add_vhost", vhost)
            self._vhosts.append(vhost)
            self._rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
            self.bus_urls[cell] = f"{scheme}://{netlocs}/{urllib.parse.quote(vhost, safe='')}"

        with concurrent.futures.ThreadPoolExecutor(min(len(names), 8)) as pool:
            jobs = [pool.submit(create, name) for name in names]
        for job in jobs:
            job.result()   # a failure fails; close() deletes what was made

    def _rabbitmqctl(self, *args: str) -> None:
        exe = shutil.which("rabbitmqctl")
        if exe is None:
            self.fail("RabbitMQ is configured but rabbitmqctl is not installed")
        proc = subprocess.run([exe, "-q", *args], capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            self.fail(f"rabbitmqctl {' '.join(args)} failed: {proc.stderr or proc.stdout}")

    # --- files and commands ---------------------------------------------------------

    def write_conf(self, name: str, groups: dict[str, dict[str, Any]]) -> str:
        path = self.workdir / f"{name}.conf"
        path.write_text(ini(groups))
        return str(path)

    def manage(self, confs: list[str], *args: str) -> str:
        """Run ``nubes-manage``; its output (a non-zero exit fails)."""
        argv = self.command("nubes-manage", "nubes.cmd.manage")
        for conf in confs:
            argv += ["--config-file", conf]
        argv += list(args)
        proc = subprocess.run(argv, capture_output=True, text=True, env=self._env,
                              timeout=COMMAND_TIMEOUT)
        if proc.returncode != 0:
            self.fail(f"nubes-manage {' '.join(args)} exited with {proc.returncode}:\n"
                      f"{proc.stdout}\n{proc.stderr}")
        return proc.stdout

    def start(self, name: str, argv: list[str], *, env: dict[str, str] | None = None
              ) -> Process:
        """Start a process (again, after :meth:`stop` or :meth:`kill`: its
        log gets a ``.N`` suffix)."""
        log = self.workdir / f"{name}.log"
        runs = 1
        while log.exists():
            runs += 1
            log = self.workdir / f"{name}.{runs}.log"
        process = Process(name, argv, log, dict(self._env, **(env or {})))
        self.processes[name] = process
        self._stopped.discard(name)
        return process

    def check_alive(self) -> None:
        """Fail if a process that was not stopped on purpose has exited."""
        for process in self.processes.values():
            if process.name not in self._stopped:
                why = process.exited()
                if why is not None:
                    self.fail(why)

    def stop(self, name: str) -> int | None:
        """SIGTERM one process; its exit code (None: it had to be killed)."""
        self._stopped.add(name)
        process = self.processes[name]
        process.terminate()
        return process.wait()

    def kill(self, name: str) -> None:
        """SIGKILL one process and its children (a crash): no clean-up of
        their own, nothing of it left listening."""
        self._stopped.add(name)
        process = self.processes[name]
        try:
            os.killpg(process.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.popen.wait(10)

    def close_connections(self) -> None:
        """The broker drops every connection of this deployment's vhosts
        (other users of the RabbitMQ server are left alone)."""
        for vhost in self._vhosts:
            self._rabbitmqctl("close_all_connections", "--vhost", vhost, "fault test")

    def restart_broker(self) -> None:
        """The RabbitMQ server restarts its application: every connection
        of every user drops, and the transient queues and the messages in
        them are gone (nubes's default, ``amqp_durable_queues`` off).  For
        the fault tests only: CI runs them alone on the machine."""
        self._rabbitmqctl("stop_app")
        self._rabbitmqctl("start_app")
        self._rabbitmqctl("await_startup")

    # --- tear-down --------------------------------------------------------------------

    def close(self, *, tails: TextIO | None = sys.stdout) -> list[str]:
        """Stop every process, drop every database, delete every vhost; each
        step runs even if an earlier one failed.  Returns what went wrong;
        each process's command and log tail go to ``tails`` (None: nowhere)."""
        problems: list[str] = []
        running = [p for p in self.processes.values() if p.popen.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in running:
            if process.wait(max(deadline - time.monotonic(), 0.1)) is None:
                problems.append(f"{process.name} did not stop on SIGTERM: killed")
        for fn in self._on_close:
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - reported; the rest is still cleaned up
                problems.append(f"{fn!r} failed at close: {exc}")
        if tails is not None:
            for process in self.processes.values():
                print(f"----- {process.name}: {' '.join(process.argv)} "
                      f"(exit {process.popen.returncode})\n{process.tail()}", file=tails)
        # Dropping a database can take seconds (PostgreSQL checkpoints):
        # drop them, and delete the vhosts, all at once.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            jobs = [pool.submit(self._drop, tmp) for tmp in self._databases]
            jobs += [pool.submit(self._delete_vhost, vhost) for vhost in self._vhosts]
        problems += [job.result() for job in jobs if job.result()]
        return problems

    @staticmethod
    def _drop(tmp: databases.TemporaryDatabase) -> str | None:
        try:
            tmp.drop()
        except Exception as exc:  # noqa: BLE001 - reported; the rest is still cleaned up
            return f"could not drop {tmp.name}: {exc}"
        return None

    @staticmethod
    def _delete_vhost(vhost: str) -> str | None:
        try:
            proc = subprocess.run([shutil.which("rabbitmqctl") or "rabbitmqctl", "-q",
                                   "delete_vhost", vhost], capture_output=True, text=True,
                                  timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"could not delete vhost {vhost}: {exc}"
        if proc.returncode != 0:
            return f"could not delete vhost {vhost}: {proc.stderr or proc.stdout}"
        return None


class Distributed(Deployment):
    """A deployment for one test: what cannot be done fails the test."""

    def on_close(self, fn) -> None:
        """Call ``fn()`` in :meth:`close`, after the processes stopped."""
        self._on_close.append(fn)

    def fail(self, message: str) -> NoReturn:
        pytest.fail(message, pytrace=False)

    @staticmethod
    def check_environment(backend: str) -> str:
        """The RabbitMQ base URL; skips when a variable is unset and fails
        when RabbitMQ is configured but does not answer."""
        var = databases.ENV[backend]
        if not os.environ.get(var):
            pytest.skip(f"{var} is not set")
        base = os.environ.get(RABBIT_ENV)
        if not base:
            pytest.skip(f"{RABBIT_ENV} is not set")
        conn = kombu.Connection(kombu_urls(base)[0][0], connect_timeout=5)
        try:
            connect_once(conn)
        except Exception as exc:  # noqa: BLE001 - any failure to connect fails the test
            pytest.fail(f"{RABBIT_ENV} is set but RabbitMQ cannot be reached: {exc}",
                        pytrace=False)
        finally:
            conn.release()
        return base
