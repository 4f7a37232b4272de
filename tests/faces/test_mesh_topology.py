"""The mesh polygons the masks are drawn from, and their derivation from mediapipe's contours."""

from facestyle.faces.masks import mesh_polygons
from facestyle.faces.mesh_topology import (
    MESH_POLYGONS,
    _chains,
    _outline,
    polygons_from_mediapipe,
)


def test_mesh_polygons_come_from_mediapipe_contours():
    polygons = mesh_polygons()
    assert len(polygons["oval"][0]) == 36 and polygons["oval"][0][0] == 10
    left_eye, right_eye = polygons["eyes"]
    assert {263, 362} <= set(left_eye) and {33, 133} <= set(right_eye) and len(left_eye) == 16
    assert {0, 17, 61, 291} <= set(polygons["lips"][0]) and 13 not in polygons["lips"][0]
    assert all(len(brow) == 10 for brow in polygons["brows"])


def test_chains_and_outline_on_a_toy_contour():
    # Two lids from corner 1 to corner 4, like an eye.
    edges = {(1, 2), (2, 4), (1, 3), (3, 4)}
    assert sorted(map(tuple, _chains(edges))) == [(1, 2, 4), (1, 3, 4)]
    assert _outline(edges) == (1, 2, 4, 3)
    assert _outline({(5, 6), (6, 7), (7, 5)}) == (5, 6, 7)


def test_stored_mesh_polygons_match_mediapipe():
    assert polygons_from_mediapipe() == MESH_POLYGONS
