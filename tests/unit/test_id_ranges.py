"""The arithmetic of per-cell id ranges (nubes.cells.id_ranges)."""
from __future__ import annotations

from nubes.cells import id_ranges


def test_ranges_fit_32_bit_signed_ids_for_mapping_ids_1_to_127():
    assert id_ranges.MAX_CELL_ID == 127
    assert id_ranges.id_range(1) == range(2**24, 2**25)
    assert id_ranges.id_range(127).stop - 1 == 2**31 - 1
    assert id_ranges.id_range(0) is None and id_ranges.id_range(128) is None


def test_an_id_maps_back_to_its_cell():
    for cell_id in (1, 2, 77, 127):
        span = id_ranges.id_range(cell_id)
        assert {id_ranges.cell_id_of(i) for i in (span.start, span.stop - 1)} == {cell_id}
        assert id_ranges.is_ranged(span.start)
    assert not id_ranges.is_ranged(2**24 - 1) and id_ranges.cell_id_of(2**24 - 1) is None
    assert id_ranges.cell_id_of(2**31) is None
