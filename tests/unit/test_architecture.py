"""The layering rules of DESIGN.md, checked by import-linter (.importlinter)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_import_contracts_are_kept():
    lint = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    assert os.path.exists(lint), "import-linter is missing from the test environment"
    result = subprocess.run([lint, "--config", os.path.join(ROOT, ".importlinter")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
