"""When a failed Paymo call may be tried again, and how long to wait: one policy for every tool.

Reads (GET) and idempotent writes (PUT, DELETE) are retried on connection errors, timeouts, 429 and
502/503/504. A POST is retried only when it certainly did not reach Paymo (the connection was
refused) or Paymo refused it unprocessed (429): a create is never sent twice.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import httpx

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Raised before a single byte of the request left this machine.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    """At most `max_tries` attempts within `budget_s` seconds, backing off exponentially with jitter."""

    max_tries: int = 4
    budget_s: float = 30.0
    base_delay_s: float = 0.25
    max_delay_s: float = 8.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempt counts from 1)."""
        if retry_after is not None:
            return max(0.0, retry_after)
        ceiling = min(self.max_delay_s, self.base_delay_s * 2.0 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    @staticmethod
    def may_retry_status(method: str, status: int) -> bool:
        if status not in RETRY_STATUSES:
            return False
        return method in IDEMPOTENT or status == 429

    @staticmethod
    def may_retry_exception(method: str, exc: Exception) -> bool:
        if isinstance(exc, NOT_SENT):
            return True
        return method in IDEMPOTENT and isinstance(exc, httpx.TransportError)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (Paymo sends a number); None when absent, unreadable or not finite."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    # "Infinity" or "NaN" say nothing usable: as if absent (the retry backs off as usual).
    return max(0.0, seconds) if math.isfinite(seconds) else None
