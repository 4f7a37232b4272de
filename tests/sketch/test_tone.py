"""Tone: histogram matching, the paper / mid / dark model, paper fade and colours."""

import numpy as np
import pytest
from PIL import Image

from facestyle.sketch import tone
from facestyle.sketch.paper import (
    KEEP_FACE,
    KEEP_FEATURES,
    Prepared,
    drawn_tone,
    keep_face,
    read_sheet,
)


def test_match_histogram_gives_the_target_histogram():
    rng = np.random.default_rng(0)
    values = rng.random((64, 64)) ** 2
    target = tone.histogram(rng.normal(0.7, 0.1, 50_000))
    matched = tone.match_histogram(values, target)
    assert abs(matched.mean() - 0.7) < 0.02 and abs(matched.std() - 0.1) < 0.02
    # the order of the values is kept
    flat, out = values.ravel(), matched.ravel()
    assert np.all(np.diff(out[np.argsort(flat)]) >= -1e-6)


def test_match_histogram_keeps_a_flat_area_flat():
    values = np.concatenate([np.ones(500), np.linspace(0, 0.9, 500)]).reshape(20, 50)
    matched = tone.match_histogram(values, tone.histogram(np.linspace(0, 1, 1000)))
    assert np.ptp(matched.ravel()[:500]) == 0


def test_tone_model_is_a_histogram_peaked_at_the_paper():
    rng = np.random.default_rng(1)
    drawing = np.concatenate([rng.normal(0.95, 0.02, 6000), rng.uniform(0.3, 0.9, 3000), rng.normal(0.1, 0.05, 1000)])
    model = tone.tone_model(np.clip(drawing, 0, 1))
    assert abs(model.sum() - 1) < 1e-9 and (model >= 0).all()
    assert abs(np.argmax(model) / tone.BINS - 0.95) < 0.05
    assert model[: tone.BINS // 2].sum() < 0.3


def test_paper_weight_fades_background_not_face():
    y = np.random.default_rng(2).random((60, 60)).astype(np.float32) * 0.2 + 0.4
    person = np.zeros((60, 60), np.float32)
    person[10:, 15:45] = 1
    face = np.zeros((60, 60), np.float32)
    face[15:35, 20:40] = 1
    weight = tone.paper_weight(person, face, y)
    assert weight[2, 2] > 0.95 and weight[25, 30] < 0.05
    faded = tone.fade_to_paper(y, weight)
    assert faded[2, 2] > 0.95 and abs(faded[25, 30] - y[25, 30]) < 0.05


def test_sheet_reads_paper_and_pigment_and_renders_grey_or_colour():
    array = np.full((40, 40, 3), (0.9, 0.75, 0.6))
    array[:10] = (0.5, 0.2, 0.1)
    sheet = read_sheet([Image.fromarray((array * 255).astype(np.uint8))])
    assert np.allclose(sheet.paper, (0.9, 0.75, 0.6), atol=0.01)
    assert np.allclose(sheet.pigment, (0.5, 0.2, 0.1), atol=0.01)
    y = np.linspace(0, 1, 100).reshape(10, 10)
    coloured = np.asarray(sheet.render(y))
    grey = np.asarray(sheet.render(y, grey=True))
    assert np.abs(coloured[-1, -1].astype(int) - (229, 191, 153)).max() <= 1
    assert (grey[..., 0] == grey[..., 1]).all() and (grey[..., 1] == grey[..., 2]).all()


def test_lighten_moves_the_histogram_towards_paper():
    target = tone.histogram(np.linspace(0, 1, 1000))
    lighter = tone.lighten(target, 0.5)
    assert abs(lighter.sum() - 1) < 1e-9
    assert lighter[: tone.BINS // 2].sum() < 1e-9  # nothing darker than half-way
    assert tone.lighten(target, 0.0) == pytest.approx(target)


def test_match_inside_gives_the_masked_pixels_the_target_and_keeps_order():
    rng = np.random.default_rng(3)
    values = rng.random((40, 40)).astype(np.float32)
    values[10:30, 10:30] *= 0.3  # a dark face
    mask = np.zeros_like(values)
    mask[10:30, 10:30] = 1
    target = tone.histogram(rng.normal(0.75, 0.08, 50_000))
    matched = tone.match_inside(values, mask, target)
    inside = matched[10:30, 10:30]
    assert abs(inside.mean() - 0.75) < 0.03 and abs(inside.std() - 0.08) < 0.03
    flat, out = values.ravel(), matched.ravel()
    assert np.all(np.diff(out[np.argsort(flat)]) >= -1e-6)  # one monotone curve for every pixel


def test_drawn_tone_draws_a_dark_face_lighter_than_the_global_match():
    rng = np.random.default_rng(4)
    y = rng.uniform(0.5, 1.0, (60, 60)).astype(np.float32)
    face = np.zeros_like(y)
    face[15:45, 15:45] = 1
    y[15:45, 15:45] = rng.uniform(0.05, 0.25, (30, 30))
    y[25:28, 20:40] = 0.0  # the eyes, darkest of the face
    target = tone.histogram(rng.uniform(0, 1, 50_000))
    no_paper = np.zeros_like(y)
    plain = drawn_tone(y, no_paper, np.zeros_like(y), target)
    drawn = drawn_tone(y, no_paper, face, target)
    assert drawn[30:45, 15:45].mean() > plain[30:45, 15:45].mean() + 0.3
    assert drawn[25:28, 20:40].mean() < drawn[30:45, 15:45].mean() - 0.2  # the eyes still dark in it
    assert np.allclose(drawn[:10], plain[:10])  # outside the face, untouched


def test_keep_face_keeps_the_fast_drawing_over_the_features_and_less_over_the_skin():
    y = np.zeros((20, 20), np.float32)
    fast = np.ones((20, 20), np.float32)
    face = np.zeros_like(y)
    face[5:15, 5:15] = 1
    features = np.zeros_like(y)
    features[8:10, 6:14] = 1
    prepared = Prepared(y, y, np.zeros_like(y), features, face, face)
    kept = keep_face(y, fast, prepared)
    assert kept[9, 10] == pytest.approx(KEEP_FEATURES) and kept[12, 10] == pytest.approx(KEEP_FACE)
    assert kept[0, 0] == 0 and KEEP_FEATURES > KEEP_FACE > 0
