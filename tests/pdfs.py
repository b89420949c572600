"""Looking at a PDF as a reader without Chinese fonts would: poppler's `pdffonts` for what
it embeds, `pdftoppm` for what it draws, with fontconfig pointed at no font at all (so a
font the PDF only names, such as STSong-Light, draws nothing, as on a viewer without
Asian language packs), and zxing-cpp to read the QR codes in the picture."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

needs_poppler = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("pdftoppm", "pdffonts", "pdftotext")),
    reason="needs poppler-utils (apt-get install poppler-utils; .ci/run does it)",
)

# Fonts a PDF may name without embedding: Latin only, and every viewer has them.
STANDARD_FONTS = frozenset({"Helvetica", "Helvetica-Bold", "Times-Roman", "Courier"})
NO_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""


@dataclass(frozen=True)
class PdfFont:
    name: str
    embedded: bool


def fonts_of(pdf: bytes) -> list[PdfFont]:
    """The fonts of every page, as `pdffonts` lists them."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.pdf"
        path.write_bytes(pdf)
        listing = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout
    fonts = []
    for line in listing.splitlines()[2:]:  # a header and a rule
        words = line.split()
        # The type may have spaces ("Type 1", "CID TrueType"): count from the right.
        fonts.append(PdfFont(name=words[0], embedded=words[-5] == "yes"))
    return fonts


def text_of(pdf: bytes) -> str:
    """The text a reader copies out of the PDF (`pdftotext`), every space and line break
    removed: Chinese wraps anywhere, so a sentence may be split at any character."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return "".join(text.split())


def render_pages(pdf: bytes, dpi: int) -> list[Image.Image]:
    """Every page as a picture, drawn by `pdftoppm -png` where fontconfig knows no font."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "doc.pdf").write_bytes(pdf)
        conf = root / "fonts.conf"
        conf.write_text(NO_FONTS_CONF.format(cache=root / "cache"))
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(root / "doc.pdf"), str(root / "page")],
            check=True,
            capture_output=True,
            env={"FONTCONFIG_FILE": str(conf), "PATH": "/usr/bin:/bin"},
        )
        pages = []
        for png in sorted(root.glob("page-*.png")):
            with Image.open(png) as image:
                pages.append(image.convert("L"))
        return pages


def dark_pixels(page: Image.Image, box: tuple[float, float, float, float]) -> int:
    """Pixels darker than mid-grey inside `box` (left, top, right, bottom: page fractions)."""
    width, height = page.size
    left, top, right, bottom = box
    area = page.crop(
        (int(left * width), int(top * height), int(right * width), int(bottom * height))
    )
    return sum(count for level, count in enumerate(area.histogram()) if level < 128)


def qr_texts(page: Image.Image) -> list[str]:
    """What the QR codes in the picture say."""
    return [found.text for found in zxingcpp.read_barcodes(page) if found.format.name == "QRCode"]


def save_for_review(pages: list[Image.Image], name: str) -> None:
    """Keeps the pictures under var/pdf-pages/ for a person to look at."""
    folder = Path(__file__).resolve().parents[1] / "var" / "pdf-pages"
    folder.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(pages, start=1):
        page.save(folder / f"{name}-{number}.png")
