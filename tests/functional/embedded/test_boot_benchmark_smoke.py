"""The boot benchmark runs at a tiny size against a real embedded cloud in
its own process: every server it creates becomes ACTIVE, every delete
leaves nothing behind (never a time assertion)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def test_boot_benchmark_smoke():
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "boot.py"), "--servers", "8",
         "--cells", "2", "--hosts-per-cell", "2", "--clients", "4", "--timeout", "120"],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout)
    assert result["mode"] == "embedded"
    boot, delete = result["boot"], result["delete"]
    assert (boot["servers"], boot["active"], boot["error"]) == (8, 8, 0)
    assert boot["servers_per_s"] > 0 and boot["create_p95_ms"] >= boot["create_p50_ms"] > 0
    assert boot["cloud_cpu_s"] > 0
    assert delete["servers"] == 8
    assert delete["providers_with_usage_left"] == 0
