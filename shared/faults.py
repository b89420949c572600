"""Fault injection for the fault suite, kept out of the consumer loop.

Contract: `crash_before_offset_commit(chance)` is a hook the consumer calls
between its database commit and its Kafka offset commit; with `chance > 0`
it ends the process there now and then, the worst moment for an
at-least-once consumer. Production leaves the chance at 0: no hook.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable

log = logging.getLogger(__name__)

Hook = Callable[[], None]


def crash_before_offset_commit(chance: float) -> Hook | None:
    if chance <= 0:
        return None

    def maybe_crash() -> None:
        if random.random() < chance:
            log.warning("fault injection: exiting before the offset commit")
            os._exit(137)

    return maybe_crash
