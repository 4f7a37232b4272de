"""``facestyle inspect``: list a photo's faces, or measure how much a result distorts them."""

from __future__ import annotations

import argparse
from typing import Any

from facestyle.cli.options import add_debug
from facestyle.errors import OptionError


def add_command(commands: Any) -> None:
    inspect = commands.add_parser(
        "inspect",
        help="find the faces of a photo, or measure how much a result distorts them",
        description=(
            "With CONTENT alone: list its faces. With CONTENT and RESULT: say whether each face of CONTENT is "
            "still detected in RESULT, and its landmark error NME (mean distance of the 478 face-mesh landmarks "
            "divided by the distance between the outer eye corners; RESULT is resized to CONTENT's size first)."
        ),
    )
    inspect.add_argument("content", help="the face photo")
    inspect.add_argument("result", nargs="?", help="a stylised result of CONTENT")
    inspect.add_argument("--json", action="store_true", default=False, help="print JSON instead of text")
    inspect.add_argument("--overlay", metavar="FILE", help="also write CONTENT's face-region masks over it to FILE.png")
    add_debug(inspect)
    inspect.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import json

    from facestyle.faces.analysis import analyse
    from facestyle.faces.distortion import landmark_nme
    from facestyle.faces.masks import region_masks
    from facestyle.faces.overlay import render_mask_overlay
    from facestyle.image.io import check_output_path, load_image, save_image

    overlay_path = None
    if args.overlay:
        overlay_path = check_output_path(args.overlay)
        if overlay_path.suffix.lower() != ".png":
            raise OptionError(f"--overlay '{overlay_path}' must end in .png")
    # Read both images before the slow part, so a bad RESULT fails at once.
    content = load_image(args.content, what="content image")
    result = None if args.result is None else load_image(args.result, what="result image")
    analysis = analyse(content)
    report = None if result is None else landmark_nme(content, result, content_analysis=analysis)
    if overlay_path is not None:
        save_image(render_mask_overlay(content, region_masks(analysis), analysis=analysis), overlay_path)

    if args.json:
        data: dict[str, Any] = {"content": {"path": args.content, **analysis.to_dict()}}
        if report is not None:
            data["result"] = {"path": args.result, **report.to_dict()}
        print(json.dumps(data, indent=2))
        return 0
    print(f"content {args.content}: {analysis.summary()}")
    for index, face in enumerate(analysis.faces, 1):
        print(f"  face {index}: {_describe_face(face)}")
    if report is None:
        return 0
    noun = "face" if report.result_faces == 1 else "faces"
    print(f"result {args.result}: {report.result_faces} {noun} found (compared at {report.width}x{report.height})")
    if not report.faces:
        print("  nothing to compare: the content has no face")
    for distortion in report.faces:
        if not distortion.detected:
            verdict = "NOT detected in the result"
        elif distortion.nme is None:
            verdict = "detected in the result, but without landmarks on both sides: no NME"
        else:
            verdict = f"detected in the result, NME {distortion.nme:.4f}"
        print(f"  face {distortion.index + 1}: {verdict}")
    if report.mean_nme is not None:
        print(
            f"face detected: {'yes' if report.face_detected else 'no'}; NME mean {report.mean_nme:.4f}, "
            f"max {report.max_nme:.4f} (478 landmarks / outer-eye-corner distance)"
        )
    else:
        print(f"face detected: {'yes' if report.face_detected else 'no'}; NME not measurable")
    return 0


def _describe_face(face: Any) -> str:
    x0, y0, x1, y1 = face.box.as_tuple()
    text = f"box ({x0:.0f}, {y0:.0f})-({x1:.0f}, {y1:.0f}), score {face.score:.2f}"
    if face.has_mesh:
        text += f", 478 landmarks, inter-ocular {face.interocular:.1f} px, yaw {face.yaw:+.0f} deg"
        if face.is_profile:
            text += " (turned: landmarks less reliable)"
    else:
        text += ", no landmarks (the mesh could not fit this face)"
    return text
