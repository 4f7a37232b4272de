"""The one-pass methods as runs use them: fast (MicroAST and the face step) and adain (AdaIN's picture, fast's face)."""

import numpy as np
import pytest
from PIL import Image

import facestyle
from facestyle.errors import OptionError
from facestyle.faces.analysis import analyse_quick
from facestyle.faces.types import NO_FACE_NOTICE
from facestyle.fast import paint
from facestyle.fast.face_blend import face_blend_mask
from facestyle.image.io import load_image, resize_long_side
from tests.conftest import DATA

PORTRAIT = DATA / "face_koch_256.jpg"
PAINTING = DATA / "style_vermeer_256.jpg"


def _pixels(image):
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def test_fast_keeps_the_photos_size_and_puts_the_face_detail_back():
    aware = facestyle.stylize(PORTRAIT, PAINTING, method="fast", size=128)
    plain = facestyle.stylize(PORTRAIT, PAINTING, method="fast", size=128, face_aware=False)
    assert aware.image.size == plain.image.size and max(aware.image.size) == 128
    assert aware.notes == () and aware.history == []
    differs = np.abs(_pixels(aware.image) - _pixels(plain.image)).max(axis=2) > 0
    # The face step changes the face features only: a small part of the picture, not nothing.
    assert 0.001 < differs.mean() < 0.3


@pytest.mark.parametrize("method", ["fast", "adain"])
def test_a_one_pass_run_resizes_the_original_photo_once(method, monkeypatch):
    # Resizing a phone photo takes a tenth of a second; the network paints the photo as the run
    # already resized it.
    photo = load_image(PORTRAIT).resize((768, 768))
    resized_from = []
    original = Image.Image.resize

    def counting(image, *args, **kwargs):
        resized_from.append(image.size)
        return original(image, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "resize", counting)
    result = facestyle.stylize(photo, PAINTING, method=method, size=96)
    assert max(result.image.size) == 96
    assert resized_from.count((768, 768)) == 1


def test_the_fast_preview_of_a_slow_run_adds_no_resize_of_the_original(monkeypatch):
    photo = load_image(PORTRAIT).resize((768, 768))
    counts = []
    original = Image.Image.resize
    for preview in (False, True):
        resized_from = []

        def counting(image, *args, **kwargs):
            resized_from.append(image.size)
            return original(image, *args, **kwargs)

        monkeypatch.setattr(Image.Image, "resize", counting)
        events = []
        facestyle.stylize(photo, PAINTING, method="gatys", size=64, steps=1, fast_preview=preview,
                          progress=events.append)
        assert (events[0].step == 0) == preview
        counts.append(resized_from.count((768, 768)))
    assert counts[1] == counts[0]


def test_adain_paints_the_picture_and_sets_the_fast_face_into_it():
    aware = facestyle.stylize(PORTRAIT, PAINTING, method="adain", size=128)
    plain = facestyle.stylize(PORTRAIT, PAINTING, method="adain", size=128, face_aware=False)
    fast = facestyle.stylize(PORTRAIT, PAINTING, method="fast", size=128)
    assert aware.image.size == plain.image.size == fast.image.size and aware.notes == ()
    # Outside the faces, AdaIN's picture; over them, the fast painting's face in the picture's colours.
    photo = resize_long_side(load_image(PORTRAIT), 128)
    mask = face_blend_mask(analyse_quick(photo), *aware.image.size).numpy()
    differs = np.abs(_pixels(aware.image) - _pixels(plain.image)).max(axis=2)
    assert (differs[mask == 0] <= 1).all()
    assert differs[mask > 0.9].mean() > 5
    # The face's detail is the fast painting's (colours apart): its local contrast, not AdaIN's.
    core = mask > 0.9
    def detail(image):
        grey = _pixels(image).mean(axis=2)
        return np.abs(np.diff(grey, axis=1))[core[:, 1:]].mean()
    assert abs(detail(aware.image) - detail(fast.image)) < abs(detail(plain.image) - detail(fast.image))


