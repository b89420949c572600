"""Renders a volunteer service certificate (志愿服务证明) as HTML and as PDF.

The content follows the Ministry of Civil Affairs' 志愿服务记录办法 (Decree No. 67) and
志愿服务记录与证明出具办法 (2015): who the volunteer is, when and what they served,
the certified total, and who issues the certificate, signed and sealed.
"""

from __future__ import annotations

import functools
import html
import io
import os
import zlib
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from reportlab.graphics.shapes import Circle, Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.activities.certificate_data import CertificateData, ServiceLine
from shared.chinese_dates import chinese_date, chinese_period
from shared.printed_page import a4_page_css

TITLE = "志愿服务证明"
FONT_ENV = "QISE_CERTIFICATE_FONT"
BLANK_SIGNATURE = "________"
SEAL_TEXT = "（单位印章）"
# A certificate not issued yet is shown as a preview: no number, and said so on every page.
PREVIEW = "预览"
PREVIEW_NUMBER = "（未编号，预览）"
NOT_ISSUED = "（尚未出具）"

_CID_FONT = "STSong-Light"
_TABLE_HEADERS = ("日期", "活动名称", "服务类别", "服务类型", "服务队伍", "时长（小时）")
_SEAL_RED = colors.HexColor("#c0392b")


# ---------------------------------------------------------------- shared wording


def _number(data: CertificateData) -> str:
    return PREVIEW_NUMBER if data.number is None else data.number


def file_name(data: CertificateData) -> str:
    """The file name, without extension: the number, or (ASCII, for the header) a preview's."""
    return f"preview-{data.volunteer_number}" if data.number is None else data.number


def _preview_notice(data: CertificateData) -> str:
    return (
        f"{PREVIEW}（{chinese_date(data.issued_on)}）：本证明尚未出具，没有证明编号，"
        "不能作为证明使用。由社区管理员出具后，证明编号将显示在此处。"
    )


def _format_hours(hours: float) -> str:
    # Up to two decimals, without trailing zeros: 12.5, 3, 0.25.
    return f"{hours:.2f}".rstrip("0").rstrip(".")


def _format_period(data: CertificateData) -> str:
    return chinese_period(
        data.period_from,
        data.period_to,
        between="{start} 至 {end}",
        since="{start} 起",
        until="截至 {end}",
    )


def _period_phrase(data: CertificateData) -> str:
    return chinese_period(
        data.period_from, data.period_to, between="于{start}至{end}期间", whole=""
    )


def _statement(data: CertificateData) -> str:
    return (
        f"兹证明 {data.volunteer_name} 同志（志愿者编号：{data.volunteer_number}）"
        f"{_period_phrase(data)}参加志愿服务，"
        f"经核实累计志愿服务时长 {_format_hours(data.total_hours)} 小时。特此证明。"
    )


def _signature(name: str | None) -> str:
    return BLANK_SIGNATURE if name is None else name


def _line_cells(line: ServiceLine) -> tuple[str, ...]:
    # ISO dates keep the date column narrow; the long form is for the prose.
    return (
        line.day.isoformat(),
        line.title,
        line.category_name,
        line.kind_name,
        line.team_name,
        _format_hours(line.hours),
    )


def _fact_rows(data: CertificateData) -> list[tuple[str, str]]:
    return [
        ("姓名", data.volunteer_name),
        ("志愿者编号", data.volunteer_number),
        ("服务时间段", _format_period(data)),
        ("累计志愿服务时长", f"{_format_hours(data.total_hours)} 小时"),
    ]


def _issuer_rows(data: CertificateData) -> list[tuple[str, str]]:
    return [
        ("出具单位", data.organisation),
        ("负责人", _signature(data.person_in_charge)),
        ("经办人", _signature(data.handler)),
        ("出具日期", NOT_ISSUED if data.number is None else chinese_date(data.issued_on)),
    ]


# ---------------------------------------------------------------- HTML

