"""The allocation-candidates benchmark runs at a tiny size and answers sane
JSON (never a time assertion)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def test_benchmark_smoke():
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "allocation_candidates.py"),
         "--providers", "20", "--runs", "2", "--allocations-per-provider", "1"],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    cases = result["cases"]
    # 20 computes; 6 of them (aggregates 0-2) also reach a sharing disk.
    assert cases["base"]["candidates"] == 26
    assert cases["base_limit50"]["candidates"] == 26
    # cn0 and cn10 (both in aggregate 0), each also with share0.
    assert cases["required_gold"]["candidates"] == 4
    assert cases["member_of"]["candidates"] == 2
    assert cases["nested"]["candidates"] == 80
    for case in cases.values():
        assert case["p50_ms"] > 0 and case["p95_ms"] >= case["p50_ms"]
        assert set(case["in_process"]) == {"sql_ms", "assembly_ms", "view_ms", "encode_ms"}
