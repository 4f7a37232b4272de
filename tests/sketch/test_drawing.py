"""facestyle.sketch: the fast and full paths, their progress events, defaults and bad input."""

import numpy as np
import pytest

import facestyle
from facestyle.errors import InputImageError, OptionError
from facestyle.sketch.exemplars import MEDIUMS, default_exemplar_path, load_exemplars


def test_every_medium_has_a_bundled_drawing():
    for name in MEDIUMS:
        path = default_exemplar_path(name)
        assert path.is_file(), path
        assert load_exemplars(None, name)[0].mode == "RGB"
    assert "SOURCES.md" in {p.name for p in default_exemplar_path("ink").parent.iterdir()}


@pytest.mark.parametrize("medium", list(MEDIUMS))
def test_fast_sketch_reports_one_step_and_keeps_size(medium, portrait_path):
    events = []
    result = facestyle.sketch(portrait_path, medium=medium, quality="fast", size=128, progress=events.append)
    assert result.image.size == (96, 128)
    assert [(e.step, e.total_steps) for e in events] == [(1, 1)]
    assert events[0].image().size == (96, 128)
    array = np.asarray(result.image, dtype=np.float32) / 255
    assert array.mean() > 0.5  # mostly paper


def test_fast_sketch_fades_the_background_to_paper(portrait_path):
    result = facestyle.sketch(portrait_path, quality="fast", size=128, grey=True)
    array = np.asarray(result.image)
    assert (array[..., 0] == array[..., 2]).all()
    corner = array[:12, :12, 0].astype(float)
    assert corner.mean() >= np.percentile(array[..., 0], 80)


def test_full_sketch_shows_the_fast_drawing_first_then_optimises(portrait_path):
    events = []
    result = facestyle.sketch(
        portrait_path, medium="ink", size=64, steps=3, scales=1, texture="both", progress=events.append
    )
    assert events[0].step == 0 and events[0].image().size == result.image.size
    assert [e.step for e in events[1:]] == [1, 2, 3]
    assert "patch" in result.history[-1] and "style" in result.history[-1]
    assert events[-1].image().size == (48, 64)


@pytest.mark.parametrize("texture, has_gram, has_patch", [("gram", True, False), ("patch", False, True)])
def test_texture_choice_sets_the_terms(texture, has_gram, has_patch, portrait_path):
    result = facestyle.sketch(portrait_path, size=48, steps=1, scales=1, texture=texture)
    costs = result.history[-1]
    assert ("patch" in costs) == has_patch
    assert (costs["style"] > 0) == has_gram


def test_own_exemplar_and_plain_run(face_path, style_path):
    result = facestyle.sketch(face_path, exemplar=[style_path, style_path], size=40, steps=1, scales=1,
                              face_aware=False)
    assert result.image.size[1] == 40 or result.image.size[0] == 40


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"medium": "crayon"}, OptionError, "unknown medium 'crayon'"),
        ({"quality": "best"}, OptionError, "unknown quality"),
        ({"texture": "mrf"}, OptionError, "unknown texture"),
        ({"size": 0}, OptionError, "size must be between"),
        ({"exemplar": "/nonexistent/drawing.jpg"}, InputImageError, "does not exist"),
    ],
)
def test_bad_options(options, error, message, face_path):
    with pytest.raises(error, match=message):
        facestyle.sketch(face_path, **{"quality": "fast", **options})


def test_bad_photo(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(InputImageError, match="empty"):
        facestyle.sketch(tmp_path / "empty.jpg", quality="fast")
