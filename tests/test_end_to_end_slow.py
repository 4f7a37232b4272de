"""Real-size runs, excluded from the default suite: `bash scripts/test.sh -m slow`."""

import pytest

import facestyle
from facestyle.faces.distortion import landmark_nme
from facestyle.image.io import load_image, resize_long_side

EXAMPLES = __import__("pathlib").Path(__file__).parent.parent / "examples"
PHOTO = EXAMPLES / "face_04_christina_koch_nasa_2014.jpg"
PAINTING = EXAMPLES / "style_vangogh_selfportrait_1889.jpg"


@pytest.mark.slow
def test_default_run_on_the_demo_pair_keeps_the_face():
    result = facestyle.stylize(PHOTO, PAINTING, size=256, steps=120)
    assert result.history[-1]["total"] < 0.5 * result.history[0]["total"]
    report = landmark_nme(resize_long_side(load_image(PHOTO), 256), result.image)
    assert report.face_detected and report.mean_nme < 0.08


@pytest.mark.slow
def test_face_aware_run_on_the_demo_pair_keeps_the_face():
    result = facestyle.stylize(PHOTO, PAINTING, size=256, steps=120, face_aware=True)
    report = landmark_nme(resize_long_side(load_image(PHOTO), 256), result.image)
    assert report.face_detected and report.mean_nme < 0.08


@pytest.mark.slow
def test_fast_mode_at_512_px_keeps_the_face_and_reuses_its_models():
    import time

    facestyle.stylize(PHOTO, PAINTING, method="fast", size=512)  # load the network and the face models
    started = time.perf_counter()
    result = facestyle.stylize(PHOTO, PAINTING, method="fast", size=512)
    seconds = time.perf_counter() - started
    report = landmark_nme(resize_long_side(load_image(PHOTO), 512), result.image)
    assert report.face_detected and report.mean_nme < 0.05
    # 0.2 s on an idle 2-core CPU (BENCHMARKS.md#fast-mode); a bound a loaded machine also meets,
    # which a run that rebuilt the network or re-measured the painting would not.
    assert seconds < 5.0
