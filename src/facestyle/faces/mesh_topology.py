"""Landmark indices of the face-mesh polygons facestyle draws its masks from.

Generated once from mediapipe 0.10.21's ``FACEMESH_*`` connection sets by ``masks._mesh_polygons``
(``tests/test_masks.py`` checks that they still agree), so drawing masks needs no mediapipe import:
a machine can build masks from saved analyses without the face models.
"""

MESH_POLYGONS: dict[str, tuple[tuple[int, ...], ...]] = {'brows': ((276, 283, 282, 295, 285, 336, 296, 334, 293, 300), (46, 53, 52, 65, 55, 107, 66, 105, 63, 70)),
 'eyes': ((263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466),
          (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)),
 'lips': ((61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185),),
 'nose': ((1, 2, 4, 5, 6, 19, 45, 48, 64, 94, 97, 98, 115, 168, 195, 197, 220, 275, 278, 294, 326, 327, 344,
           440),),
 'oval': ((10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
           176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109),)}
