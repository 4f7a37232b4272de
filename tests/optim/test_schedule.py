"""Coarse-to-fine schedules, tested on their own."""

import pytest

from facestyle.features.vgg import pass_cost
from facestyle.optim.schedule import (
    Scale,
    ScheduleClock,
    make_schedule,
    run_schedule,
    scale_costs,
    scale_sizes,
    settled,
    split_steps,
    texture_sizes,
)


@pytest.mark.parametrize(
    "size, scales, expected",
    [(512, 3, [128, 256, 512]), (1024, 3, [256, 512, 1024]), (256, 3, [128, 181, 256]), (100, 3, [100]),
     (512, 1, [512])],
)
def test_sizes_grow_by_at_most_two_and_end_at_the_requested_size(size, scales, expected):
    sizes = scale_sizes(size, scales)
    assert sizes == expected
    assert all(b / a <= 2.0 + 1e-9 for a, b in zip(sizes, sizes[1:]))


@pytest.mark.parametrize("total, levels", [(200, 3), (7, 3), (3, 3), (1, 1), (0, 2), (1001, 1)])
def test_steps_add_up_and_coarse_levels_get_more(total, levels):
    steps = split_steps(total, levels)
    assert sum(steps) == total and len(steps) == levels
    assert steps == sorted(steps, reverse=True)
    if total >= levels:
        assert min(steps) >= 1


def test_schedule_pairs_sizes_with_steps():
    schedule = make_schedule(512, 70, 3)
    assert [(s.size, s.steps) for s in schedule] == [(128, 40), (256, 20), (512, 10)]


def test_print_sizes_add_texture_scales_above_the_composition_size():
    schedule = make_schedule(2048, 200, 3, composition_size=512, texture_steps=30)
    assert [(s.size, s.steps, s.texture) for s in schedule] == [
        (128, 114, 0), (256, 57, 0), (512, 29, 0), (1024, 30, 1), (2048, 30, 2)]
    # The composition scales are those of the 512 px run, so the picture is the same one, bigger.
    assert schedule[:3] == make_schedule(512, 200, 3)
    assert texture_sizes(1536, 512) == [1024, 1536] and texture_sizes(768, 512) == [768]


def test_no_texture_scales_up_to_the_composition_size():
    assert make_schedule(512, 200, 3, composition_size=512, texture_steps=30) == make_schedule(512, 200, 3)
    assert make_schedule(300, 50, 3, composition_size=512, texture_steps=30) == make_schedule(300, 50, 3)
    assert not any(s.texture for s in make_schedule(2048, 200, 3, composition_size=None, texture_steps=30))


def test_texture_scales_see_only_shallow_layers_and_cost_less_per_pixel():
    from facestyle.settings import Settings

    settings = Settings(size=2048)
    schedule = run_schedule(settings)
    costs = scale_costs(settings, schedule)
    assert [s.texture for s in schedule] == [0, 0, 0, 1, 2]
    assert costs[0] == pass_cost("relu5_1") and costs[3] == pass_cost("relu3_1") and costs[4] == pass_cost("relu2_1")
    assert pass_cost("relu3_1") < 0.5 * pass_cost("relu5_1")


def test_the_convergence_rule_stops_a_flat_curve():
    flat = [10.0, 8.0, 7.0, 6.99, 6.985, 6.984]
    assert settled(flat, 3, 0.01)
    assert not settled(flat[:3], 3, 0.01)  # too few steps to judge
    assert not settled(flat, 3, 0.0)  # 0 = off


def test_the_convergence_rule_does_not_stop_while_j_falls():
    falling = [100.0 * 0.97**step for step in range(50)]  # 3 % a step
    assert not any(settled(falling[: n + 1], 10, 0.05) for n in range(len(falling)))


def test_the_clock_counts_a_large_step_as_more_work_than_a_small_one():
    schedule = [Scale(128, 10), Scale(256, 10)]
    clock = ScheduleClock(schedule, [1.0, 1.0])
    assert clock.eta(0, 0, 0.0) is None  # nothing timed yet
    # 5 steps at 128 px took 5 s: 5 more there (5 s) and 10 at 256 px, 4× the pixels (40 s).
    assert clock.eta(0, 5, 5.0) == pytest.approx(45.0)
    assert clock.eta(1, 10, 40.0) == pytest.approx(0.0)
