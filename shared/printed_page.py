"""The page every printed document (a service certificate, a summary report) is laid out on:
as CSS for the HTML, as a reportlab document for the PDF.

reportlab is imported by the functions that draw: a service that only shows HTML, or
has not printed yet, does not hold it in memory (about 15 MiB)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from reportlab.platypus import SimpleDocTemplate


def a4_page_css(*, font_size: str, line_height: str) -> str:
    """The CSS a printed document starts with: an A4 page, on screen a column as wide as
    its text, and a serif Chinese font; the document's own rules follow it."""
    # The fonts a Mac, Windows and Linux reader is likely to have, in that order.
    return (
        "\n@page { size: A4; margin: 20mm 18mm; }\n"
        "* { box-sizing: border-box; }\n"
        "body {\n"
        "  margin: 0 auto; max-width: 180mm; padding: 12mm 0; color: #111;\n"
        '  font-family: "Songti SC", "SimSun", "Noto Serif CJK SC", "Source Han Serif SC",\n'
        '    "WenQuanYi Zen Hei", serif;\n'
        f"  font-size: {font_size}; line-height: {line_height};\n"
        "}\n"
        "@media print { body { padding: 0; max-width: none; } }\n"
    )


def a4_document(out: BinaryIO, *, title: str, **info: str) -> SimpleDocTemplate:
    """An A4 PDF document with the margins of the printed page; `info` fills the document
    information (`subject`, `author`)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    return SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=title,
        creator="Qise",
        **info,
    )


def draw_footer(canvas: Any, font: str, text: str, size: float = 9) -> None:
    """`text` in grey, centred at the foot of the page (a page number, a document number)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    canvas.saveState()
    canvas.setFont(font, size)
    canvas.setFillColor(colors.HexColor("#666666"))
    canvas.drawCentredString(A4[0] / 2, 10 * mm, text)
    canvas.restoreState()
