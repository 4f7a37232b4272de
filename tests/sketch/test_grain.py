"""The drawing's own paper grain: where the exemplar is bare paper, the grain field and its laying."""

import numpy as np

from facestyle.sketch.grain import COVERED_TONE, grain_field, lay_grain, paper_grain


def _exemplar(seed: int = 0) -> np.ndarray:
    """A sheet whose top half is specked paper and whose bottom half is dense dark hatching."""
    rng = np.random.default_rng(seed)
    sheet = np.full((200, 160), 0.95, dtype=np.float32)
    specks = rng.random(sheet.shape) < 0.03
    sheet[specks] = 0.6
    rows = np.arange(100, 200)[:, None]
    columns = np.arange(160)[None, :]
    sheet[100:] = np.where((rows + columns) % 6 < 3, 0.15, 0.4)
    return sheet


def test_paper_grain_finds_the_bare_paper_and_its_specks():
    grain, paper = paper_grain(_exemplar())
    assert paper[:90].mean() > 0.8 and paper[110:].mean() < 0.05
    # The grain is the specks: dark against the paper's level, zero-mean there.
    assert grain[:90][paper[:90] > 0].std() > 0.03
    assert abs(float(grain[10:90, 10:150].mean())) < 0.02


def test_grain_field_is_seeded_paper_sized_and_keeps_the_grains_contrast():
    exemplar = _exemplar()
    field = grain_field(exemplar, (150, 120), seed=1)
    assert field is not None and field.shape == (150, 120) and field.dtype == np.float32
    assert np.array_equal(field, grain_field(exemplar, (150, 120), seed=1))
    assert not np.array_equal(field, grain_field(exemplar, (150, 120), seed=2))
    grain, paper = paper_grain(exemplar)
    own = grain[paper > 0].std()
    # Overlap-add normalised by the windows' energy: the contrast of the exemplar's grain, not averaged away.
    assert 0.7 * own < field.std() < 1.3 * own
    # No hatching copied: the field has specks (-0.35 on the paper) but no dark stroke values (-0.8).
    assert field.min() > -0.6


def test_a_sheet_without_bare_paper_gives_no_grain():
    hatched = _exemplar()[100:]  # dense hatching only, nothing lighter than 0.4
    assert grain_field(hatched, (32, 32)) is None


def test_lay_grain_shows_on_light_tones_only_and_never_on_the_kept_features():
    y = np.concatenate([np.full((20, 40), 1.0), np.full((20, 40), 0.3)]).astype(np.float32)
    field = np.full((40, 40), -0.1, dtype=np.float32)
    clean = np.zeros((40, 40), dtype=np.float32)
    clean[:, :10] = 1.0
    out = lay_grain(y, field, clean)
    assert np.allclose(out[:20, 10:], 0.9)  # paper takes the full grain
    assert np.array_equal(out[20:], y[20:])  # tones under COVERED_TONE are covered by pigment
    assert np.array_equal(out[:, :10], y[:, :10])  # eyes, brows and lips stay clean
    assert COVERED_TONE < 1.0 and np.array_equal(lay_grain(y, None), y)
