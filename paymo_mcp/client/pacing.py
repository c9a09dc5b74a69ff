"""Rate-limit pacing from Paymo's X-Ratelimit-* headers, so a burst waits instead of hitting 429.

Paymo documents the headers (limit, remaining, decay period) but not the window's shape. The pacer
models a fixed window: it counts requests in flight against `remaining`, and when the budget is
spent it waits until the window that began with the first request it saw has decayed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import anyio


def _number(headers: Mapping[str, str], name: str) -> float | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        # Some accounts report several budgets comma-separated; the smallest one binds.
        return min(float(part) for part in raw.split(",") if part.strip())
    except ValueError:
        return None


class RateLimitPacer:
    """Shared by every request of one client; safe under concurrency."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, margin_s: float = 0.05) -> None:
        self._clock = clock
        self._margin = margin_s
        self._lock = anyio.Lock()
        self._limit: int | None = None
        self._period: float | None = None
        self._left: float | None = None  # requests we may still send in this window
        self._window_start: float | None = None
        self._blocked_until = 0.0
        # Until the first response shows the budget, one request probes while the others wait.
        self._probing = False
        self._learned = anyio.Event()
        self.waited_s = 0.0  # total time spent pacing, for benchmarks and tests

    async def acquire(self) -> float:
        """Wait until a request may be sent; returns the send time to pass to `observe`."""
        while True:
            if not self._learned.is_set():
                if self._probing:
                    with anyio.move_on_after(5):
                        await self._learned.wait()
                    continue
                self._probing = True
                return self._clock()
            async with self._lock:
                now = self._clock()
                wait = self._blocked_until - now
                if wait <= 0 and self._left is not None and self._left <= 0:
                    start = self._window_start if self._window_start is not None else now
                    window_end = start + (self._period or 1.0) + self._margin
                    if now >= window_end:
                        self._left = float(self._limit) if self._limit else None
                        self._window_start = now
                        wait = 0
                    else:
                        wait = window_end - now
                if wait <= 0:
                    if self._left is not None:
                        self._left -= 1
                    return now
            self.waited_s += wait
            await anyio.sleep(wait)

    def abandon(self) -> None:
        """A request got no response: let another request probe for the budget."""
        self._probing = False

    def observe(self, sent_at: float, headers: Mapping[str, str], retry_after: float | None = None) -> None:
        """Learn from a response's headers (and a 429's Retry-After)."""
        self._learned.set()
        limit = _number(headers, "x-ratelimit-limit")
        remaining = _number(headers, "x-ratelimit-remaining")
        period = _number(headers, "x-ratelimit-decay-period")
        if limit is not None:
            self._limit = int(limit)
        if period is not None and period > 0:
            self._period = period
        if remaining is not None:
            if self._limit is not None and remaining >= self._limit - 1:
                # The first request of a fresh window at Paymo: the window began when it was sent.
                self._window_start = sent_at
            if self._left is None or remaining < self._left:
                self._left = remaining
        if retry_after is not None:
            self._blocked_until = max(self._blocked_until, self._clock() + retry_after)
            self._left = 0
            self._window_start = self._clock() + retry_after - (self._period or 1.0)
