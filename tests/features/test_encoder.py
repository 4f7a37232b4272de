"""Which arithmetic the VGG runs in, and the warning when a forced choice is slow."""

import torch

import facestyle


def test_precision_auto_uses_bf16_only_on_a_cpu_with_native_bf16(monkeypatch):
    from facestyle.features import encoder as engine

    cpu = torch.device("cpu")
    monkeypatch.setattr(engine, "cpu_has_native_bf16", lambda: True)
    assert engine.compute_dtype("auto", cpu) is torch.bfloat16
    assert engine.compute_dtype("fp32", cpu) is None
    monkeypatch.setattr(engine, "cpu_has_native_bf16", lambda: False)
    assert engine.compute_dtype("auto", cpu) is None
    assert engine.compute_dtype("bf16", cpu) is torch.bfloat16
    # CUDA keeps its TF32 path unless bf16 is asked for (BENCHMARKS.md#gpu).
    assert engine.compute_dtype("auto", torch.device("cuda")) is None


def test_forced_bf16_on_a_cpu_that_emulates_it_is_noted(monkeypatch):
    from facestyle.features import encoder as engine

    cpu, settings = torch.device("cpu"), facestyle.Settings(precision="bf16")
    monkeypatch.setattr(engine, "cpu_has_native_bf16", lambda: False)
    assert engine.precision_notice(settings, cpu) == engine.EMULATED_BF16_NOTICE
    assert engine.precision_notice(facestyle.Settings(), cpu) is None
    assert engine.precision_notice(settings.replace(method="adain"), cpu) is None
    monkeypatch.setattr(engine, "cpu_has_native_bf16", lambda: True)
    assert engine.precision_notice(settings, cpu) is None
