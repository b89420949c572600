"""Renders a volunteer service certificate (志愿服务证明) as HTML and as PDF.

The content follows the Ministry of Civil Affairs' 志愿服务记录办法 (Decree No. 67) and
志愿服务记录与证明出具办法 (2015): who the volunteer is, when and what they served,
the certified total, and who issues the certificate, signed and sealed. An issued
certificate also carries its check code and a QR code of the address where anyone can
check it (`render_check_html` is that address's page).
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from datetime import date
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import segno
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Circle, Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from services.activities.certificate_data import CertificateData, ServiceLine
from services.activities.schemas import CertificateCheck
from shared.chinese_dates import chinese_date, chinese_period
from shared.pdf_fonts import pdf_font
from shared.printed_page import a4_document, a4_page_css, draw_footer

TITLE = "志愿服务证明"
CHECK_TITLE = "志愿服务证明核验"
BLANK_SIGNATURE = "________"
SEAL_TEXT = "（单位印章）"
# A certificate not issued yet is shown as a preview: no number, and said so on every page.
PREVIEW = "预览"
PREVIEW_NUMBER = "（未编号，预览）"
NOT_ISSUED = "（尚未出具）"
VERIFY_NOTICE = "扫描二维码或访问以下网址，可核验本证明的真伪与当前状态："

# Medium error correction: a smudged or folded print still scans.
QR_ERROR_LEVEL = "M"
QR_SIZE_MM = 30
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


def _format_period(period_from: date | None, period_to: date | None) -> str:
    return chinese_period(
        period_from,
        period_to,
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
        ("服务时间段", _format_period(data.period_from, data.period_to)),
        ("累计志愿服务时长", f"{_format_hours(data.total_hours)} 小时"),
    ]


def grouped_code(code: str) -> str:
    """The check code as printed, in two groups of four (ABCD-EFGH): easier to copy."""
    return f"{code[:4]}-{code[4:]}" if len(code) > 4 else code


def _number_line(data: CertificateData) -> str:
    line = f"证明编号：{_number(data)}"
    if data.check_code is not None:
        line += f"　核验码：{grouped_code(data.check_code)}"
    return line


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
.verify { display: flex; align-items: center; gap: 5mm; margin-top: 10mm; font-size: 9.5pt;
  color: #444; break-inside: avoid; }
.verify svg { flex: none; }
.verify .url { word-break: break-all; font-family: monospace; }
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


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG, 30 mm square when printed: no image to fetch."""
    code = segno.make(url, error=QR_ERROR_LEVEL)
    # Modules plus the quiet zone of four the standard asks for around them.
    scale = QR_SIZE_MM / (code.symbol_size(scale=1, border=4)[0])
    return str(code.svg_inline(scale=scale, unit="mm", border=4, svgclass="qr", lineclass=None))


def _html_verification(data: CertificateData) -> str:
    if data.verification_url is None or data.check_code is None:
        return ""
    url = html.escape(data.verification_url)
    return (
        '<div class="verify">'
        f"{qr_svg(data.verification_url)}"
        f"<p>{html.escape(VERIFY_NOTICE)}<br>"
        f'<span class="url">{url}</span><br>'
        f"证明编号：{html.escape(data.number or '')}　"
        f"核验码：{html.escape(grouped_code(data.check_code))}</p>"
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
        f'<p class="number">{html.escape(_number_line(data))}</p>\n'
        f"<h1>{TITLE}</h1>\n"
        f"{_html_facts(data)}\n"
        f'<p class="statement">{html.escape(_statement(data))}</p>\n'
        f"<h2>服务内容</h2>\n{_html_lines(data)}\n"
        f"{_html_issuer(data)}\n"
        f"{_html_verification(data)}\n"
        "</body>\n</html>\n"
    )


# ---------------------------------------------------------------- the check page

_CHECK_CSS = (
    a4_page_css(font_size="12pt", line_height="1.7")
    + """\
h1 { text-align: center; font-size: 20pt; margin: 4mm 0 6mm; }
.status { padding: 3mm 5mm; border: 2px solid; font-size: 13pt; }
.valid { color: #1e7b34; border-color: #1e7b34; }
.superseded { color: #b35c00; border-color: #b35c00; }
.unknown { color: #555; border-color: #999; }
.facts { border-collapse: collapse; margin: 5mm 0; }
.facts th { text-align: left; font-weight: normal; color: #444; padding: 1mm 4mm 1mm 0; }
form { margin-top: 6mm; }
input { font-size: 12pt; padding: 1mm 2mm; letter-spacing: 0.1em; }
.note { font-size: 10pt; color: #555; }
/* Opened from the QR code, mostly on a phone: keep the text off the screen's edges. */
@media screen { body { padding: 6mm 4mm; } }
"""
)

CHECK_VERDICTS = {
    "valid": "该证明真实有效：由出具单位出具，所计入的志愿服务记录至今有效。",
    "superseded": (
        "该证明确由出具单位出具，但已失效：其计入的活动此后被作废或更正，"
        "所证明的时长已不成立。请向出具单位索取新的证明。"
    ),
    "unknown": "未找到与该证明编号和核验码相符的证明。请核对证明上印的编号和核验码。",
}


