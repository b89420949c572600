"""How long and how often a consumer retries an event that failed for a passing reason.

Contract: a `RetryPolicy` is a value. `delay(attempt)` is the pause before attempt
`attempt + 1` (exponential, capped, jittered); `is_poison(seconds)` says whether an
event failing for that long, while the database answers, is to be given up on;
`park_delay(attempts)` is the pause before a parked event is tried again, and
`past_horizon(seconds)` whether a parked event has waited long enough.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    poison_after_seconds: float = 600.0
    park_horizon_seconds: float = 3600.0
    first_delay: float = 0.2
    longest_delay: float = 30.0
    first_park_delay: float = 1.0
    longest_park_delay: float = 60.0

    def delay(self, attempt: int) -> float:
        return _jittered(min(self.longest_delay, self.first_delay * 2 ** (attempt - 1)))

    def is_poison(self, failing_for_seconds: float) -> bool:
        return failing_for_seconds >= self.poison_after_seconds

    def park_delay(self, attempts: int) -> float:
        return _jittered(min(self.longest_park_delay, self.first_park_delay * 2 ** (attempts - 1)))

    def past_horizon(self, parked_for_seconds: float) -> bool:
        return parked_for_seconds >= self.park_horizon_seconds


def _jittered(seconds: float) -> float:
    # Between half and all of it: replicas retrying one failure do not stay in step.
    return seconds * random.uniform(0.5, 1.0)