_CSS = (
    a4_page_css(font_size="11pt", line_height="1.7")
    + """\
.number { text-align: right; font-size: 10pt; color: #444; }
h1 { text-align: center; font-size: 24pt; letter-spacing: 0.5em; margin: 6mm 0 8mm; }
.facts { border-collapse: collapse; margin-bottom: 5mm; }
.facts th { text-align: left; font-weight: normal; color: #444; padding: 0 4mm 0 0; }
.facts td { padding: 0; }
.statement { text-indent: 2em; font-size: 12pt; margin: 5mm 0; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; }
.lines { width: 100%; border-collapse: collapse; font-size: 9.5pt; line-height: 1.4; }
.lines th, .lines td { border: 1px solid #555; padding: 1.5mm 2mm; vertical-align: top; }
.lines thead th { background: #f0f0f0; }
.lines thead { display: table-header-group; }
.lines tr { break-inside: avoid; }
.lines .hours { text-align: right; white-space: nowrap; }
.lines .date { white-space: nowrap; }
.lines .empty { text-align: center; color: #666; }
.lines tfoot td { font-weight: bold; }
.issuer { display: flex; justify-content: flex-end; align-items: center; gap: 8mm;
  margin-top: 12mm; break-inside: avoid; }
.issuer table { border-collapse: collapse; }
.issuer th { text-align: right; font-weight: normal; padding: 1mm 2mm 1mm 0; }
.issuer td { padding: 1mm 0; min-width: 40mm; }
.seal { width: 40mm; height: 40mm; border: 2px dashed #c0392b; border-radius: 50%;
  display: flex; align-items: center; justify-content: center; color: #c0392b;
  font-size: 10pt; flex: none; }
.preview { border: 2px solid #c0392b; color: #c0392b; padding: 2mm 4mm; font-size: 10.5pt; }
.watermark { position: fixed; top: 40%; left: 0; right: 0; text-align: center;
  font-size: 96pt; color: rgba(192, 57, 43, 0.12); transform: rotate(-30deg);
  pointer-events: none; }
"""
)


def _html_facts(data: CertificateData) -> str:
    body = "".join(
        f"<tr><th>{html.escape(label)}：</th><td>{html.escape(value)}</td></tr>"
        for label, value in _fact_rows(data)
    )
    return f'<table class="facts">{body}</table>'


def _html_line_row(line: ServiceLine) -> str:
    cells = _line_cells(line)
    classes = ("date", "", "", "", "", "hours")
    tds = "".join(
        f'<td class="{css}">{html.escape(text)}</td>' if css else f"<td>{html.escape(text)}</td>"
        for css, text in zip(classes, cells, strict=True)
    )
    return f"<tr>{tds}</tr>"


def _html_lines(data: CertificateData) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in _TABLE_HEADERS)
    width = len(_TABLE_HEADERS)
    if data.lines:
        body = "".join(_html_line_row(line) for line in data.lines)
    else:
        body = f'<tr><td class="empty" colspan="{width}">暂无已核实的志愿服务记录</td></tr>'
    total = html.escape(_format_hours(data.total_hours))
    foot = f'<tr><td colspan="{width - 1}">合计</td><td class="hours">{total}</td></tr>'
    return (
        '<table class="lines">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody><tfoot>{foot}</tfoot>"
        "</table>"
    )


def _html_issuer(data: CertificateData) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(label)}：</th><td>{html.escape(value)}</td></tr>"
        for label, value in _issuer_rows(data)
    )
    return (
        '<div class="issuer">'
        f"<table>{rows}</table>"
        f'<div class="seal">{html.escape(SEAL_TEXT)}</div>'
        "</div>"
    )


def _html_preview(data: CertificateData) -> str:
    if data.number is not None:
        return ""
    return (
        f'<div class="watermark" aria-hidden="true">{PREVIEW}</div>\n'
        f'<p class="preview">{html.escape(_preview_notice(data))}</p>\n'
    )


def render_html(data: CertificateData) -> str:
    """A self-contained, printable (A4) HTML page of the certificate."""
    number = html.escape(_number(data))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{TITLE} {number}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"{_html_preview(data)}"
        f'<p class="number">证明编号：{number}</p>\n'
        f"<h1>{TITLE}</h1>\n"
        f"{_html_facts(data)}\n"
        f'<p class="statement">{html.escape(_statement(data))}</p>\n'
        f"<h2>服务内容</h2>\n{_html_lines(data)}\n"
        f"{_html_issuer(data)}\n"
        "</body>\n</html>\n"
    )


# ---------------------------------------------------------------- PDF


@functools.cache
def _registered_font(path: str | None) -> str:
    """Registers the certificate font once per path and returns its name."""
    if path is None:
        pdfmetrics.registerFont(UnicodeCIDFont(_CID_FONT))
        return _CID_FONT
    # A distinct name per path, since reportlab's registry is process-wide.
    name = f"QiseCertificate-{zlib.crc32(path.encode()):08x}"
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    return name


def _font_name() -> str:
    # Read at render time so an operator can switch fonts without a code change.
    return _registered_font(os.environ.get(FONT_ENV) or None)


