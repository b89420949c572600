"""The activities rules."""

from __future__ import annotations
