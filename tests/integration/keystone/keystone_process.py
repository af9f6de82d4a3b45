"""A real Keystone for tests: ``keystone`` from PyPI (in ``.venv-keystone``,
built by ``make install-test``) on a SQLite database in a temporary
directory, issuing fernet tokens, served by gunicorn on a free loopback
port.

Set-up is what an operator does: ``keystone-manage db_sync`` and
``bootstrap`` (the admin user, the ``admin`` project, the roles
admin/manager/member/reader/service and the identity endpoint), then the
WSGI app.  The fernet and credential key repositories are written here
as ``keystone-manage fernet_setup`` / ``credential_setup`` write them (a
staged key ``0`` and a primary key ``1``, owner-only), which saves two
keystone start-ups of several seconds each.  keystone's oslo.config parses
``sys.argv`` when it is imported, so gunicorn loads it through a two-line
shim module that empties ``sys.argv`` first.

Anything missing or failing raises :class:`KeystoneUnavailable` with the
command's output or the end of keystone's log: the tests fail, never skip.
"""
from __future__ import annotations

import os
import signal
import subprocess
import textwrap
import time
from pathlib import Path

import requests
from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parents[3]
VENV_ENV = "NUBES_KEYSTONE_VENV"
ADMIN_PASSWORD = "admin-secret"
REGION = "RegionOne"
START_TIMEOUT = 60.0

_SHIM = """\
import sys
sys.argv = sys.argv[:1]
from keystone.wsgi.api import application  # noqa: E402,F401
"""


class KeystoneUnavailable(RuntimeError):
    pass


def write_key_repository(path: Path) -> None:
    """A fernet key repository as ``keystone-manage fernet_setup`` leaves
    it: key ``0`` (staged) and ``1`` (primary), readable by the owner only."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in ("0", "1"):
        key = path / name
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(Fernet.generate_key())


def venv_dir() -> Path:
    """``$NUBES_KEYSTONE_VENV``, else ``.venv-keystone`` at the top of the repository."""
    return Path(os.environ.get(VENV_ENV) or REPO / ".venv-keystone")


class KeystoneProcess:
    def __init__(self, state_dir: Path, port: int, *, venv: Path | None = None):
        self.state_dir = Path(state_dir)
        self.port = port
        self.venv = venv or venv_dir()
        self.url = f"http://127.0.0.1:{port}/v3"
        self.conf_file = self.state_dir / "keystone.conf"
        self.log_file = self.state_dir / "keystone.log"
        self._proc: subprocess.Popen | None = None
        self.timings: dict[str, float] = {}

    # --- set-up -------------------------------------------------------------------

    def _exe(self, name: str) -> str:
        path = self.venv / "bin" / name
        if not path.exists():
            raise KeystoneUnavailable(
                f"{path} does not exist: the Keystone venv is missing or incomplete. "
                f"Build it with `make install-test` (or `make keystone-venv`), or point "
                f"${VENV_ENV} at a venv with keystone and gunicorn installed.")
        return str(path)

    def write_config(self) -> None:
        d = self.state_dir
        d.mkdir(parents=True, exist_ok=True)
        self.conf_file.write_text(textwrap.dedent(f"""\
            [DEFAULT]
            log_file = {self.log_file}
            [database]
            connection = sqlite:///{d / 'keystone.db'}
            [identity]
            # bcrypt's fewest rounds: every password check is fast in tests.
            password_hash_rounds = 4
            [token]
            provider = fernet
            expiration = 86400
            [fernet_tokens]
            key_repository = {d / 'fernet-keys'}
            [fernet_receipts]
            key_repository = {d / 'fernet-keys'}
            [credential]
            key_repository = {d / 'credential-keys'}
            """))
        (d / "ks_wsgi.py").write_text(_SHIM)

    def _manage(self, *args: str) -> None:
        cmd = [self._exe("keystone-manage"), "--config-file", str(self.conf_file), *args]
        started = time.monotonic()
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                             cwd=self.state_dir)
        self.timings[f"keystone-manage {args[0]}"] = time.monotonic() - started
        if out.returncode != 0:
            raise KeystoneUnavailable(f"keystone-manage {' '.join(args)} exited "
                                      f"{out.returncode}:\n{out.stderr[-3000:]}\n"
                                      f"{self.log_tail()}")

    def bootstrap(self) -> None:
        self._manage("db_sync")
        for repository in ("fernet-keys", "credential-keys"):
            write_key_repository(self.state_dir / repository)
        url = self.url + "/"
        self._manage("bootstrap", "--bootstrap-password", ADMIN_PASSWORD,
                     "--bootstrap-admin-url", url, "--bootstrap-public-url", url,
                     "--bootstrap-internal-url", url, "--bootstrap-region-id", REGION)

    # --- the server -----------------------------------------------------------------

    def start(self) -> None:
        gunicorn = self._exe("gunicorn")
        self.write_config()
        self.bootstrap()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("OS_", "PYTHON", "VIRTUAL_ENV"))}
        env["OS_KEYSTONE_CONFIG_DIR"] = str(self.state_dir)
        started = time.monotonic()
        with open(self.state_dir / "gunicorn.log", "wb") as log:
            self._proc = subprocess.Popen(
                [gunicorn, "--no-control-socket", "-b", f"127.0.0.1:{self.port}",
                 "-w", "1", "-k", "gthread", "--threads", "4", "--timeout", "60",
                 "--chdir", str(self.state_dir), "ks_wsgi:application"],
                cwd=self.state_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self._wait_until_answering()
        self.timings["gunicorn start"] = time.monotonic() - started

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self._proc.poll() is not None:
                raise KeystoneUnavailable(f"gunicorn exited {self._proc.returncode} "
                                          f"before Keystone answered:\n{self.log_tail()}")
            try:
                if requests.get(self.url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise KeystoneUnavailable(f"Keystone did not answer on {self.url} within "
                                          f"{START_TIMEOUT:.0f}s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def log_tail(self, chars: int = 3000) -> str:
        parts = []
        for name in ("gunicorn.log", "keystone.log"):
            path = self.state_dir / name
            if path.exists():
                parts.append(f"--- {name} ---\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(parts)
