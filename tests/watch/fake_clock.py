"""A clock the tests move by hand, for the store's `clock` and the pruning schedule."""

from __future__ import annotations

import time


class FakeClock:
    """Unix seconds that only move when told; starts at the real time of its creation."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


DAY = 86400.0
