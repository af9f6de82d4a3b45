"""The moves benchmark runs at a tiny size against a real embedded cloud in
its own process: every server it resizes, confirms, migrates and reverts
settles where it should, and placement holds exactly the servers' flavors
afterwards (never a time assertion)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def test_moves_benchmark_smoke():
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "moves.py"), "--servers", "4",
         "--cells", "1", "--hosts-per-cell", "2", "--clients", "2", "--timeout", "120"],
        check=False, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout)
    assert (result["mode"], result["servers"]) == ("embedded", 4)
    assert (result["boot"]["active"], result["boot"]["error"]) == (4, 0)
    for name in ("resize", "confirm", "migrate", "revert"):
        phase = result[name]
        assert (phase["servers"], phase["accepted"], phase["settled"], phase["ok"]) \
            == (4, 4, 4, 4), (name, phase)
        assert (phase["api_errors"], phase["wrong"]) == (0, 0), (name, phase)
        assert phase["moves_per_s"] > 0, (name, phase)
        assert phase["call_p95_ms"] >= phase["call_p50_ms"] > 0, (name, phase)
        assert phase["settle_p95_ms"] >= phase["settle_p50_ms"] > 0, (name, phase)
        assert phase["cloud_cpu_s"] >= 0, (name, phase)
    placement = result["placement"]
    assert result["placement_ok"] is True, placement
    assert (placement["servers"], placement["mismatch_count"]) == (4, 0)
    assert placement["migration_statuses"] == {"confirmed": 4, "reverted": 4}
