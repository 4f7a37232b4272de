"""A real print-size run, excluded from the default suite: `bash scripts/test.sh -m slow`."""

import pytest

import facestyle
from facestyle.faces.distortion import landmark_nme
from facestyle.image.io import load_image, resize_long_side

EXAMPLES = __import__("pathlib").Path(__file__).parent.parent / "examples"
PHOTO = EXAMPLES / "faces" / "face_06_abraham_lincoln_1863.jpg"
PAINTING = EXAMPLES / "styles" / "style_vermeer_girl_with_a_pearl_earring_1665.jpg"


@pytest.mark.slow
def test_a_1024_px_portrait_is_the_512_px_one_refined_and_keeps_the_face():
    result = facestyle.stylize(PHOTO, PAINTING, size=1024)
    assert max(result.image.size) == 1024
    texture = [row for row in result.history if row["size"] == 1024]
    assert texture and all("anchor" in row for row in texture)
    assert not any("style.relu4_1" in row for row in texture)  # the deep layers stay at 512 px
    # The 90 s target on an idle 2-core CPU (BENCHMARKS.md#print-size-portraits), with room for a loaded machine.
    assert result.seconds < 240
    report = landmark_nme(resize_long_side(load_image(PHOTO), 1024), result.image)
    assert report.face_detected and report.mean_nme < 0.05
