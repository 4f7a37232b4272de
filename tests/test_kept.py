"""Kept: values made once per key, the least recently used dropped first, shared by threads."""

from __future__ import annotations

import threading

import pytest

from facestyle.kept import Kept


def test_a_value_is_made_once_and_the_least_recently_used_goes_first():
    kept: Kept[str] = Kept(2)
    made: list[str] = []

    def make(key: str):
        return lambda: made.append(key) or key.upper()

    assert kept.get("a", make("a")) == "A" and kept.get("a", make("a")) == "A"
    kept.get("b", make("b"))
    kept.get("a", make("a"))  # "a" used again, so "b" is the oldest
    kept.get("c", make("c"))
    assert len(kept) == 2
    kept.get("a", make("a"))
    kept.get("b", make("b"))
    assert made == ["a", "b", "c", "b"]
    kept.clear()
    assert len(kept) == 0


def test_threads_share_the_kept_values():
    kept: Kept[int] = Kept(4)
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(kept.get("k", lambda: 7))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [7] * 8 and len(kept) == 1


def test_size_below_one_is_refused():
    with pytest.raises(ValueError, match="1 or more"):
        Kept(0)
