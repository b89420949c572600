"""The requests rules."""

from __future__ import annotations
