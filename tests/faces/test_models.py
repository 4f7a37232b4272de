"""The mediapipe models: loaded lazily, shared safely between threads, quiet on the terminal."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from facestyle.faces.analysis import analyse
from tests.faces.conftest import GRAY, PORTRAIT


def test_importing_the_face_stage_does_not_import_mediapipe():
    names = ("analysis", "types", "detect", "mesh", "segment", "models", "masks", "overlay", "mesh_topology", "distortion")
    modules = ["facestyle.faces"] + [f"facestyle.faces.{name}" for name in names]
    code = f"import importlib, sys; [importlib.import_module(m) for m in {modules!r}]; print('mediapipe' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_threads_share_the_models_safely(portrait):
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(analyse, [PORTRAIT, PORTRAIT, GRAY]))
    np.testing.assert_array_equal(results[0].faces[0].landmarks, portrait.faces[0].landmarks)
    np.testing.assert_array_equal(results[1].faces[0].landmarks, portrait.faces[0].landmarks)
    assert len(results[2].faces) == 1


def test_mediapipe_logs_stay_off_the_terminal():
    """A fresh process: mediapipe's C++ start-up messages must not reach stderr."""
    command = [sys.executable, "-c", f"from facestyle.faces.analysis import analyse; print(len(analyse({str(PORTRAIT)!r}).faces))"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
    assert done.stderr == ""


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("FACESTYLE_MEDIAPIPE_LOGS", None)
    return env
