"""Prometheus metrics, defined once; every series carries the service name."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUEST_SECONDS = Histogram(
    "qise_http_request_seconds",
    "HTTP request latency by route.",
    ["service", "method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PUBLISHED = Counter(
    "qise_events_published_total", "Events the outbox relay published.", ["service", "topic"]
)
OUTBOX_BACKLOG = Gauge(
    "qise_outbox_backlog", "Events written to the outbox and not yet published.", ["service"]
)
EVENTS_CONSUMED = Counter(
    "qise_events_consumed_total",
    "Events a consumer read, by outcome (applied, duplicate, ignored, dead_lettered).",
    ["service", "topic", "outcome"],
)
DEAD_LETTERED = Counter(
    "qise_events_dead_lettered_total", "Messages sent to a dead-letter topic.", ["service", "topic"]
)
CONSUMER_LAG = Gauge(
    "qise_consumer_lag", "Messages behind the partition end, as last seen.", ["service", "topic"]
)
CONSUMER_RETRIES = Counter(
    "qise_consumer_retries_total",
    "Transient failures (deadlock, timeout, database or broker away) a consumer retried.",
    ["service", "topic"],
)
CONSUMER_BLOCKED = Gauge(
    "qise_consumer_blocked_seconds",
    "How long a consumer has been retrying one event that keeps failing (0: not blocked).",
    ["service", "topic"],
)
POISON = Counter(
    "qise_consumer_poison_total",
    "Events dead-lettered after failing as transient past the poison bound.",
    ["service", "topic"],
)
PARKED = Counter(
    "qise_consumer_parked_total",
    "Events parked because they name an entity not known here yet.",
    ["service", "topic"],
)
CONSUMER_RESTARTS = Counter(
    "qise_consumer_restarts_total",
    "Times a consumer left its group and started again after a failure.",
    ["service", "consumer"],
)
CLAIMS_PRUNED = Counter(
    "qise_claims_pruned_total",
    "Applied event ids removed from processed_events past their retention.",
    ["service"],
)
RATE_LIMITED = Counter(
    "qise_rate_limited_total",
    "Requests answered 429 by the per-address limit before the app saw them: anonymous"
    " (no token), bad_token (a token not seen valid, from an address whose budget of"
    " failed tokens is spent).",
    ["service", "reason"],
)
BAD_TOKENS = Counter(
    "qise_bad_tokens_total",
    "Requests with a token that was refused (401), as the per-address limit counts them.",
    ["service"],
)
PROJECTION_GENERATION = Gauge(
    "qise_projection_generation",
    "The generation of the projections in use (state=active) and the one being built"
    " beside it (state=building; 0: none).",
    ["service", "state"],
)
REBUILD_BEHIND = Gauge(
    "qise_rebuild_behind",
    "Records the generation being built is behind the one in use, over all partitions"
    " (0 when none is being built).",
    ["service"],
)
