"""AdaIN in 8-bit integers: the same encoder and decoder at a fraction of float32's time on a CPU.

Static quantisation as PyTorch's eager mode does it (Jacob et al. 2018): every convolution's weights
in int8 per output channel, every activation in uint8 per tensor over a fixed range, the
convolution and its ReLU fused. The ranges were measured once, on bundled photos and paintings, by
the histogram observer's error-minimising clip (:func:`measure_ranges`), and ship in
``adain_int8_ranges.json``, so building the model costs no calibration pass. AdaIN's statistics
swap itself runs in float32 between the int8 encoder and decoder.

oneDNN/FBGEMM run these kernels fast on x86 CPUs with VNNI instructions; elsewhere (no VNNI, a GPU)
the float model stays (:func:`int8_available`). Measurements: BENCHMARKS.md#fast-mode.

PyTorch marks ``torch.ao.quantization`` and its quantised dtypes deprecated in favour of the
separate torchao package; the pinned torch still ships and tests them, and torchao would be one
more runtime beside mediapipe's pins, so those two warnings are silenced for this process when this
module is imported (a user of the CLI or the studio cannot act on them). Moving to torchao is the
way forward once it installs cleanly beside mediapipe.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Iterable
from pathlib import Path

import torch
import torch.ao.quantization as quantization
from torch import nn

from facestyle.fast.adain import (
    ENCODER_LAYER,
    AdaIN,
    StyleStatistics,
    adaptive_instance_norm,
    channel_statistics,
)

#: The measured activation ranges, one (low, high) per observed tensor of each network, in order.
RANGES_FILE = Path(__file__).with_name("adain_int8_ranges.json")
#: PyTorch's quantised backend for x86 CPUs (FBGEMM or oneDNN, whichever suits the layer).
ENGINE = "x86"
#: 7-bit activations (levels 0–127), as the x86 default configuration has them: without VNNI,
#: 8-bit products can overflow the 16-bit accumulation of the fallback kernels.
LEVELS = {"dtype": torch.quint8, "quant_min": 0, "quant_max": 127}
_WEIGHTS = quantization.PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric)


#: The warnings PyTorch gives on every use of eager-mode quantisation and quantised tensors.
QUANTISATION_WARNINGS = (
    (DeprecationWarning, ".*torch.ao.quantization is deprecated.*"),
    (UserWarning, ".*quantized tensor creation functions.*"),
)
for _category, _message in QUANTISATION_WARNINGS:
    warnings.filterwarnings("ignore", message=_message, category=_category)


def int8_available(device: torch.device) -> bool:
    """True on a CPU whose quantised kernels are fast: x86 with VNNI, the backend built in."""
    return (
        device.type == "cpu"
        and ENGINE in torch.backends.quantized.supported_engines
        and bool(torch.cpu._is_vnni_supported())
    )


def _encoder_layers(model: AdaIN) -> nn.Sequential:
    """The encoder to relu4_1 as a flat sequence of float modules, ready for fusing."""
    vgg = model.encoder
    layers: list[nn.Module] = [quantization.QuantStub(), copy.deepcopy(vgg.preprocess).float()]
    for position, (name, conv) in enumerate(zip(vgg.layer_names, vgg.convs)):
        if position > 0 and name.endswith("_1"):
            layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))
        layers += [copy.deepcopy(conv).float(), nn.ReLU()]
        if name == ENCODER_LAYER:
            break
    return nn.Sequential(*layers, quantization.DeQuantStub())


def _decoder_layers(model: AdaIN) -> nn.Sequential:
    """The decoder as a flat sequence: reflection pad, convolution, ReLU, nearest ×2 upsampling."""
    decoder = model.decoder
    layers: list[nn.Module] = [quantization.QuantStub()]
    last = len(decoder.convs) - 1
    for position, (conv, upsample) in enumerate(zip(decoder.convs, decoder.upsample_after)):
        layers += [nn.ReflectionPad2d(1), copy.deepcopy(conv).float()]
        if position != last:
            layers.append(nn.ReLU())
        if upsample:
            layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
    return nn.Sequential(*layers, quantization.DeQuantStub())


def _prepared(sequence: nn.Sequential, activation: type) -> nn.Sequential:
    """``sequence`` with each convolution fused to its ReLU and observers in place."""
    pairs = [
        [str(index), str(index + 1)]
        for index, module in enumerate(sequence)
        if isinstance(module, nn.Conv2d) and isinstance(sequence[index + 1], nn.ReLU)
    ]
    fused = quantization.fuse_modules(sequence.eval(), pairs)
    fused.qconfig = quantization.QConfig(activation=activation, weight=_WEIGHTS)
    return quantization.prepare(fused)


def _observers(sequence: nn.Sequential) -> list[quantization.ObserverBase]:
    return [module for module in sequence.modules() if isinstance(module, quantization.ObserverBase)
            and not isinstance(module, quantization.PerChannelMinMaxObserver)]


def measure_ranges(model: AdaIN, contents: Iterable[torch.Tensor], styles: Iterable[torch.Tensor]) -> dict:
    """The activation ranges of both networks over ``contents`` × ``styles`` (1, 3, H, W) in [0, 1].

    The histogram observer picks each range that minimises the quantisation error, clipping rare
    outliers rather than stretching the 128 levels over them.
    """
    histogram = quantization.HistogramObserver.with_args(**LEVELS)
    encoder, decoder = _prepared(_encoder_layers(model), histogram), _prepared(_decoder_layers(model), histogram)
    contents, styles = list(contents), list(styles)
    with torch.no_grad():
        statistics = [channel_statistics(encoder(style)) for style in styles]
        for content in contents:
            features = encoder(content)
            for style in statistics:
                decoder(adaptive_instance_norm(features, style))
    ranges = {}
    for name, network in (("encoder", encoder), ("decoder", decoder)):
        ranges[name] = []
        for observer in _observers(network):
            scale, zero_point = (float(value) for value in observer.calculate_qparams())
            ranges[name].append([(observer.quant_min - zero_point) * scale, (observer.quant_max - zero_point) * scale])
    return ranges


def _converted(sequence: nn.Sequential, ranges: list[list[float]]) -> nn.Sequential:
    """``sequence`` quantised with the stored ``ranges`` instead of a calibration pass."""
    prepared = _prepared(sequence, quantization.MinMaxObserver.with_args(**LEVELS))
    observers = _observers(prepared)
    if len(observers) != len(ranges):
        raise ValueError(f"{len(ranges)} stored ranges for {len(observers)} activations; measure them again")
    for observer, (low, high) in zip(observers, ranges):
        observer.min_val = torch.tensor(low)
        observer.max_val = torch.tensor(high)
    return quantization.convert(prepared)


class Int8AdaIN(nn.Module):
    """:class:`facestyle.fast.adain.AdaIN` with int8 networks; the same two methods."""

    def __init__(self, model: AdaIN, ranges: dict) -> None:
        super().__init__()
        torch.backends.quantized.engine = ENGINE
        self.encoder = _converted(_encoder_layers(model), ranges["encoder"])
        self.decoder = _converted(_decoder_layers(model), ranges["decoder"])

    @torch.no_grad()
    def style_statistics(self, style: torch.Tensor) -> StyleStatistics:
        return channel_statistics(self.encoder(style))

    @torch.no_grad()
    def forward(self, content: torch.Tensor, style: StyleStatistics, strength: float = 1.0) -> torch.Tensor:
        features = self.encoder(content)
        target = adaptive_instance_norm(features, style)
        if strength < 1:
            target = strength * target + (1 - strength) * features
        height, width = content.shape[-2:]
        return self.decoder(target)[..., :height, :width].clamp(0, 1)


def quantise_adain(model: AdaIN, ranges: dict | None = None) -> Int8AdaIN:
    """The int8 copy of ``model``, with ``ranges`` or the shipped ones."""
    return Int8AdaIN(model, ranges if ranges is not None else json.loads(RANGES_FILE.read_text()))
