"""Fixtures of the unit tests."""

from __future__ import annotations

import pytest

from shared import pdf_fonts


@pytest.fixture
def default_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """PDFs get the font found by default, whatever the environment of the test run names."""
    monkeypatch.delenv(pdf_fonts.FONT_ENV, raising=False)
    monkeypatch.delenv(pdf_fonts.OLD_FONT_ENV, raising=False)
