"""The fast path's maps: strokes along edges, procedural hatching, the texture rendering of a tone."""

import numpy as np
import torch

from facestyle.sketch.exemplars import MEDIUMS
from facestyle.sketch.pencil import (
    form_directions,
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


def _streak_direction(texture: torch.Tensor) -> str:
    """Which way a texture's streaks run: the axis along which it changes least."""
    across_x = (texture[:, 1:] - texture[:, :-1]).abs().mean()
    across_y = (texture[1:, :] - texture[:-1, :]).abs().mean()
    # The paper grain under the hatching changes every pixel alike; the streaks make the difference.
    return "vertical" if across_y < 0.85 * across_x else "horizontal" if across_x < 0.85 * across_y else "neither"


def test_hatching_turns_along_the_form():
    medium = MEDIUMS["pencil"]  # a 45° hatching when there is no form to follow
    ramp = torch.linspace(0, 1, 96)
    left_to_right = ramp.repeat(96, 1)  # isophotes run vertically
    top_to_bottom = left_to_right.T.contiguous()
    down = form_directions(left_to_right, medium)
    across = form_directions(top_to_bottom, medium)
    assert torch.allclose(down.abs(), torch.full_like(down, torch.pi / 2), atol=0.05)
    assert torch.allclose(across, torch.zeros_like(across), atol=0.05)
    assert _streak_direction(hatching(96, 96, medium, 1, down)) == "vertical"
    assert _streak_direction(hatching(96, 96, medium, 1, across)) == "horizontal"
    # Flat paper has no form: the medium's own angle.
    flat = form_directions(torch.full((64, 64), 0.8), medium)
    assert torch.allclose(flat, torch.full_like(flat, torch.pi / 4), atol=1e-4)


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
