"""Stats publishes no events: it only reads the other services'."""

from __future__ import annotations
