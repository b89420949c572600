"""The Chinese font that every PDF Qise renders embeds (certificates, the summary report).

A PDF that only names a font (the CID font STSong-Light, say) shows nothing where the
viewer has no Asian language pack: so the font travels inside the document, as the
subset of glyphs it uses (reportlab's TTFont embeds exactly that). The font is the
file `QISE_PDF_FONT` names (the older `QISE_CERTIFICATE_FONT` still works), or else the
first of Debian's CJK TrueType fonts found; with none, rendering fails with a 503 that
says what to install, never a document of blank boxes.
"""

from __future__ import annotations

import functools
import os
import zlib
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from shared.errors import DomainError

FONT_ENV = "QISE_PDF_FONT"
OLD_FONT_ENV = "QISE_CERTIFICATE_FONT"  # the name before the summary report printed too
FONT_PACKAGE = "fonts-wqy-zenhei"

# TrueType outlines only: reportlab cannot embed CFF (PostScript-outline) OpenType fonts,
# which rules out Noto CJK. The first is what the Dockerfile and .ci/run install.
CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),  # fonts-wqy-zenhei
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),  # fonts-wqy-microhei
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),  # fonts-arphic-uming
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),  # fonts-droid-fallback
)


class NoChineseFont(DomainError):
    """No font to draw Chinese with: the operator's to fix, so 503 rather than a bad PDF."""

    status, code, title = 503, "no-chinese-font", "No Chinese font for PDFs"


def configured_font() -> Path | None:
    """The font file the environment names, if any (read each time: no restart needed)."""
    named = os.environ.get(FONT_ENV) or os.environ.get(OLD_FONT_ENV)
    return Path(named) if named else None


def find_font() -> Path:
    """The font file PDFs embed: the configured one, or the first Debian CJK font found."""
    named = configured_font()
    if named is not None:
        if not named.is_file():
            raise NoChineseFont(f"{FONT_ENV}={named} names no font file")
        return named
    for candidate in CANDIDATES:
        if candidate.is_file():
            return candidate
    raise NoChineseFont(
        f"no Chinese TrueType font found for PDFs: install the Debian package {FONT_PACKAGE}"
        f" (apt-get install {FONT_PACKAGE}) or set {FONT_ENV} to a .ttf/.ttc file"
    )


@functools.cache
def _registered(path: Path) -> str:
    # A distinct name per file, since reportlab's font registry is process-wide.
    name = f"Qise-{zlib.crc32(str(path).encode()):08x}"
    try:
        # A collection (.ttc) holds several faces: the first is the regular one.
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
    except (TTFError, OSError) as error:
        raise NoChineseFont(f"the font {path} cannot be embedded: {error}") from error
    return name


def pdf_font() -> str:
    """The registered name of the font to draw with; registers it on first use."""
    return _registered(find_font())
