"""The patch (MRF) loss of Li & Wand (2016): every 3×3 patch of G's VGG features is pulled towards
its most similar patch of the style image's features.

A Gram matrix keeps a texture's statistics but lets strokes land anywhere; the patch loss copies
local structures (a hatched stroke, an etched line, the grain of chalk) whole. Face guidance narrows
the search: a patch over the photo's eyes looks for its match among the drawing's eye patches when
the drawing is a portrait, so eye strokes go to eyes.

The nearest neighbours are found once, at the first evaluation of a scale (the image that scale
starts from), and kept for the rest of that scale: a target that moved between the evaluations of
one L-BFGS line search would break its curvature pairs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from facestyle.faces.masks import resize_plane

#: Region groups whose patches are matched to each other: the parts of a face a drawing draws apart.
REGION_GROUPS: dict[str, int] = {
    "eyes": 0, "brows": 0, "lips": 1, "nose": 2, "skin": 2, "hair_body": 3, "background": 4,
}
#: How far a patch from another region falls behind in similarity (normalised cross-correlation
#: lies in [−1, 1], so 2 always prefers a same-region patch when the drawing has one).
REGION_PENALTY = 2.0
#: Cap on the number of style patches searched (strided when the style has more), to bound the cost.
MAX_STYLE_PATCHES = 4096
_CHUNK = 2048


def region_labels(masks: dict[str, torch.Tensor] | None, size: tuple[int, int]) -> torch.Tensor | None:
    """Per-pixel region group at ``size`` (h, w) from region masks (:data:`REGION_GROUPS`), or None."""
    if masks is None:
        return None
    groups = torch.zeros(max(REGION_GROUPS.values()) + 1, *size)
    for name, mask in masks.items():
        groups[REGION_GROUPS[name]] += resize_plane(mask.float(), *size)
    return groups.argmax(dim=0)


def _patches(features: torch.Tensor, stride: int = 1) -> torch.Tensor:
    """(1, C, H, W) → (N, C·9) 3×3 patches, row-major over the positions they are centred on."""
    return F.unfold(features, kernel_size=3, stride=stride).transpose(1, 2)[0]


class PatchLoss(nn.Module):
    """Li & Wand's E_s at one layer: mean ‖Ψ_i(G) − Ψ_NN(i)(S)‖² / 4 over G's patches i.

    Args:
        layer: the VGG layer.
        style_features: (1, C, h, w) the drawing's activations at ``layer``.
        style_labels: (h, w) region groups of the drawing, or None when it has no face.
        photo_labels: (H, W) region groups of the photo at this layer's size, or None.
    """

    def __init__(
        self,
        layer: str,
        style_features: torch.Tensor,
        style_labels: torch.Tensor | None = None,
        photo_labels: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.layer = layer
        positions = (style_features.shape[-2] - 2) * (style_features.shape[-1] - 2)
        stride = 1
        while positions // (stride * stride) > MAX_STYLE_PATCHES:
            stride += 1
        patches = _patches(style_features.detach().float(), stride)
        self.register_buffer("style_patches", patches, persistent=False)
        self.register_buffer("style_unit", F.normalize(patches, dim=1), persistent=False)
        labels = None
        photo = None
        if style_labels is not None and photo_labels is not None:
            labels = style_labels[1:-1:stride, 1:-1:stride][: _rows(style_features, stride), : _cols(style_features, stride)]
            labels = labels.reshape(-1)
            photo = photo_labels[1:-1, 1:-1].reshape(-1)
        self.style_labels = labels
        self.photo_labels = photo
        self.targets: torch.Tensor | None = None

    @torch.no_grad()
    def _match(self, generated: torch.Tensor) -> torch.Tensor:
        """The style patch each patch of ``generated`` (N, C·9) is nearest to, by cosine similarity."""
        unit = F.normalize(generated.float(), dim=1)
        chosen = []
        for start in range(0, unit.shape[0], _CHUNK):
            similarity = unit[start : start + _CHUNK] @ self.style_unit.T
            if self.style_labels is not None and self.photo_labels is not None:
                here = self.photo_labels[start : start + _CHUNK, None]
                present = torch.isin(here, self.style_labels)
                mismatch = (here != self.style_labels[None, :]) & present
                similarity = similarity - REGION_PENALTY * mismatch.float()
            chosen.append(similarity.argmax(dim=1))
        return self.style_patches[torch.cat(chosen)]

    def forward(self, features: dict[str, torch.Tensor]) -> torch.Tensor:
        generated = _patches(features[self.layer])
        if self.targets is None or self.targets.shape[0] != generated.shape[0]:
            self.targets = self._match(generated)
        return (generated - self.targets.to(generated.dtype)).float().pow(2).mean() / 4


def _rows(features: torch.Tensor, stride: int) -> int:
    return (features.shape[-2] - 3) // stride + 1


def _cols(features: torch.Tensor, stride: int) -> int:
    return (features.shape[-1] - 3) // stride + 1
