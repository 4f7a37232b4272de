"""The costs of Gatys et al. exactly as the report writes them, as pure functions and small modules.

With a^[ℓ] a layer's activations of shape n_C × n_H × n_W:

* ``J_content = 1/(4·n_H·n_W·n_C) · ‖a^[ℓ](C) − a^[ℓ](G)‖²``
* ``G^[ℓ]_{kk'} = Σ_ij a_ijk · a_ijk'`` (unnormalised Gram matrix)
* ``J_style^[ℓ] = 1/(2·n_H·n_W·n_C)² · ‖G^[ℓ](S) − G^[ℓ](G)‖²_F``
* ``J_style = Σ_ℓ λ^[ℓ] · J_style^[ℓ]`` and ``J = α·J_content + β·J_style`` (+ optional TV).

One departure, needed because facestyle keeps aspect ratios: the report resized S and G to the
same square, so their Grams summed over the same number of positions. When the style image has
another size, its Gram is rescaled by (n_H·n_W of G) / (n_H·n_W of S) before the comparison, which
is the identity when the sizes match. All functions take batched tensors (B, C, H, W) and return
the mean over the batch, which for B = 1 is the report's value.
"""

from __future__ import annotations

import torch
from torch import nn


class _SymmetricGram(torch.autograd.Function):
    """F·Fᵀ for F (B, C, N) whose backward is one matmul: ∂L/∂F = (∂L/∂G + ∂L/∂Gᵀ)·F.

    Autograd's own backward of ``F @ Fᵀ`` makes two products, one of them (N, C) through a
    transposed batched matmul, several times slower on a CPU for the wide activations of relu1_1.

    Channels-last activations (the bf16 CPU and the GPU encoders) reach here as a transposed view,
    F = Mᵀ with M (B, N, C) contiguous. The gradient is then computed as M·S with
    S = ∂L/∂G + ∂L/∂Gᵀ and returned as its transpose, a view in F's own layout, so it matches the
    channels-last gradient coming back through the next convolution; returned (C, N)-contiguous,
    autograd would sum the two in a slow mixed-layout add (BENCHMARKS.md#report-objective-speed).
    """

    @staticmethod
    def forward(ctx, flat: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(flat)
        return flat @ flat.transpose(1, 2)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        (flat,) = ctx.saved_tensors
        symmetric = grad + grad.transpose(1, 2)
        rows = flat.transpose(1, 2)
        if rows.is_contiguous() and not flat.is_contiguous():
            return (rows @ symmetric).transpose(1, 2)  # S is symmetric: (M·S)ᵀ = S·Mᵀ
        return symmetric @ flat


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """Unnormalised Gram matrices: (B, C, H, W) → (B, C, C), G_kk' = Σ_ij a_ijk a_ijk'."""
    batch, channels, height, width = features.shape
    return _SymmetricGram.apply(features.reshape(batch, channels, height * width))


def content_cost(content: torch.Tensor, generated: torch.Tensor) -> torch.Tensor:
    """J_content for activations (B, C, H, W): ‖a(C) − a(G)‖² / (4·n_H·n_W·n_C), batch mean."""
    _, channels, height, width = generated.shape
    squared = (content - generated).pow(2).flatten(1).sum(1)
    return (squared / (4 * height * width * channels)).mean()


def style_layer_cost(style_gram: torch.Tensor, generated_gram: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """J_style^[ℓ] for Grams (B, C, C) of a layer whose activations have ``shape`` (B, C, H, W)."""
    _, channels, height, width = shape
    squared = (style_gram - generated_gram).pow(2).flatten(1).sum(1)
    return (squared / (2 * height * width * channels) ** 2).mean()


def total_variation(image: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between neighbouring pixels of (B, 3, H, W); smooths noise."""
    dx = image[..., :, 1:] - image[..., :, :-1]
    dy = image[..., 1:, :] - image[..., :-1, :]
    return dx.pow(2).mean() + dy.pow(2).mean()


class ContentLoss(nn.Module):
    """J_content at one layer against the content photo's activations (held as a buffer)."""

    def __init__(self, layer: str, target: torch.Tensor) -> None:
        super().__init__()
        self.layer = layer
        self.register_buffer("target", target.detach(), persistent=False)

    def forward(self, features: dict[str, torch.Tensor]) -> torch.Tensor:
        return content_cost(self.target, features[self.layer])


class StyleLoss(nn.Module):
    """J_style^[ℓ] at one layer against a target Gram matrix.

    The target is stored per position (Gram / (n_H·n_W) of the style image) so one target serves
    any output size; it is scaled back to the output's n_H·n_W in ``forward``.
    """

    def __init__(self, layer: str, target_gram_per_position: torch.Tensor) -> None:
        super().__init__()
        self.layer = layer
        self.register_buffer("target", target_gram_per_position.detach(), persistent=False)

    @classmethod
    def from_features(cls, layer: str, style_features: torch.Tensor) -> "StyleLoss":
        """Build the target from a style image's activations (B, C, H, W) at ``layer``."""
        height, width = style_features.shape[-2:]
        return cls(layer, gram_matrix(style_features) / (height * width))

    def forward(self, features: dict[str, torch.Tensor]) -> torch.Tensor:
        generated = features[self.layer]
        height, width = generated.shape[-2:]
        return style_layer_cost(self.target * (height * width), gram_matrix(generated), generated.shape)


def masked_gram_per_position(features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Gram matrix of one region, per unit of mask: (F·m)(F·m)ᵀ / Σm², features (B, C, H, W), mask (H, W).

    Gatys et al. 2017 ("Controlling Perceptual Factors"), spatial control: a soft mask weights the
    positions of the region, and dividing by Σm² makes the statistics comparable between regions
    (and images) of different sizes. With an all-ones mask this is gram_matrix / (H·W).
    """
    return gram_matrix(features * mask) / mask.pow(2).sum().clamp_min(1e-8)


def mask_box(mask: torch.Tensor) -> tuple[slice, slice]:
    """Row and column slices of the smallest box holding every non-zero value of ``mask`` (h, w)."""
    rows = torch.nonzero(mask.amax(dim=1) > 0).flatten()
    columns = torch.nonzero(mask.amax(dim=0) > 0).flatten()
    if rows.numel() == 0:
        return slice(0, 0), slice(0, 0)
    return slice(int(rows[0]), int(rows[-1]) + 1), slice(int(columns[0]), int(columns[-1]) + 1)


class RegionStyleLoss(nn.Module):
    """J_style^[ℓ] summed over regions: each region of G matches the Gram of its region in the style.

    Args:
        layer: the VGG layer.
        targets: (R, C, C) per-position Gram targets, one per region (from the style image's masks,
            or the whole style image's Gram repeated when the style has no such region).
        masks: (R, h, w) soft masks of the *generated* image at this layer's resolution.
        weights: (R,) region weights (style strength per region).

    With one all-ones region of weight 1 this equals :class:`StyleLoss`: the report's
    ``‖G(S) − G(G)‖²/(2·n_H·n_W·n_C)²`` is ``‖g(S) − g(G)‖²/(4·n_C²)`` for per-position Grams g.

    Each region's Gram is computed over the bounding box of its non-zero mask only. Positions
    outside it have mask 0 and add nothing, so the result is the same, but an eye's Gram then costs
    a few percent of a whole-image one instead of all of it.
    """

    def __init__(self, layer: str, targets: torch.Tensor, masks: torch.Tensor, weights: torch.Tensor) -> None:
        super().__init__()
        self.layer = layer
        self.register_buffer("targets", targets.detach(), persistent=False)
        self.register_buffer("masks", masks.detach(), persistent=False)
        self.register_buffer("weights", weights.detach(), persistent=False)
        self.boxes = [mask_box(mask) for mask in self.masks]

    def forward(self, features: dict[str, torch.Tensor]) -> torch.Tensor:
        generated = features[self.layer]
        channels = generated.shape[1]
        total = generated.new_zeros(())
        for target, mask, weight, (rows, columns) in zip(self.targets, self.masks, self.weights, self.boxes):
            gram = masked_gram_per_position(generated[..., rows, columns], mask[rows, columns])
            total = total + weight * (target - gram).pow(2).flatten(1).sum(1).mean()
        return total / (4 * channels**2)


class WeightedContentLoss(nn.Module):
    """J_content with a spatial weight map (1, 1, h, w): Σ w·(a(C) − a(G))² / (4·n_H·n_W·n_C).

    A map of ones is the report's J_content; face protection raises it over the eyes, brows, lips
    and the face outline so those keep the photo's geometry.
    """

    def __init__(self, layer: str, target: torch.Tensor, weight_map: torch.Tensor) -> None:
        super().__init__()
        self.layer = layer
        self.register_buffer("target", target.detach(), persistent=False)
        self.register_buffer("weight_map", weight_map.detach(), persistent=False)

    def forward(self, features: dict[str, torch.Tensor]) -> torch.Tensor:
        generated = features[self.layer]
        _, channels, height, width = generated.shape
        squared = (self.weight_map * (self.target - generated).pow(2)).flatten(1).sum(1)
        return (squared / (4 * height * width * channels)).mean()
