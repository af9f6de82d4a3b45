"""The volume API calls benchmark runs at a tiny size: its cycles (attach
and detach through the typed client, in-process) all succeed, and it
prints its JSON (never a time assertion)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def test_volume_api_calls_benchmark_smoke():
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "volume_api_calls.py"),
         "--cycles", "3", "--volumes", "2", "--profile", "5"],
        check=False, capture_output=True, text=True, timeout=300, cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=ROOT))
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout)
    assert result["cycles"] == 3 and result["calls_per_cycle"] == 7
    assert result["cpu_ms_per_cycle"] > 0 and result["profiled"]
    assert any("function calls" in line for line in result["profile"])
