"""A finished study made by hand, so the outputs can be checked without running the engine."""

import pytest
from PIL import Image

from facestyle.settings import make_settings
from facestyle.study.cells import make_cells, parse_layer_list, parse_ratios
from facestyle.study.runner import CellResult, cell_paths


@pytest.fixture
def finished_study(tmp_path):
    """(base, results, folder): three cells (two layer cells, one ratio) with 24×32 images, costs
    and three-step cost histories, as :func:`run_study` leaves them."""
    base = make_settings(size=32, steps=3, scales=1)
    cells = make_cells(base, layers=parse_layer_list("deep,shallow"), ratios=parse_ratios("10:40"))
    folder = tmp_path / "s"
    (folder / "cells").mkdir(parents=True)
    results = []
    for number, cell in enumerate(cells):
        image_path, _ = cell_paths(folder, cell)
        Image.new("RGB", (24, 32), (40 * number, 90, 160)).save(image_path)
        history = [{"step": step, "total": 9.0 - step, "content": 1.0, "style": 8.0 - step} for step in (1, 2, 3)]
        costs = {"total": 6.0 + number, "content": 1.0, "style": 5.0 + number}
        results.append(CellResult(cell, image_path, costs, 1.25 + number, "cpu", history))
    return base, results, folder
