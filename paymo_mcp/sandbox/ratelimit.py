"""Paymo-style rate limiting: a fixed window opened by its first request, and the X-Ratelimit-* headers."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

DEFAULT_LIMIT = 1000
DEFAULT_PERIOD_S = 5.0


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass
class Verdict:
    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    """`limit` requests per `period_s` seconds for the whole sandbox (Paymo's unit is [SILENT])."""

    def __init__(self, limit: int = DEFAULT_LIMIT, period_s: float = DEFAULT_PERIOD_S) -> None:
        self._lock = threading.Lock()
        self.configure(limit, period_s)

    def configure(self, limit: int = DEFAULT_LIMIT, period_s: float = DEFAULT_PERIOD_S) -> None:
        with self._lock:
            self.limit = limit
            self.period_s = period_s
            self._start: float | None = None
            self._count = 0

    def hit(self) -> Verdict:
        """Count one request; over the limit the answer is 429 until the window ends."""
        now = time.monotonic()
        with self._lock:
            if self._start is None or now >= self._start + self.period_s:
                self._start, self._count = now, 0
            self._count += 1
            allowed = self._count <= self.limit
            headers = {
                "X-Ratelimit-Limit": str(self.limit),
                "X-Ratelimit-Remaining": str(max(0, self.limit - self._count)),
                "X-Ratelimit-Decay-Period": _number(self.period_s),
            }
            if not allowed:
                headers["Retry-After"] = str(max(1, math.ceil(self._start + self.period_s - now)))
        return Verdict(allowed, headers)
