"""The VGG-19 an objective runs on: how deep, in which arithmetic, in which memory layout.

``precision="auto"`` picks bf16 only on a CPU with native bf16 instructions (AVX512-BF16 or AMX):
there oneDNN's bf16 convolutions take about half the time of float32 ones, while on other CPUs bf16
is emulated and far slower. On CUDA ``auto`` stays with float32 (TF32 tensor cores)
(BENCHMARKS.md#default-run-at-512-px, BENCHMARKS.md#gpu).
"""

from __future__ import annotations

import torch

from facestyle.features.vgg import VGG19Features, load_vgg19
from facestyle.settings import Settings

#: Said when bf16 is forced on a CPU that can only emulate it, where a step takes many times longer
#: than in float32.
EMULATED_BF16_NOTICE = (
    "this CPU has no native bf16 (AVX512-BF16 or AMX), so --precision bf16 is emulated and far slower "
    "than float32 here; use --precision auto"
)


def cpu_has_native_bf16() -> bool:
    """True when this CPU runs bf16 matrix arithmetic natively (AVX512-BF16 or AMX tiles)."""
    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


def compute_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The dtype the optimisation's convolutions run in: None (float32, TF32 on CUDA) or bf16."""
    if precision == "bf16":
        return torch.bfloat16
    if precision == "auto" and device.type == "cpu" and cpu_has_native_bf16():
        return torch.bfloat16
    return None


def precision_notice(settings: Settings, device: torch.device) -> str | None:
    """A warning when ``settings.precision`` will make this run much slower than ``auto`` would."""
    if settings.method == "gatys" and settings.precision == "bf16" and device.type == "cpu" and not cpu_has_native_bf16():
        return EMULATED_BF16_NOTICE
    return None


def load_encoder(settings: Settings, device: torch.device, *, exact: bool = False) -> VGG19Features:
    """The VGG-19 the objective needs, up to its deepest layer, in ``settings.precision``.

    ``exact``: float32 whatever the precision setting, for measuring costs to compare runs.
    Channels-last on GPUs and for bf16, since oneDNN's bf16 kernels want NHWC
    (BENCHMARKS.md#default-run-at-512-px).
    """
    dtype = None if exact else compute_dtype(settings.precision, device)
    return load_vgg19(
        weights=settings.weights,
        last_layer=settings.deepest_layer(),
        padding=settings.padding,
        pooling=settings.pooling,
        device=device,
        channels_last=device.type == "cuda" or dtype is not None,
        compute_dtype=dtype,
    )
