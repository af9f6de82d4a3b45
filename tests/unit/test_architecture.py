"""The layering rules of docs/architecture.md, checked by import-linter
(.importlinter), and the size budget of every module and function."""
from __future__ import annotations

import ast
import configparser
import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"
LINT = pathlib.Path(sys.executable).with_name("lint-imports")

# One import per contract that the contract forbids: (a module, new or existing,
# given one more import; what it imports).
VIOLATIONS = {
    "common-is-a-leaf": ("nubes/common/_v.py", "nubes.cells.repo.services"),
    "cells-below-services": ("nubes/cells/_v.py", "nubes.conductor.cell.rpcapi"),
    "placement-layers": ("nubes/placement/repo/_v.py", "nubes.placement.service.providers"),
    "placement-stands-alone": ("nubes/placement/_v.py", "nubes.cells.records"),
    "placement-candidates-behind-service":
        ("nubes/placement/handlers/_v.py", "nubes.placement.candidates.dispatch"),
    "placement-candidate-paths-independent":
        ("nubes/placement/candidates/flat_path.py", "nubes.placement.candidates.tree_path"),
    "image-layers": ("nubes/image/repo/_v.py", "nubes.image.handlers.images"),
    "image-stands-alone": ("nubes/image/_v.py", "nubes.cells.records"),
    "volume-api-layers": ("nubes/volume/api/service/_v.py", "nubes.volume.api.views.volumes"),
    "volume-layers": ("nubes/volume/repo/_v.py", "nubes.volume.api.service.volumes"),
    "volume-api-handlers-and-views-reach-the-database-through-service":
        ("nubes/volume/api/handlers/_v.py", "nubes.volume.repo.locks"),
    "volume-stands-alone": ("nubes/volume/_v.py", "nubes.cells.records"),
    "volume-api-casts-to-the-manager":
        ("nubes/volume/api/service/_v2.py", "nubes.volume.manager.volume_work"),
    "volume-through-its-client": ("nubes/api/compute/service/_v4.py", "nubes.volume.repo.volumes"),
    "compute-api-layers": ("nubes/api/compute/service/_v.py", "nubes.api.compute.views.flavors"),
    "compute-api-handlers-and-views-reach-cells-through-service":
        ("nubes/api/compute/handlers/_v.py", "nubes.cells.lister"),
    "agents-hold-no-database": ("nubes/compute/_v.py", "nubes.common.db.transaction"),
    "conductors-apart": ("nubes/conductor/cell/_v.py", "nubes.conductor.super.build"),
    "compute-through-its-contract": ("nubes/scheduler/_v.py", "nubes.compute.agent"),
    "conductors-through-their-contract":
        ("nubes/api/compute/service/_v2.py", "nubes.conductor.cell.services"),
    "scheduler-through-its-contract":
        ("nubes/conductor/super/_v.py", "nubes.scheduler.host_state"),
    "placement-through-its-client": ("nubes/cells/_v2.py", "nubes.placement.repo.providers"),
    "image-through-its-client": ("nubes/api/compute/service/_v3.py", "nubes.image.repo.images"),
    "compute-api-stands-apart": ("nubes/scheduler/_v2.py", "nubes.api.compute.state"),
    "no-package-cycles": ("nubes/cells/repo/_v.py", "nubes.cells.lister"),
}

# No module over 500 lines and no function over 80, migrations aside.
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _lint(cwd: pathlib.Path, *contracts: str) -> subprocess.CompletedProcess:
    assert LINT.exists(), "import-linter is missing from the test environment"
    args = [str(LINT), "--config", str(CONFIG), "--no-cache"]
    for contract in contracts:
        args += ["--contract", contract]
    env = dict(os.environ, PYTHONPATH=str(cwd))
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _contracts() -> list[str]:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    return [s.split(":", 2)[2] for s in parser.sections()
            if s.startswith("importlinter:contract:")]


def test_import_contracts_are_kept():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_every_contract_has_a_violation_to_show_it_works():
    assert sorted(VIOLATIONS) == sorted(_contracts())


def test_each_contract_fails_when_broken(tmp_path):
    """A copy of the tree with one forbidden import per contract: every
    contract must report itself broken."""
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "nubes", tree / "nubes",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for path, imported in VIOLATIONS.values():
        with open(tree / path, "a") as module:
            module.write(f"\nimport {imported}  # noqa: F401\n")
    for contract in VIOLATIONS:
        result = _lint(tree, contract)
        assert result.returncode != 0 and "1 broken" in result.stdout, \
            f"{contract} did not fail:\n{result.stdout[-3000:]}{result.stderr[-1000:]}"


def _python_files():
    for path in sorted((ROOT / "nubes").rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def test_modules_and_functions_stay_small():
    too_big = []
    for path in _python_files():
        source = path.read_text()
        lines = source.count("\n")
        name = path.relative_to(ROOT)
        if lines > MAX_MODULE_LINES:
            too_big.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_big.append(f"{name}:{node.lineno} {node.name}(): {length} lines")
    assert not too_big, "over the size budget:\n" + "\n".join(too_big)
