"""The volumes benchmark runs at a tiny size against a real embedded cloud
in its own process: every volume it creates is attached, detached and
deleted, and none is left over (never a time assertion)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def test_volumes_benchmark_smoke():
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "volumes.py"), "--volumes", "4",
         "--servers", "2", "--clients", "2", "--timeout", "120"],
        check=False, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout)
    assert (result["boot"]["active"], result["boot"]["error"]) == (2, 0)
    assert (result["create"]["volumes"], result["create"]["available"]) == (4, 4)
    for name in ("attach", "detach", "delete"):
        phase = result[name]
        assert (phase["accepted"], phase["settled"], phase["api_errors"]) == (4, 4, 0), \
            (name, phase)
        assert phase["call_p95_ms"] >= phase["call_p50_ms"] > 0, (name, phase)
    assert result["attach_detach_cycles_per_s"] > 0
    assert result["left_over_volumes"] == 0
