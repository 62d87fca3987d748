"""When to try a failed delivery again: exponential backoff with jitter, then give up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """Per-channel retry limits. Delay n = min(cap, base * 2**(n-1)), spread by +-jitter."""

    max_attempts: int = 6
    base_delay: float = 30.0
    max_delay: float = 3600.0
    jitter: float = 0.2

    def next_attempt_at(self, attempts: int, now: datetime, spread: float) -> datetime | None:
        """When attempt `attempts + 1` should start; None once the limit is reached.

        `spread` is a random number in [0, 1) supplied by the caller (the domain reads no dice).
        """
        if attempts >= self.max_attempts:
            return None
        delay = min(self.max_delay, self.base_delay * 2 ** max(attempts - 1, 0))
        delay *= 1 + self.jitter * (2 * spread - 1)
        return now + timedelta(seconds=delay)
