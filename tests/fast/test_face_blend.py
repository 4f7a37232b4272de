"""Setting a face-keeping network's face into a painting: the mask, the colour match, the blend."""

import numpy as np
import torch
from PIL import Image

from facestyle.faces.analysis import analyse_quick
from facestyle.fast.face_blend import blend_face, face_blend_mask, match_colours
from facestyle.image.io import load_image


def test_match_colours_gives_the_reference_statistics_where_weighted():
    torch.manual_seed(0)
    source = torch.rand(3, 20, 30) * 0.3 + 0.1
    reference = torch.rand(3, 20, 30) * 0.5 + 0.4
    weight = torch.zeros(20, 30)
    weight[5:15, 5:25] = 1
    matched = match_colours(source, reference, weight)
    inside = weight.bool()
    for channel in range(3):
        assert abs(float(matched[channel][inside].mean() - reference[channel][inside].mean())) < 1e-3
        assert abs(float(matched[channel][inside].std() - reference[channel][inside].std())) < 0.01


def test_the_face_is_set_in_and_the_rest_is_the_picture(portrait_path):
    photo = load_image(portrait_path)
    analysis = analyse_quick(photo)
    mask = face_blend_mask(analysis, *photo.size).numpy()
    assert mask.max() == 1.0 and 0.02 < (mask > 0).mean() < 0.6
    picture = Image.new("RGB", photo.size, (200, 40, 40))
    blended = np.asarray(blend_face(picture, photo, analysis), dtype=np.int16)
    assert (blended[mask == 0] == (200, 40, 40)).all()
    # Inside, the photo's face in the picture's colours: its detail (eyes, mouth), not a flat red,
    # and red, not the photo's skin colours.
    inside = blended[mask == 1]
    skin = np.asarray(photo, dtype=np.int16)[mask == 1]
    assert inside.std(axis=0).max() > 5
    assert abs(inside[:, 0].mean() - 200) < 20 and inside[:, 1].mean() < 80 < skin[:, 1].mean()


def test_no_face_leaves_the_picture_alone(style_path):
    painting = load_image(style_path)
    analysis = analyse_quick(painting)
    assert not analysis.has_faces
    assert blend_face(painting, painting.rotate(90), analysis) is painting
    assert face_blend_mask(analysis, 8, 6).sum() == 0
