"""The page every printed document (a service certificate, a summary report) is laid out on."""

from __future__ import annotations


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