def _check_rows(check: CertificateCheck) -> list[tuple[str, str]]:
    period = check.period
    return [
        ("证明编号", check.number),
        ("志愿者", check.volunteer_name or ""),
        ("服务时间段", _format_period(period.start, period.end) if period else ""),
        ("累计志愿服务时长", f"{_format_hours(check.certified_hours or 0.0)} 小时"),
        ("出具单位", check.organisation or ""),
        ("出具日期", chinese_date(check.issued_on) if check.issued_on else ""),
    ]


def render_check_html(check: CertificateCheck) -> str:
    """The page of `GET /certificates/{number}` in a browser: the verdict, what the
    certificate certified (the name masked), and a box to type the check code into."""
    facts = ""
    if check.status != "unknown":
        rows = "".join(
            f"<tr><th>{html.escape(label)}：</th><td>{html.escape(value)}</td></tr>"
            for label, value in _check_rows(check)
        )
        facts = f'<table class="facts">{rows}</table>\n'
    verdict = html.escape(CHECK_VERDICTS[check.status])
    number = html.escape(check.number)
    # The form asks the same address again: through the console or not, it stays right.
    form = (
        '<form method="get">'
        '<input type="hidden" name="format" value="html">'
        f'<label>证明编号 {number} 的核验码：<input name="code" maxlength="20" '
        'autocomplete="off" placeholder="XXXX-XXXX" required></label> '
        '<button type="submit">核验</button></form>\n'
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{CHECK_TITLE} {number}</title>\n<style>{_CHECK_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{CHECK_TITLE}</h1>\n"
        f'<p class="status {check.status}">{verdict}</p>\n'
        f"{facts}"
        f"{form if check.status == 'unknown' else ''}"
        '<p class="note">为保护个人信息，姓名部分隐去；本页不显示电话、证件号码等个人信息。</p>\n'
        "</body>\n</html>\n"
    )


# ---------------------------------------------------------------- PDF


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
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13),
        # An address has no spaces to break at: CJK wrapping breaks it anywhere.
        "url": ParagraphStyle("url", parent=base, fontSize=8.5, leading=12),
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


def qr_drawing(url: str, size: float = QR_SIZE_MM * mm) -> Drawing:
    """The QR code of `url`, `size` square, drawn as vector shapes into the PDF."""
    widget = QrCodeWidget(url, barLevel=QR_ERROR_LEVEL)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _pdf_verification(data: CertificateData, styles: dict[str, ParagraphStyle]) -> list[Any]:
    if data.verification_url is None or data.check_code is None:
        return []
    text = styles["small"]
    words = Table(
        [
            [_p(VERIFY_NOTICE, text)],
            [_p(data.verification_url, styles["url"])],
            [_p(f"证明编号：{data.number}　核验码：{grouped_code(data.check_code)}", text)],
        ],
        hAlign="LEFT",
    )
    outer = Table(
        [[qr_drawing(data.verification_url), words]],
        colWidths=[(QR_SIZE_MM + 4) * mm, None],
        hAlign="LEFT",
    )
    outer.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)])
    )
    return [Spacer(1, 8 * mm), outer]


def _footer(data: CertificateData, font: str) -> Callable[[Any, Any], None]:
    # Every page carries the number (or says "preview"), so no loose page is untraceable.
    number = _number_line(data)

    def draw(canvas: Any, doc: Any) -> None:
        if data.number is None:
            canvas.saveState()
            canvas.setFont(font, 96)
            canvas.setFillColor(_SEAL_RED, alpha=0.12)
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(30)
            canvas.drawCentredString(0, 0, PREVIEW)
            canvas.restoreState()
        draw_footer(canvas, font, f"{number}    第 {doc.page} 页", size=8)

    return draw


def render_pdf(data: CertificateData) -> bytes:
    """The certificate as an A4 PDF; long service tables flow onto further pages."""
    font = pdf_font()
    styles = _styles(font)
    number = _number(data)
    buffer = io.BytesIO()
    doc = a4_document(
        buffer,
        title=f"{TITLE} {number}",
        # The title is written as UTF-16; the subject keeps the ASCII number searchable.
        subject=file_name(data),
        author=data.organisation,
    )
    story: list[Any] = []
    if data.number is None:
        story.append(_p(_preview_notice(data), styles["preview"]))
    story += [
        _p(_number_line(data), styles["number"]),
        Spacer(1, 6 * mm),
        _p(TITLE, styles["title"]),
        _pdf_facts(data, styles),
        _p(_statement(data), styles["statement"]),
        _p("服务内容", styles["heading"]),
        Spacer(1, 2 * mm),
        _pdf_lines(data, styles),
        Spacer(1, 12 * mm),
        _pdf_issuer(data, styles),
        *_pdf_verification(data, styles),
    ]
    footer = _footer(data, font)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
