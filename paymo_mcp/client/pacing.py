"""Rate-limit pacing from Paymo's X-Ratelimit-* headers, so a burst waits instead of hitting 429.

Paymo documents the headers (limit, remaining, decay period) but not the window's shape. The pacer
models a fixed window: it counts requests in flight against `remaining`, and when the budget is
spent it waits until the window has decayed. The window is taken to start when the first answer of it
came back, the latest moment Paymo can have opened it, so a loaded machine never sends early.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import anyio

# The longest wait one answer can impose; past it Paymo is asked again (a bogus Retry-After or decay
# period, e.g. 86400 or a proxy's, costs at most this).
MAX_TRUSTED_WAIT_S = 600.0
# How long other requests wait for the first one (the probe) to show the budget before going anyway.
PROBE_PATIENCE_S = 2.0


def _number(headers: Mapping[str, str], name: str) -> float | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        # Some accounts report several budgets comma-separated; the smallest one binds.
        value = min(float(part) for part in raw.split(",") if part.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class RateLimitWait(Exception):
    """Raised by `acquire` when the rate limit leaves no room before the caller's deadline."""

    def __init__(self, wait_s: float) -> None:
        self.wait_s = wait_s
        super().__init__(f"the rate limit allows the next request in {wait_s:.1f} s")


@dataclass
class Ticket:
    """One request's permission to go: pass it to `observe` (an answer came) or `abandon` (none came)."""

    seq: int  # sends are numbered in order
    sent_at: float
    answers_before: int  # answers the pacer had seen when this request went
    done: bool = False


class RateLimitPacer:
    """Shared by every request of one client; safe under concurrency and cancellation.

    Every `acquire` must be followed by `observe` (an answer came) or `abandon` (none came, for any
    reason, cancellation included): the client does so in a `finally`.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        margin_s: float = 0.05,
        max_wait_s: float = MAX_TRUSTED_WAIT_S,
    ) -> None:
        self._clock = clock
        self._margin = margin_s
        self._max_wait = max_wait_s
        self._limit: int | None = None
        self._period: float | None = None
        self._left: float | None = None  # requests we may still send in this window
        self._opened_seq = 0  # requests numbered from here on belong to the current window
        self._window_start: float | None = None  # when its first answer came back (None: none yet)
        self._blocked_until = -math.inf
        self._learned = False
        self._probe_since: float | None = None  # a probe is out since then
        self._sent = 0
        self._answers = 0
        self._in_flight = 0
        self._changed = anyio.Event()  # set (and replaced) whenever an answer or abandon changes the state
        self.waited_s = 0.0  # total time spent pacing, for benchmarks and tests
        self.waiting = 0  # requests waiting right now, for tests

    async def acquire(self, deadline: float | None = None) -> Ticket:
        """Wait until a request may be sent; the ticket goes to `observe` or `abandon` afterwards.

        Raises RateLimitWait at once when the rate limit's wait would pass `deadline` (a `clock()` time).
        """
        while True:
            now = self._clock()
            wait, imposed = self._wait(now)
            if wait <= 0:
                return self._take(now)
            if imposed and deadline is not None and now + wait > deadline:
                raise RateLimitWait(wait)
            if not imposed and deadline is not None:
                wait = min(wait, max(0.0, deadline - now))
            changed = self._changed
            self.waiting += 1
            try:
                with anyio.move_on_after(wait):
                    await changed.wait()
            finally:
                self.waiting -= 1
                self.waited_s += max(0.0, self._clock() - now)
            if not imposed and deadline is not None and self._clock() >= deadline:
                return self._take(self._clock())  # waited for the probe as long as allowed: go unpaced

    def _wait(self, now: float) -> tuple[float, bool]:
        """(seconds to wait before a request may go now, whether Paymo's rate limit imposes them)."""
        if not self._learned:
            if self._probe_since is None:
                return 0.0, False
            return self._probe_since + PROBE_PATIENCE_S - now, False
        if now < self._blocked_until:
            return self._blocked_until - now, True
        if self._left is None or self._left > 0:
            return 0.0, True
        period = self._period or 1.0
        if self._window_start is None:
            # Spent before any answer of this window came: it cannot end before one period from now.
            return period + self._margin, True
        end = self._window_start + period + self._margin
        if now >= end:
            self._left = float(self._limit) if self._limit else None
            self._opened_seq, self._window_start = self._sent + 1, None
            return 0.0, True
        return end - now, True

    def _take(self, now: float) -> Ticket:
        if not self._learned and self._probe_since is None:
            self._probe_since = now
        if self._left is not None:
            self._left -= 1
        self._sent += 1
        self._in_flight += 1
        return Ticket(self._sent, now, self._answers)

    def _finish(self, ticket: Ticket) -> bool:
        if ticket.done:
            return False
        ticket.done = True
        self._in_flight -= 1
        return True

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    def abandon(self, ticket: Ticket) -> None:
        """A request got no answer (error or cancellation): let another request probe for the budget."""
        if self._finish(ticket):
            self._probe_since = None
            self._notify()

    def observe(self, ticket: Ticket, headers: Mapping[str, str], retry_after: float | None = None) -> None:
        """Learn from a response's headers (and a 429's Retry-After)."""
        if not self._finish(ticket):
            return
        now = self._clock()
        self._answers += 1
        self._learned = True
        self._probe_since = None
        limit = _number(headers, "x-ratelimit-limit")
        remaining = _number(headers, "x-ratelimit-remaining")
        period = _number(headers, "x-ratelimit-decay-period")
        if limit is not None:
            self._limit = int(limit)
        if period is not None and period > 0:
            self._period = min(period, self._max_wait)
        if remaining is not None:
            # Paymo counted this request; the others out now, and those answered since it went, may have
            # reached Paymo after it: count them against what it said was left.
            left = remaining - self._in_flight - (self._answers - 1 - ticket.answers_before)
            if self._limit is not None and remaining >= self._limit - 1:
                # It was the first of a fresh window at Paymo, which opened before this answer came.
                self._opened_seq, self._window_start, self._left = ticket.seq, now, left
            elif ticket.seq >= self._opened_seq:
                if self._window_start is None:
                    self._window_start = now
                self._left = left if self._left is None else min(self._left, left)
        if retry_after is not None:
            wait = min(retry_after, self._max_wait)
            self._blocked_until = max(self._blocked_until, now + wait)
            # Paymo answers 429 until its window ends: a new one opens when the block lifts.
            self._left = 0
            self._window_start = now + wait - (self._period or 1.0)
        self._notify()