def test_fast_on_a_faceless_photo_says_so_and_still_paints(style_path):
    result = facestyle.stylize(style_path, PAINTING, method="fast", size=64)
    assert result.notes == (NO_FACE_NOTICE,) and max(result.image.size) == 64


def test_one_pass_strength_stops_at_one():
    with pytest.raises(OptionError, match="between 0 and 1 for method fast"):
        facestyle.stylize(PORTRAIT, PAINTING, method="fast", strength=2.0, size=64)
    photo_like = facestyle.stylize(PORTRAIT, PAINTING, method="fast", strength=0.0, size=64, face_aware=False)
    painted = facestyle.stylize(PORTRAIT, PAINTING, method="fast", strength=1.0, size=64, face_aware=False)
    photo = facestyle.stylize(PORTRAIT, PAINTING, method="fast", strength=0.0, size=64, face_aware=False,
                              preserve_color="luminance")
    assert not np.array_equal(_pixels(photo_like.image), _pixels(painted.image))
    assert photo.image.size == painted.image.size


def test_a_paintings_style_signals_are_measured_once(monkeypatch):
    paint._signals.clear()
    measured = []
    microast = paint.cached_microast(None, "cpu", "auto")
    real_signal = type(microast).style_signal
    monkeypatch.setattr(type(microast), "style_signal",
                        lambda self, image: measured.append("microast") or real_signal(self, image))
    first = facestyle.stylize(PORTRAIT, PAINTING, method="adain", size=64)
    again = facestyle.stylize(PORTRAIT, PAINTING, method="adain", size=64)
    assert measured.count("microast") == 1  # the store answers the second run
    assert np.array_equal(_pixels(first.image), _pixels(again.image))
    assert len(paint._signals) == 2  # MicroAST's signal and AdaIN's statistics


def test_a_gatys_run_can_report_the_fast_picture_first():
    events = []
    facestyle.stylize(PORTRAIT, PAINTING, size=48, steps=2, scales=1, fast_preview=True, progress=events.append)
    assert [event.step for event in events] == [0, 1, 2]
    assert events[0].costs == {} and events[0].image().size == events[-1].image().size


def test_the_fast_picture_comes_before_the_full_face_analysis_and_is_the_fast_run(monkeypatch):
    # The full analysis of photo and painting takes longer than the fast picture: the picture goes
    # first, with the quick analysis, so it is the very picture method="fast" paints.
    from facestyle import engine

    order = []
    analyse_faces = engine._analyse_faces

    def recorded(*args, **kwargs):
        order.append("analysis")
        return analyse_faces(*args, **kwargs)

    monkeypatch.setattr(engine, "_analyse_faces", recorded)
    events = []
    facestyle.stylize(PORTRAIT, PAINTING, size=48, steps=1, scales=1, fast_preview=True,
                      progress=lambda event: (order.append(event.step), events.append(event)))
    assert order == [0, "analysis", 1]
    fast = facestyle.stylize(PORTRAIT, PAINTING, method="fast", size=48)
    assert np.array_equal(_pixels(events[0].image()), _pixels(fast.image))


def test_a_face_less_photo_is_analysed_once_when_the_fast_picture_comes_first(monkeypatch):
    # The quick analysis of a photo without a face falls back to the full one; the run reuses it.
    from facestyle.faces import analysis, guide

    calls = []
    full = analysis.analyse

    def counted(image, *args, **kwargs):
        calls.append(image.size)
        return full(image, *args, **kwargs)

    monkeypatch.setattr(analysis, "analyse", counted)
    monkeypatch.setattr(guide, "analyse", counted)
    noise = np.random.default_rng(7).integers(0, 255, (64, 96, 3), dtype=np.uint8)  # new pixels: no kept analysis
    events = []
    result = facestyle.stylize(Image.fromarray(noise), PAINTING, size=48, steps=1, scales=1, fast_preview=True,
                               progress=events.append)
    assert events[0].step == 0 and NO_FACE_NOTICE in result.notes
    assert len(calls) == 1
