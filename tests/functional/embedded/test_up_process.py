"""`nubes up` as a user runs it: its own process, its output, Ctrl-C."""
from __future__ import annotations

import requests

from tests.functional.embedded.up_process import STOP_BOUND, UpProcess


def test_quiet_start_one_access_line_per_request_and_a_prompt_ctrl_c(tmp_path):
    up = UpProcess(str(tmp_path / "state"), "--cells", "1", "--hosts-per-cell", "1")
    try:
        up.until("nubes: ready")
        resp = requests.get(f"http://127.0.0.1:{up.ports['compute']}/v2.1", timeout=10)
        assert resp.status_code == 200
        request_id = resp.headers["x-openstack-request-id"]
        up.until(request_id)

        code, took = up.interrupt()
    finally:
        up.reap()
    up.rest()
    output = up.output
    print(f"nubes up stopped {took:.3f}s after SIGINT")

    assert code == 0, output
    assert took < STOP_BOUND
    assert [line for line in up.seen if line.strip()][-1] == "nubes: stopped", output
    assert "alembic" not in output
    assert "waitress" not in output
    # Starting and stopping are told by nubes's own lines; the one log line
    # is the request's.
    assert [line for line in up.seen
            if line.strip() and not line.startswith("nubes")] == mine_of(up, request_id), output
    mine = [line for line in up.seen if request_id in line]
    assert len(mine) == 1, output
    assert " INFO nubes.access [" + request_id + "] 127.0.0.1 \"GET /v2.1\" status: 200 " \
        in mine[0]


def mine_of(up: UpProcess, request_id: str) -> list[str]:
    return [line for line in up.seen if request_id in line]


def test_ctrl_c_while_starting_stops_what_had_started(tmp_path):
    # --verbose: the services' own lines say what was stopped.
    up = UpProcess(str(tmp_path / "state"), "--cells", "1", "--hosts-per-cell", "1",
                   "--verbose")
    try:
        # The cell conductor runs once the hosts are being started.
        up.until("fake compute hosts ...")
        code, _took = up.interrupt()
    finally:
        up.reap()
    up.rest()
    output = up.output
    assert code == 0, output
    assert [line for line in up.seen if line.strip()][-1] == "nubes: stopped", output
    assert "cell conductor cell1-conductor stopped" in output
    assert "Traceback" not in output


def test_ctrl_c_stops_it_even_when_started_with_sigint_ignored(tmp_path):
    """A shell script that starts ``nubes up`` in the background hands it
    SIGINT ignored (CI does); Ctrl-C (SIGINT) must stop it all the same."""
    up = UpProcess(str(tmp_path / "state"), "--cells", "1", "--hosts-per-cell", "1",
                   sigint_ignored=True)
    try:
        up.until("nubes: ready")
        code, _took = up.interrupt()
    finally:
        up.reap()
    up.rest()
    assert code == 0, up.output
    assert [line for line in up.seen if line.strip()][-1] == "nubes: stopped", up.output
