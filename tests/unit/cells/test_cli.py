"""The cell_v2 command line: help, aliases, tables."""
from __future__ import annotations

import pytest

from nubes.cmd import manage
from nubes.cmd.manage_cell_v2 import render_table


def test_render_table():
    assert render_table(["A", "Bee"], [["xx", "y"]]).splitlines() == [
        "+----+-----+", "| A  | Bee |", "+----+-----+", "| xx | y   |", "+----+-----+"]


@pytest.mark.parametrize("command", ["map_cell0", "create_cell", "list_cells", "update_cell",
                                     "delete_cell", "discover_hosts", "list_hosts",
                                     "map_instances", "verify_instance",
                                     "simple_cell_setup"])
def test_every_command_documents_its_exit_codes(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        manage.main(["cell_v2", command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out
    assert "  0  " in out and "255" in out


@pytest.mark.parametrize("flags", [["--cell_uuid", "x"], ["--cell-uuid", "x"]])
def test_option_spellings(flags):
    args = manage.build_parser().parse_args(["cell_v2", "list_hosts", *flags])
    assert args.cell_uuid == "x"


def test_transport_url_spellings():
    parser = manage.build_parser()
    for flag in ("--transport-url", "--transport_url"):
        args = parser.parse_args(["cell_v2", "create_cell", flag, "rabbit://h/"])
        assert args.transport_url == "rabbit://h/"
