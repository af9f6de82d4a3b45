"""The real-guest boot benchmark at its smallest: one tiny guest boots on a
libvirt host and its banner is read (never a time assertion)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def test_boot_libvirt_benchmark_smoke():
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "boot_libvirt.py"), "--servers", "1",
         "--concurrency", "1", "--timeout", "300"],
        check=False, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    result = json.loads(out.stdout)
    assert (result["servers"], result["failed"]) == (1, 0), result
    assert result["banner_p50_s"] >= result["active_p50_s"] > 0
    assert result["guest_cpu_per_boot_s"] > 0 and result["nubes_cpu_per_boot_s"] > 0
