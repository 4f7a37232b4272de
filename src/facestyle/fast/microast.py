"""MicroAST fast mode (Wang et al., AAAI 2023): micro encoders, a style signal, a modulated micro decoder.

No VGG at inference. A content encoder (9×9 conv, two depthwise-separable stride-2 stages, two
residual blocks) maps the photo to 64 channels at a quarter of its size. A style encoder of the same
shape maps the painting to two feature levels, and a modulator turns each level into a per-channel
weight ``w`` and bias ``b`` (a depthwise 3×3 conv, then the spatial mean). The decoder's two residual
blocks are modulated twice ("dual modulation"): the features get the painting's channel statistics
(AdaIN), and every conv output ``y = conv(x)`` becomes ``w·y + b·x``. Two bilinear ×2 upsamplings
with grouped 3×3 and pointwise convs and a 9×9 conv bring it back to RGB. Images are RGB in [0, 1]
with no normalisation; every conv pads by reflection, as the weights were trained.

Everything a painting contributes is 8 vectors of 64 numbers (:class:`StyleSignal`), computed once
per painting and reused for any photo. A few rewrites (folded modulation, blocked and dense convs,
the upsamplings computed inside the convs after them) make the CPU pass faster with the same result
up to float rounding (BENCHMARKS.md#fast-mode).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache

import torch
from torch import nn
from torch.nn import functional as F

from facestyle.errors import OptionError, did_you_mean
from facestyle.features.encoder import compute_dtype
from facestyle.features.weights import load_microast_state_dicts
from facestyle.settings import PRECISIONS

#: Long side of the images a style signal is measured on (the painting, and the photo for
#: ``strength`` < 1). The signal is channel statistics pooled over the whole image, so it barely
#: depends on the side (256 to 1024 px paint alike); 256 px costs a quarter of 512 px and is the crop
#: size the network was trained on.
STYLE_SIDE = 256
CHANNELS = 64


class _Conv(nn.Module):
    """A conv padded by reflection by half its kernel (``conv_layer`` is the state dicts' name)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int = 1, groups: int = 1) -> None:
        super().__init__()
        self.pad = kernel // 2
        self.conv_layer = nn.Conv2d(in_channels, out_channels, kernel, stride, groups=groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        conv = self.conv_layer
        if conv.kernel_size == (1, 1) and conv.groups == 1 and _is_nhwc(x):
            # A pointwise conv on channels-last memory is one matrix product over the pixels; the
            # conv call takes a slower generic path for 1×1 kernels.
            return _nchw(F.linear(_nhwc(x), conv.weight.flatten(1), conv.bias))
        return conv(_reflect(x, self.pad))

    def modulated(self, weight: torch.Tensor, bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Kernel and bias of ``x ↦ weight·conv(x) + bias·x`` for per-channel ``weight``/``bias`` (C,).

        The filter modulation is linear in x, so it is one conv: the kernel scaled by ``weight`` plus
        ``bias`` at the centre tap of each channel's own input (reflection padding never reaches the
        centre tap, so this is exact).
        """
        conv = self.conv_layer
        kernel = conv.weight * weight.view(-1, 1, 1, 1).to(conv.weight.dtype)
        centre, channels = conv.kernel_size[0] // 2, torch.arange(kernel.shape[0])
        kernel[channels, channels, centre, centre] += bias.to(kernel.dtype)
        return kernel.contiguous(memory_format=torch.channels_last), conv.bias * weight.to(kernel.dtype)

    def _derived(self, make: Callable[[torch.Tensor, torch.Tensor], tuple]) -> tuple:
        """``make(weight, bias)``, cached until the weights change (a load, a dtype or device move).

        Made outside inference mode, so a model that painted can also be tuned through
        (:mod:`facestyle.fast.signal_tuning`): autograd refuses tensors made in inference mode.
        """
        weight, bias = self.conv_layer.weight, self.conv_layer.bias
        key = (weight.data_ptr(), weight._version, weight.dtype, weight.device)
        cached = self.__dict__.get("_derived_cache")
        if cached is None or cached[0] != key:
            with torch.inference_mode(False), torch.no_grad():
                cached = self.__dict__["_derived_cache"] = (key, make(weight, bias))
        return cached[1]


class _ToRGB(_Conv):
    """The decoder's last conv (16 → 3 channels, 9×9, full resolution), run on 2×2 pixel blocks.

    Three output channels leave most of a CPU's vector lanes idle, so the same conv is computed as
    a 5×5 conv from the 64 channels of the pixel-unshuffled input to the 12 of the unshuffled
    output: 1.2 times the arithmetic in a shape oneDNN runs several times faster.
    """

    BLOCK = 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = self.BLOCK
        if x.shape[-1] % k or x.shape[-2] % k or not _is_nhwc(x):
            return super().forward(x)
        kernel, bias = self._derived(lambda weight, bias: _blocked_kernel(weight, bias, k))
        n, _, height, width = x.shape
        padded = _nhwc(_reflect(x, kernel.shape[-1] // 2 * k))
        rows, cols, channels = padded.shape[1] // k, padded.shape[2] // k, padded.shape[3]
        # Unshuffle in channels-last memory with channels ordered (row phase, column phase, channel),
        # so every copy moves whole runs of channels; then the same for the output.
        blocks = padded.view(n, rows, k, cols, k, channels).permute(0, 1, 3, 2, 4, 5).reshape(n, rows, cols, -1)
        out = _nhwc(F.conv2d(_nchw(blocks), kernel, bias))
        out = out.reshape(n, height // k, width // k, k, k, -1).permute(0, 1, 3, 2, 4, 5)
        return _nchw(out.reshape(n, height, width, -1))


class _Dense(_Conv):
    """A grouped conv with one or two inputs per group (the encoders' stride-2 stages, the
    decoder's full-resolution stage) run as the same conv with a block-diagonal dense kernel:
    16 to 32 times the arithmetic, yet a half to a quarter of the time in oneDNN, whose grouped
    kernels with so few channels per group leave the vector units idle."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        conv = self.conv_layer
        kernel, bias = self._derived(lambda weight, bias: (_block_diagonal(weight, conv.groups), bias))
        return F.conv2d(_reflect(x, self.pad), kernel, bias, stride=conv.stride)


class _Upsampled(_Conv):
    """The decoder's bilinear ×2 upsampling and the 3×3 conv after it, computed at the input's size.

    Each of the four output phases (row parity, column parity) of "upsample, then conv" is a 3×3
    conv of the input itself, since both steps are linear and shift-invariant: one conv with four
    times the output channels and a pixel shuffle replace the upsampling, which on a CPU costs as
    much as the conv, and the conv over four times the pixels. ``dense`` runs it with the
    block-diagonal dense kernel (as :class:`_Dense`). The input is padded by repetition, which is
    what the upsampling does at the edges; the conv's reflection padding of the upsampled image
    differs from that on the outermost row and column only, so those are computed the plain way
    from the input's two outer rows and columns.
    """

    def __init__(self, in_channels: int, out_channels: int, *, groups: int, dense: bool) -> None:
        super().__init__(in_channels, out_channels, 3, groups=groups)
        self.dense = dense

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if min(x.shape[-2:]) < 2:
            return self._plain(x)
        kernel, bias, _ = self._derived(self._kernels)
        groups = 1 if self.dense else self.conv_layer.groups
        out = F.pixel_shuffle(F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), kernel, bias, groups=groups), 2)
        out[..., 0, :] = self._plain(x[..., :2, :])[..., 0, :]
        out[..., -1, :] = self._plain(x[..., -2:, :])[..., -1, :]
        out[..., :, 0] = self._plain(x[..., :, :2])[..., :, 0]
        out[..., :, -1] = self._plain(x[..., :, -2:])[..., :, -1]
        return out

    def _plain(self, x: torch.Tensor) -> torch.Tensor:
        """Upsample, reflection-pad, conv: the network as written."""
        _, _, kernel = self._derived(self._kernels)
        upsampled = F.interpolate(x, scale_factor=2, mode="bilinear")
        return F.conv2d(_reflect(upsampled, 1), kernel, self.conv_layer.bias, groups=1 if self.dense else self.conv_layer.groups)

    def _kernels(self, weight: torch.Tensor, bias: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(phase kernel, phase bias, plain kernel); the plain kernel dense when ``self.dense``."""
        plain = _block_diagonal(weight, self.conv_layer.groups) if self.dense else weight
        return _phase_kernel(plain), bias.repeat_interleave(4), plain


class _Residual(nn.Module):
    """Two 3×3 convs with a skip; the decoder's blocks run with the kernels :meth:`fold` gives."""

    def __init__(self, channels: int = CHANNELS) -> None:
        super().__init__()
        self.conv1 = _Conv(channels, channels, 3)
        self.conv2 = _Conv(channels, channels, 3)

    def forward(self, x: torch.Tensor, folded: tuple[torch.Tensor, ...] | None = None) -> torch.Tensor:
        if folded is None:
            return x + self.conv2(F.relu(self.conv1(x), inplace=True))
        kernel1, bias1, kernel2, bias2 = folded
        hidden = F.relu(F.conv2d(_reflect(x, 1), kernel1, bias1), inplace=True)
        return F.conv2d(_reflect(hidden, 1), kernel2, bias2).add_(x)

    def fold(self, weight: torch.Tensor, bias: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Both convs with one level's filter modulation ``w·conv(x) + b·x`` folded in."""
        weight, bias = weight.flatten(), bias.flatten()
        return (*self.conv1.modulated(weight, bias), *self.conv2.modulated(weight, bias))


@dataclass(frozen=True)
class StyleSignal:
    """What a painting contributes, all (1, 64, 1, 1) float32: the channel means and standard
    deviations of its two feature levels (feature modulation) and the modulator's filter weights and
    biases for each level (filter modulation)."""

    mean1: torch.Tensor
    std1: torch.Tensor
    mean2: torch.Tensor
    std2: torch.Tensor
    weight1: torch.Tensor
    bias1: torch.Tensor
    weight2: torch.Tensor
    bias2: torch.Tensor

    @staticmethod
    def blend(signals: Sequence[StyleSignal], weights: Sequence[float]) -> StyleSignal:
        """The weighted sum of several signals, field by field (weights summing to 1).

        Each field acts per channel and (nearly) affinely in the decoder, so the mix moves smoothly
        from one painting to another, or from the photo's own signal to a painting's.
        """
        if len(signals) != len(weights) or not signals:
            raise ValueError(f"{len(signals)} style signals but {len(weights)} weights")
        mixed = {f.name: sum(w * getattr(s, f.name) for s, w in zip(signals, weights)) for f in fields(StyleSignal)}
        return StyleSignal(**mixed)

    def to(self, dtype: torch.dtype) -> StyleSignal:
        return StyleSignal(**{f.name: getattr(self, f.name).to(dtype) for f in fields(StyleSignal)})


class Encoder(nn.Module):
    """RGB (B, 3, H, W) → two feature levels (B, 64, H/4, W/4): after ``enc1`` and after ``enc2``."""

    def __init__(self) -> None:
        super().__init__()
        self.enc1 = nn.Sequential(
            _Conv(3, 16, 9), nn.ReLU(inplace=True),
            _Dense(16, 32, 3, stride=2, groups=16), nn.ReLU(inplace=True),
            _Conv(32, 32, 1), nn.ReLU(inplace=True),
            _Dense(32, 64, 3, stride=2, groups=32), nn.ReLU(inplace=True),
            _Conv(64, 64, 1), nn.ReLU(inplace=True),
            _Residual(),
        )  # fmt: skip
        self.enc2 = nn.Sequential(_Residual())

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        first = self.enc1(image)
        return first, self.enc2(first)


class Modulator(nn.Module):
    """Style features of both levels → per-channel filter weights and biases (B, 64, 1, 1)."""

    def __init__(self) -> None:
        super().__init__()
        for name in ("weight1", "bias1", "weight2", "bias2"):
            setattr(self, name, nn.Sequential(_Conv(CHANNELS, CHANNELS, 3, groups=CHANNELS)))

    def forward(self, features: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        first, second = features
        pairs = (("weight1", first), ("bias1", first), ("weight2", second), ("bias2", second))
        return tuple(getattr(self, name)(level).float().mean((2, 3), keepdim=True) for name, level in pairs)


class Decoder(nn.Module):
    """Content features (B, 64, h, w) + a style signal → RGB (B, 3, 4h, 4w)."""

    def __init__(self) -> None:
        super().__init__()
        self.dec1 = _Residual()
        self.dec2 = _Residual()
        # The paper's bilinear ×2 upsamplings (positions 0 and 5, no weights) are done inside the
        # convs after them (:class:`_Upsampled`); the positions stay, as the state dicts number them.
        self.dec3 = nn.Sequential(
            nn.Identity(),
            _Upsampled(64, 32, groups=32, dense=False), nn.ReLU(inplace=True),
            _Conv(32, 32, 1), nn.ReLU(inplace=True),
            nn.Identity(),
            _Upsampled(32, 16, groups=16, dense=True), nn.ReLU(inplace=True),
            _Conv(16, 16, 1), nn.ReLU(inplace=True),
            _ToRGB(16, 3, 9),
        )  # fmt: skip

    def forward(self, content: torch.Tensor, signal: StyleSignal) -> torch.Tensor:
        # The deeper style level modulates the first block, the shallower one the second, as trained.
        x = _adain(content, signal.mean2, signal.std2)
        x = self.dec1(x, self.dec1.fold(signal.weight2, signal.bias2))
        x = _adain(x, signal.mean1, signal.std1)
        x = self.dec2(x, self.dec2.fold(signal.weight1, signal.bias1))
        return self.dec3(x)


class MicroAST(nn.Module):
    """The whole network: :meth:`style_signal` once per painting, then :meth:`forward` per photo."""

    def __init__(self) -> None:
        super().__init__()
        self.content_encoder = Encoder()
        self.style_encoder = Encoder()
        self.modulator = Modulator()
        self.decoder = Decoder()

    @torch.inference_mode()
    def style_signal(self, image: torch.Tensor) -> StyleSignal:
        """The signal of an image (1, 3, H, W) in [0, 1], shrunk to :data:`STYLE_SIDE` if larger."""
        scale = STYLE_SIDE / max(image.shape[-2:])
        if scale < 1:
            image = F.interpolate(image, scale_factor=scale, mode="bilinear", antialias=True).clamp(0, 1)
        features = self.style_encoder(self._prepare(image))
        weight1, bias1, weight2, bias2 = self.modulator(features)
        (mean1, std1), (mean2, std2) = _statistics(features[0]), _statistics(features[1])
        return StyleSignal(mean1, std1, mean2, std2, weight1, bias1, weight2, bias2)

    @torch.inference_mode()
    def forward(self, content: torch.Tensor, signal: StyleSignal, strength: float = 1.0, *,
                photo_signal: StyleSignal | None = None) -> torch.Tensor:
        """Paint ``content`` (1, 3, H, W) in [0, 1] with ``signal``: the same size, clipped to [0, 1].

        ``strength`` (0..1) mixes the painting's signal with the photo's own (``photo_signal``,
        computed here when not given): 0 gives back roughly the photo. The paper's α, which blends
        only the AdaIN step, is not used: the features after the first block are so large that any
        α below 1 lets them through and the colours run wild.
        """
        if not 0.0 <= strength <= 1.0:
            raise ValueError(f"strength must be between 0 and 1, not {strength}")
        if strength < 1:
            photo_signal = photo_signal or self.style_signal(content)
            signal = StyleSignal.blend([signal, photo_signal], [strength, 1.0 - strength])
        return self.paint(content, signal).contiguous()

    def paint(self, content: torch.Tensor, signal: StyleSignal) -> torch.Tensor:
        """One pass with ``signal`` as it is, outside inference mode, so gradients can reach the
        signal (:mod:`facestyle.fast.signal_tuning`): (1, 3, H, W) in [0, 1], float32."""
        _, features = self.content_encoder(self._prepare(content))
        image = self.decoder(features, signal.to(self.dtype))
        height, width = content.shape[-2:]
        # Stride-2 stages round odd sizes up, so the decoder's ×4 can overshoot by a few pixels.
        return image[..., :height, :width].float().clamp(0, 1)

    @property
    def dtype(self) -> torch.dtype:
        return self.decoder.dec1.conv1.conv_layer.weight.dtype

    def _prepare(self, image: torch.Tensor) -> torch.Tensor:
        return image.to(self.dtype).contiguous(memory_format=torch.channels_last)


def load_microast(
    folder: str | os.PathLike | None = None, *, device: torch.device | str = "cpu", precision: str = "auto"
) -> MicroAST:
    """The verified network on ``device`` in eval mode, every key of every file loaded strictly.

    ``precision`` as in :func:`facestyle.features.encoder.compute_dtype`: ``auto`` runs bf16 on a
    CPU with native bf16, where a pass takes about 0.6 of the float32 time and the pictures differ
    by about 3/255 on average, which does not show. Channels-last memory throughout, which oneDNN's
    CPU kernels take without reordering (BENCHMARKS.md#fast-mode).
    """
    if precision not in PRECISIONS:
        hint = did_you_mean(precision, PRECISIONS, otherwise=f"choose one of {', '.join(PRECISIONS)}")
        raise OptionError(f"unknown precision {precision!r}; {hint}")
    model = MicroAST()
    for part, state_dict in load_microast_state_dicts(folder).items():
        getattr(model, part).load_state_dict(state_dict, strict=True)
    device = torch.device(device)
    dtype = compute_dtype(precision, device) or torch.float32
    return model.requires_grad_(False).eval().to(device=device, dtype=dtype, memory_format=torch.channels_last)


@lru_cache(maxsize=2)
def cached_microast(folder: str | None = None, device: str = "cpu", precision: str = "auto") -> MicroAST:
    """The network, built once per process (hashing and loading cost more than a 512 px pass)."""
    return load_microast(folder, device=device, precision=precision)


def _statistics(features: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and standard deviation (unbiased variance + eps, as the network was trained).

    Summed over the (pixels, channels) view of channels-last memory in two passes: a reduction
    over H and W of that layout takes twenty times longer.
    """
    batch, channels = features.shape[:2]
    if batch != 1 or not _is_nhwc(features):
        var, mean = torch.var_mean(features.float(), dim=(2, 3), keepdim=True)
        return mean, (var + eps).sqrt()
    pixels = _nhwc(features).reshape(-1, channels)
    count = pixels.shape[0]
    mean = pixels.sum(0, dtype=torch.float32) / count
    var = (pixels.float() - mean).square_().sum(0) / max(count - 1, 1)
    return mean.view(1, -1, 1, 1), (var + eps).sqrt().view(1, -1, 1, 1)


def _adain(x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """The feature modulation: ``x`` with the painting's channel means and deviations, in one pass."""
    own_mean, own_std = _statistics(x)
    scale = std / own_std
    return torch.addcmul((mean - own_mean * scale).to(x.dtype), x, scale.to(x.dtype))


def _blocked_kernel(weight: torch.Tensor, bias: torch.Tensor, block: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Kernel and bias of a stride-1 conv rewritten to act on ``block``×``block`` pixel blocks.

    Channels are ordered (row phase, column phase, channel). Output phase (a, b) of block (i, j)
    reads input phase (p, q) of block (i + ky − c, j + kx − c) through the original tap
    (block·(ky − c) + p − a, block·(kx − c) + q − b) where that tap exists.
    """
    out_channels, in_channels, size, _ = weight.shape
    radius = size // 2
    centre = -(-radius // block)
    taps = 2 * centre + 1
    blocked = weight.new_zeros(block, block, out_channels, block, block, in_channels, taps, taps)
    phases = [(a, p) for a in range(block) for p in range(block)]
    offsets = [(a, shift, block * (shift - centre) + p - a, p) for a, p in phases for shift in range(taps)]
    for a, ky, dy, p in offsets:
        for b, kx, dx, q in offsets:
            if abs(dy) <= radius and abs(dx) <= radius:
                blocked[a, b, :, p, q, :, ky, kx] = weight[:, :, dy + radius, dx + radius]
    kernel = blocked.reshape(block * block * out_channels, block * block * in_channels, taps, taps)
    return kernel.contiguous(memory_format=torch.channels_last), bias.repeat(block * block)


def _phase_kernel(kernel: torch.Tensor) -> torch.Tensor:
    """The 3×3 kernel (4·out, in, 3, 3) that gives, from an input padded by one repeated pixel, the
    four phases of ``kernel`` (out, in, 3, 3) applied to its bilinear ×2 upsampling; channels
    ordered (out, row phase, column phase) as :func:`torch.nn.functional.pixel_shuffle` takes them.

    Upsampled pixel 2i + a is 0.25·x[i − 1] + 0.75·x[i] for a = 0 and 0.75·x[i] + 0.25·x[i + 1]
    for a = 1, so tap t of output phase a reads input offsets ⌊(a + t)/2⌋ + {−1, 0} or {0, 1}.
    """
    taps = torch.zeros(2, 3, 3, dtype=torch.float32)  # (phase, upsampled tap, input offset) + 1
    for phase in (0, 1):
        for tap in (-1, 0, 1):
            parity, base = (phase + tap) % 2, (phase + tap) // 2
            for offset, share in ({-1: 0.25, 0: 0.75} if parity == 0 else {0: 0.75, 1: 0.25}).items():
                taps[phase, tap + 1, base + offset + 1] += share
    out_channels, in_channels = kernel.shape[:2]
    phases = torch.einsum("oiyx,ayd,bxe->oabide", kernel.float(), taps, taps)
    phases = phases.reshape(4 * out_channels, in_channels, 3, 3).to(kernel.dtype)
    return phases.contiguous(memory_format=torch.channels_last)


def _block_diagonal(weight: torch.Tensor, groups: int) -> torch.Tensor:
    """The dense kernel (out, in, k, k) of a grouped conv's kernel (out, in / groups, k, k)."""
    out_channels, per_group = weight.shape[:2]
    outputs = out_channels // groups
    dense = weight.new_zeros(out_channels, per_group * groups, *weight.shape[2:])
    for group in range(groups):
        rows = slice(group * outputs, (group + 1) * outputs)
        dense[rows, group * per_group : (group + 1) * per_group] = weight[rows]
    return dense.contiguous(memory_format=torch.channels_last)


def _reflect(x: torch.Tensor, pad: int) -> torch.Tensor:
    return F.pad(x, (pad,) * 4, mode="reflect") if pad else x


def _is_nhwc(x: torch.Tensor) -> bool:
    return x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last)


def _nhwc(x: torch.Tensor) -> torch.Tensor:
    """A channels-last (N, C, H, W) tensor as the (N, H, W, C) view of its memory."""
    return x.permute(0, 2, 3, 1)


def _nchw(x: torch.Tensor) -> torch.Tensor:
    """An (N, H, W, C) tensor as the (N, C, H, W) view of it, which is channels-last in memory."""
    return x.permute(0, 3, 1, 2)
