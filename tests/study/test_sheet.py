"""The labelled contact sheet."""

from PIL import ImageFont

from facestyle.study import sheet
from facestyle.study.sheet import contact_sheet
from tests.conftest import read_image


def test_contact_sheet(finished_study, face_path, style_path):
    _, results, folder = finished_study
    path = contact_sheet(face_path, [style_path], results, folder / "sheet.png")
    image = read_image(path)
    assert image.width >= 2 * 256  # two columns: the widest row has two cells
    assert image.height > 3 * 256  # inputs, the layer study and the ratio study


def test_a_font_without_greek_letters_gets_them_spelled_out(finished_study, face_path, style_path, monkeypatch):
    _, results, folder = finished_study
    drawn = []
    monkeypatch.setattr(sheet, "load_font", lambda size: ImageFont.load_default(size=size))
    monkeypatch.setattr(sheet.ImageDraw.ImageDraw, "text", lambda self, xy, text, **kwargs: drawn.append(text))
    contact_sheet(face_path, [style_path], results, folder / "sheet.png")
    assert "a:b = 10:40" in drawn and "content:style ratio a:b (every lambda = 0.2)" in drawn
    assert not any(letter in text for text in drawn for letter in "αβλ")
