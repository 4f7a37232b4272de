"""Coarse-to-fine schedules, tested on their own."""

import pytest

from facestyle.optim.schedule import make_schedule, scale_sizes, split_steps


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