def _styles(font: str) -> dict[str, ParagraphStyle]:
    # CJK word wrap: Chinese has no spaces, so lines may break between any characters.
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=18, wordWrap="CJK")
    return {
        "body": base,
        "number": ParagraphStyle("number", parent=base, fontSize=9, alignment=TA_RIGHT),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=24, leading=32, alignment=TA_CENTER, spaceAfter=8 * mm
        ),
        "statement": ParagraphStyle(
            "statement", parent=base, fontSize=12, leading=22, firstLineIndent=24
        ),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12, spaceBefore=4 * mm),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
        "hours": ParagraphStyle("hours", parent=base, fontSize=9, leading=12, alignment=TA_RIGHT),
        "preview": ParagraphStyle(
            "preview",
            parent=base,
            fontSize=10.5,
            textColor=_SEAL_RED,
            borderColor=_SEAL_RED,
            borderWidth=1,
            borderPadding=6,
            spaceAfter=6 * mm,
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    # Paragraph parses its text as markup, so data must never reach it unescaped.
    return Paragraph(xml_escape(text), style)


def _pdf_facts(data: CertificateData, styles: dict[str, ParagraphStyle]) -> Table:
    body = styles["body"]
    table = Table(
        [[_p(f"{label}：", body), _p(value, body)] for label, value in _fact_rows(data)],
        colWidths=[44 * mm, None],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle([("TOPPADDING", (0, 0), (-1, -1), 0), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return table


def _pdf_lines(data: CertificateData, styles: dict[str, ParagraphStyle]) -> Table:
    cell, hours = styles["cell"], styles["hours"]
    width = len(_TABLE_HEADERS)
    rows: list[list[Any]] = [[_p(h, cell) for h in _TABLE_HEADERS]]
    for line in data.lines:
        *texts, line_hours = _line_cells(line)
        rows.append([*(_p(t, cell) for t in texts), _p(line_hours, hours)])
    spans: list[tuple[Any, ...]] = []
    if not data.lines:
        rows.append([_p("暂无已核实的志愿服务记录", cell)] + [""] * (width - 1))
        spans.append(("SPAN", (0, 1), (-1, 1)))
    rows.append(
        [_p("合计", cell)] + [""] * (width - 2) + [_p(_format_hours(data.total_hours), hours)]
    )
    spans.append(("SPAN", (0, -1), (-2, -1)))
    table = Table(
        rows,
        colWidths=[24 * mm, 44 * mm, 20 * mm, 24 * mm, 35 * mm, 23 * mm],
        repeatRows=1,  # the header repeats on every page the table flows onto
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#555555")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                *spans,
            ]
        )
    )
    return table


def _seal(font: str) -> Drawing:
    size = 40 * mm
    drawing = Drawing(size, size)
    drawing.add(
        Circle(
            size / 2,
            size / 2,
            size / 2 - 1,
            strokeColor=_SEAL_RED,
            strokeWidth=1.2,
            strokeDashArray=[4, 3],
            fillColor=None,
        )
    )
    drawing.add(
        String(
            size / 2,
            size / 2 - 4,
            SEAL_TEXT,
            fontName=font,
            fontSize=10,
            fillColor=_SEAL_RED,
            textAnchor="middle",
        )
    )
    return drawing


def _pdf_issuer(data: CertificateData, styles: dict[str, ParagraphStyle]) -> Table:
    body = styles["body"]
    signatures = Table(
        [[_p(f"{label}：", body), _p(value, body)] for label, value in _issuer_rows(data)],
        colWidths=[24 * mm, 60 * mm],
    )
    outer = Table(
        [[signatures, _seal(body.fontName)]], colWidths=[86 * mm, 44 * mm], hAlign="RIGHT"
    )
    outer.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return outer


def _footer(data: CertificateData, font: str) -> Callable[[Any, Any], None]:
    # Every page carries the number (or says "preview"), so no loose page is untraceable.
    number = _number(data)

    def draw(canvas: Any, doc: Any) -> None:
        if data.number is None:
            canvas.saveState()
            canvas.setFont(font, 96)
            canvas.setFillColor(_SEAL_RED, alpha=0.12)
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(30)
            canvas.drawCentredString(0, 0, PREVIEW)
            canvas.restoreState()
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"证明编号：{number}    第 {doc.page} 页")
        canvas.restoreState()

    return draw


def render_pdf(data: CertificateData) -> bytes:
    """The certificate as an A4 PDF; long service tables flow onto further pages."""
    font = _font_name()
    styles = _styles(font)
    number = _number(data)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=f"{TITLE} {number}",
        # The title is written as UTF-16; the subject keeps the ASCII number searchable.
        subject=file_name(data),
        author=data.organisation,
        creator="Qise",
    )
    story: list[Any] = []
    if data.number is None:
        story.append(_p(_preview_notice(data), styles["preview"]))
    story += [
        _p(f"证明编号：{number}", styles["number"]),
        Spacer(1, 6 * mm),
        _p(TITLE, styles["title"]),
        _pdf_facts(data, styles),
        _p(_statement(data), styles["statement"]),
        _p("服务内容", styles["heading"]),
        Spacer(1, 2 * mm),
        _pdf_lines(data, styles),
        Spacer(1, 12 * mm),
        _pdf_issuer(data, styles),
    ]
    footer = _footer(data, font)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
