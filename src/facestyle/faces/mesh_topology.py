"""Landmark indices of the face-mesh polygons facestyle draws its masks from.

:data:`MESH_POLYGONS` was generated from mediapipe 0.10.21's ``FACEMESH_*`` connection sets by
:func:`polygons_from_mediapipe` (``tests/faces/test_mesh_topology.py`` checks that they still
agree), so drawing masks needs no mediapipe import: a machine can build masks from saved analyses
without the face models.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

#: Closed polygons of the mesh: ``oval``, ``eyes``, ``brows``, ``lips`` and ``nose`` (a point set
#: whose convex hull is filled).
MESH_POLYGONS: dict[str, tuple[tuple[int, ...], ...]] = {'brows': ((276, 283, 282, 295, 285, 336, 296, 334, 293, 300), (46, 53, 52, 65, 55, 107, 66, 105, 63, 70)),
 'eyes': ((263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466),
          (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)),
 'lips': ((61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185),),
 'nose': ((1, 2, 4, 5, 6, 19, 45, 48, 64, 94, 97, 98, 115, 168, 195, 197, 220, 275, 278, 294, 326, 327, 344,
           440),),
 'oval': ((10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
           176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109),)}


def polygons_from_mediapipe() -> dict[str, tuple[tuple[int, ...], ...]]:
    """:data:`MESH_POLYGONS` derived afresh from mediapipe's contour sets (imports mediapipe)."""
    from mediapipe.python.solutions import face_mesh_connections as c

    lips = _chains(c.FACEMESH_LIPS)
    # FACEMESH_LIPS holds the outer and the inner lip lines; the mouth region is the outer one
    # (the opening of an open mouth belongs to the mouth): the two chains between the mouth
    # corners of which one runs through landmark 0, the top of the upper lip.
    ends = next((chain[0], chain[-1]) for chain in lips if 0 in chain)
    outer = [chain for chain in lips if (chain[0], chain[-1]) == ends]
    outer_edges = {(a, b) for chain in outer for a, b in zip(chain, chain[1:])}
    nose = sorted({i for edge in c.FACEMESH_NOSE for i in edge})
    return {
        "oval": (_outline(c.FACEMESH_FACE_OVAL),),
        "eyes": (_outline(c.FACEMESH_LEFT_EYE), _outline(c.FACEMESH_RIGHT_EYE)),
        "brows": (_outline(c.FACEMESH_LEFT_EYEBROW), _outline(c.FACEMESH_RIGHT_EYEBROW)),
        "lips": (_outline(outer_edges),),
        # The nose set is a tree (bridge plus nostril wings), not a contour: use its convex hull.
        "nose": (tuple(nose),),
    }


def _chains(edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Follow directed edges (a, b) into chains of landmark indices that stop where paths fork or meet.

    A directed cycle (every point with one edge in and one out) becomes one chain starting at its
    smallest index, without repeating it at the end.
    """
    outgoing: dict[int, list[int]] = defaultdict(list)
    incoming: dict[int, int] = defaultdict(int)
    for a, b in sorted(set(edges)):
        outgoing[a].append(b)
        incoming[b] += 1
    nodes = set(outgoing) | set(incoming)
    starts = sorted(n for n in nodes if incoming[n] != 1 or len(outgoing[n]) != 1)
    if not starts:
        starts = [min(nodes)]
    used: set[tuple[int, int]] = set()
    chains = []
    for start in starts:
        for nxt in outgoing[start]:
            if (start, nxt) in used:
                continue
            used.add((start, nxt))
            chain = [start]
            current = nxt
            while current != start:
                chain.append(current)
                if incoming[current] != 1 or len(outgoing[current]) != 1:
                    break
                edge = (current, outgoing[current][0])
                if edge in used:
                    break
                used.add(edge)
                current = edge[1]
            chains.append(chain)
    return chains


def _outline(edges: Iterable[tuple[int, int]]) -> tuple[int, ...]:
    """One closed polygon from a contour set.

    mediapipe's sets are either one directed cycle (the face oval) or two chains running the same
    way: the two lids of an eye (sharing their corners), the upper and lower lines of a brow, the
    upper and lower halves of a lip line. One chain followed by the other reversed walks round.
    """
    chains = _chains(edges)
    if len(chains) == 1:
        return tuple(chains[0])
    if len(chains) != 2:
        raise ValueError(f"expected one or two chains, got {len(chains)}")
    first, second = chains
    back = second[::-1]
    if back[0] == first[-1]:
        back = back[1:]
    if back and back[-1] == first[0]:
        back = back[:-1]
    return tuple(first + back)
