"""`GET /reports/summary?format=pdf`: the same report as the Markdown, as an A4 PDF that
embeds its Chinese font."""

from __future__ import annotations

import re

import pytest

from shared import pdf_fonts
from shared.errors import PROBLEM_JSON
from tests.api import create_volunteer
from tests.conftest import ADMIN, Stack, eventually
from tests.pdfs import STANDARD_FONTS, fonts_of, needs_poppler, text_of


def _markdown_text(markdown: str) -> list[str]:
    """The report's paragraphs, as plain text: no `#` marks, no backslash escapes, no spaces."""
    paragraphs = [re.sub(r"^#+ ", "", p) for p in markdown.strip().split("\n\n")]
    return ["".join(re.sub(r"\\(.)", r"\1", p).split()) for p in paragraphs]


@needs_poppler
async def test_the_summary_report_as_a_pdf(stack: Stack, community: str) -> None:
    await create_volunteer(stack["registry"], community, name="陈静")
    params = {"scope": "community", "id": community}

    async def counted() -> str:
        answer = await stack["stats"].get("/reports/summary", params=params, headers=ADMIN)
        assert answer.status_code == 200, answer.text
        assert "已吸收志愿者1人" in answer.text
        return answer.text

    markdown = await eventually(counted)
    pdf = await stack["stats"].get(
        "/reports/summary", params=params | {"format": "pdf"}, headers=ADMIN
    )
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'inline; filename="summary-community.pdf"'
    text = text_of(pdf.content)
    for paragraph in _markdown_text(markdown):
        assert paragraph in text, paragraph
    fonts = fonts_of(pdf.content)
    assert (
        any(f.embedded for f in fonts)
        and {f.name for f in fonts if not f.embedded} <= STANDARD_FONTS
    )


async def test_without_a_chinese_font_the_pdf_is_a_503_saying_what_to_install(
    stack: Stack, community: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(pdf_fonts.FONT_ENV, raising=False)
    monkeypatch.delenv(pdf_fonts.OLD_FONT_ENV, raising=False)
    monkeypatch.setattr(pdf_fonts, "CANDIDATES", ())
    answer = await stack["stats"].get(
        "/reports/summary",
        params={"scope": "community", "id": community, "format": "pdf"},
        headers=ADMIN,
    )
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == PROBLEM_JSON
    problem = answer.json()
    assert problem["type"] == "https://qise.dev/problems/no-chinese-font"
    assert "apt-get install fonts-wqy-zenhei" in problem["detail"]
