"""The fast path's maps: strokes along edges, procedural hatching, the texture rendering of a tone."""

import numpy as np
import torch

from facestyle.sketch.exemplars import MEDIUMS
from facestyle.sketch.pencil import (
    hatching,
    line_kernels,
    pencil_drawing,
    stroke_map,
    texture_exponent,
)


def test_line_kernels_are_unit_lines_in_eight_directions():
    kernels = line_kernels(9, 1)
    assert kernels.shape == (8, 1, 9, 9)
    assert torch.allclose(kernels.sum(dim=(1, 2, 3)), torch.ones(8))
    assert kernels[0, 0, 4].sum() > kernels[0, 0, 3].sum() > kernels[0, 0, 2].sum() == 0  # horizontal first


def test_stroke_map_draws_edges_and_leaves_flat_paper():
    y = torch.ones(64, 64)
    y[:, 32:] = 0.2
    strokes = stroke_map(y, MEDIUMS["pencil"])
    assert strokes.shape == (64, 64)
    assert strokes[:, 31:33].mean() < 0.5
    assert strokes[:, :20].min() > 0.99 and strokes[:, 44:].min() > 0.99


def test_hatching_is_seeded_streaky_and_mid_toned():
    for medium in MEDIUMS.values():
        texture = hatching(96, 80, medium, seed=3)
        assert texture.shape == (96, 80) and 0.6 < float(texture.mean()) < 0.8
        assert torch.equal(texture, hatching(96, 80, medium, seed=3))
        assert not torch.equal(texture, hatching(96, 80, medium, seed=4))


def test_texture_exponent_renders_the_tone():
    tone = torch.linspace(0.2, 1.0, 64).repeat(64, 1)
    texture = hatching(64, 64, MEDIUMS["pencil"])
    rendered = texture.pow(texture_exponent(tone, texture, 0.2))
    # dark tones need more layers of hatching: the rendering follows the tone column by column
    columns = rendered.mean(dim=0)
    assert columns[:8].mean() < 0.4 and columns[-8:].mean() > 0.9
    assert abs(float(rendered.mean() - tone.mean())) < 0.08


def test_pencil_drawing_keeps_size_and_range():
    rng = np.random.default_rng(0)
    tone = rng.random((50, 40)).astype(np.float32)
    out = pencil_drawing(tone, tone, MEDIUMS["ink"], seed=1)
    assert out.shape == (50, 40) and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1


def test_pencil_drawing_hatches_the_skin_less_and_keeps_feature_lines():
    rng = np.random.default_rng(5)
    structure = (rng.random((96, 96)) * 0.1 + 0.5).astype(np.float32)  # pores and stubble
    structure[40:44, 30:66] = 0.05  # a mouth
    tone = np.full((96, 96), 0.6, np.float32)
    face = np.zeros_like(tone)
    face[16:80, 16:80] = 1
    features = np.zeros_like(tone)
    features[36:48, 26:70] = 1
    plain = pencil_drawing(tone, structure, MEDIUMS["pencil"], seed=2)
    drawn = pencil_drawing(tone, structure, MEDIUMS["pencil"], seed=2, face=face, features=features)
    skin_plain, skin = plain[56:76, 20:76], drawn[56:76, 20:76]
    assert skin.std() < 0.6 * skin_plain.std() and skin.mean() > skin_plain.mean()
    assert drawn[38:46, 34:62].min(axis=1).mean() < skin.mean() - 0.15  # the mouth still drawn
    assert np.array_equal(drawn[:10], plain[:10])  # outside the face, the same drawing
