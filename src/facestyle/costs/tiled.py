"""A texture scale's J and its gradient computed tile by tile, so memory does not grow with the image.

At 2048 px one VGG pass keeps gigabytes of activations for its backward. Here the image is cut
into tiles, each read with a margin (``halo``) wider than the layers' receptive field, so the
features of a tile's own positions are exactly those of the whole image. The Gram matrices are
summed over all tiles first (one statistic over the whole image, as untiled, so tiles cannot
drift apart in style and leave seams); then each tile is run again with gradients, its loss being
the whole-image ∂J/∂Gram against its own part of the Gram, which gives the exact ∂J/∂pixels.
It costs one extra forward pass per evaluation.
"""

from __future__ import annotations

import math

import torch

from facestyle.costs.losses import (
    StyleLoss,
    WeightedContentLoss,
    gram_matrix,
    style_layer_cost,
)
from facestyle.costs.objective import Objective
from facestyle.features.vgg import VGG19Features

#: Margin read around each tile, in pixels: more than relu3_1's receptive radius (about 13 px),
#: and a multiple of :data:`ALIGN`.
HALO = 32
#: Tile edges fall on multiples of this, so the tiles' pooling grids are the whole image's.
ALIGN = 16

Box = tuple[int, int, int, int]


def tile_boxes(height: int, width: int, tile: int) -> list[Box]:
    """(y0, y1, x0, x1) boxes covering the image without overlap, ``tile`` rounded to :data:`ALIGN`."""
    step = max(ALIGN, tile - tile % ALIGN)
    return [(y, min(y + step, height), x, min(x + step, width))
            for y in range(0, height, step) for x in range(0, width, step)]


def _stride(layer: str) -> int:
    return 2 ** (int(layer[4]) - 1)


class TiledObjective:
    """Evaluates a texture :class:`Objective` (plain style terms, weighted content terms, anchor)
    in tiles of ``tile`` pixels; ``evaluate`` leaves ∂J/∂image in ``image.grad`` like the untiled one."""

    def __init__(self, objective: Objective, tile: int, halo: int = HALO) -> None:
        for loss in [*objective.content_losses, *objective.style_losses, *objective.extra_losses]:
            if not isinstance(loss, (StyleLoss, WeightedContentLoss)):
                raise TypeError(f"tiles cannot evaluate {type(loss).__name__}")
        self.objective = objective
        self.tile = tile
        self.halo = halo

    @property
    def encoder(self) -> VGG19Features:
        return self.objective.encoder

    def _tiles(self, image: torch.Tensor):
        """Each tile's box, its halo-extended crop of ``image`` and where its own positions start in it."""
        height, width = image.shape[-2:]
        for box in tile_boxes(height, width, self.tile):
            y0, y1, x0, x1 = box
            top, left = max(0, y0 - self.halo), max(0, x0 - self.halo)
            crop = image[..., top : min(height, y1 + self.halo), left : min(width, x1 + self.halo)]
            yield box, crop, (y0 - top, x0 - left)

    @staticmethod
    def _own(features: torch.Tensor, layer: str, box: Box, offset: tuple[int, int]) -> torch.Tensor:
        """The features of the tile's own positions at ``layer`` (of a crop starting ``offset`` before the box)."""
        s = _stride(layer)
        y0, y1, x0, x1 = box
        top, left = offset[0] // s, offset[1] // s
        return features[..., top : top + math.ceil((y1 - y0) / s), left : left + math.ceil((x1 - x0) / s)]

    def _content(self, features: dict[str, torch.Tensor], box: Box, offset, full: dict) -> dict[str, torch.Tensor]:
        """Each content term's part from this tile (the full layer's normalisation, this tile's sum)."""
        parts = {}
        for loss in self.objective.content_losses:
            s = _stride(loss.layer)
            own = self._own(features[loss.layer], loss.layer, box, offset)
            rows = slice(box[0] // s, box[0] // s + own.shape[-2])
            columns = slice(box[2] // s, box[2] // s + own.shape[-1])
            weight = loss.weight_map[..., rows, columns]
            squared = (weight * (loss.target[..., rows, columns] - own).pow(2)).sum()
            parts[loss.layer] = squared / (4 * math.prod(full[loss.layer][1:]))
        return parts

    def evaluate(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        """J and its terms at ``image`` (1, 3, H, W), accumulating ∂J/∂image into ``image.grad``."""
        objective, layers = self.objective, self.objective.layers
        height, width = image.shape[-2:]
        full = {layer: (1, 0, math.ceil(height / _stride(layer)), math.ceil(width / _stride(layer)))
                for layer in layers}
        grams: dict[str, torch.Tensor] = {}
        with torch.no_grad():
            for box, crop, offset in self._tiles(image):
                features = self.encoder(crop, layers)
                for loss in objective.style_losses:
                    part = gram_matrix(self._own(features[loss.layer], loss.layer, box, offset))
                    grams[loss.layer] = grams[loss.layer] + part if loss.layer in grams else part
        costs: dict[str, torch.Tensor] = {}
        style = image.new_zeros(())
        for loss, weight in zip(objective.style_losses, objective.style_weights):
            gram = grams[loss.layer].requires_grad_(True)
            shape = torch.Size((1, gram.shape[-1], *full[loss.layer][2:]))
            costs[f"style.{loss.layer}"] = value = style_layer_cost(loss.target * (shape[2] * shape[3]), gram, shape)
            style = style + weight * value
        if objective.style_losses:
            (objective.beta * style).backward()
        content = {loss.layer: image.new_zeros(()) for loss in objective.content_losses}
        for box, crop, offset in self._tiles(image):
            with torch.enable_grad():
                features = self.encoder(crop, layers)
                local = image.new_zeros(())
                for loss in objective.style_losses:
                    own = self._own(features[loss.layer], loss.layer, box, offset)
                    local = local + (grams[loss.layer].grad * gram_matrix(own)).sum()
                channels = {name: features[name].shape[1] for name in features}
                parts = self._content(features, box, offset, {k: (1, channels[k], *v[2:]) for k, v in full.items()})
                local = local + objective.alpha * sum(parts.values(), image.new_zeros(()))
                if local.requires_grad:
                    local.backward()
            for name, value in parts.items():
                content[name] = content[name] + value.detach()
        return self._finish(image, costs, style.detach(), content)

    def _finish(self, image: torch.Tensor, costs: dict, style: torch.Tensor, content: dict) -> dict[str, torch.Tensor]:
        """Add the content, the image terms (anchor, TV, whose gradients are cheap untiled) and J."""
        objective = self.objective
        for name, value in content.items():
            costs[f"content.{name}"] = value
        costs["content"] = total_content = sum(content.values(), image.new_zeros(()))
        costs["style"] = style
        total = objective.alpha * total_content + objective.beta * style
        with torch.enable_grad():
            extra = image.new_zeros(())
            if objective.anchor is not None:
                costs["anchor"] = anchor = objective.anchor(image)
                extra = extra + objective.anchor_weight * anchor
            if objective.tv_weight:
                from facestyle.costs.losses import total_variation

                costs["tv"] = tv = total_variation(image)
                extra = extra + objective.tv_weight * tv
            if extra.requires_grad:
                extra.backward()
        costs["total"] = total + extra.detach()
        return {name: value.detach() for name, value in costs.items()}
