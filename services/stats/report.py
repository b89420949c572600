"""The summary report (志愿服务工作情况报告) as Markdown, as HTML and as PDF.

The wording follows the source document's own summary ("已吸收志愿者500余人，注册队伍21支，
开展活动100余次，服务群众2万余人次") and its paragraph per color team, but with exact figures
for the chosen scope and period. One function decides what the report says (`report_blocks`);
the three renderers only lay those blocks out, so every format always says the same thing.
The PDF embeds its Chinese font (`shared.pdf_fonts`): it shows the same on any viewer.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from services.stats.schemas import CategoryFigures, Overview
from shared.chinese_dates import chinese_date, chinese_period
from shared.printed_page import a4_document, a4_page_css, draw_footer

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle

# Reports are read by county and community staff, who think in Beijing time.
REPORT_ZONE = ZoneInfo("Asia/Shanghai")
NO_VALUE = "—"

BlockKind = Literal["title", "meta", "paragraph", "heading"]
Quote = Callable[[str], str]


@dataclass(frozen=True)
class Block:
    """One piece of the report; `text` is ready for its format except for the outer escaping."""

    kind: BlockKind
    text: str


# ---------------------------------------------------------------- numbers and dates


def _decimal(value: float) -> str:
    # At most one decimal and no trailing ".0" (1234.5, 12), and no thousands separator:
    # the source writes "10000余份", not "10,000".
    return f"{value:.1f}".removesuffix(".0")


def _percent(rate: float | None) -> str:
    # on_time_rate is a fraction (0.9231); the report speaks in percent with one decimal.
    return NO_VALUE if rate is None else f"{rate * 100:.1f}%"


def _rating(score: float | None) -> str:
    return NO_VALUE if score is None else f"{_decimal(score)}分"


def _moment(when: datetime | None) -> str:
    if when is None:
        return "暂无数据"
    # A naive time can only come from a caller building figures by hand; the store keeps UTC.
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    local = aware.astimezone(REPORT_ZONE)
    return f"{chinese_date(local.date())} {local:%H:%M}"


# ---------------------------------------------------------------- names from users


def _one_line(name: str) -> str:
    # A line break inside a name would end the paragraph (or start a heading) in Markdown,
    # and is never meant in a team or community name anyway.
    return " ".join(name.split())


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def _markdown_name(name: str) -> str:
    # CommonMark lets any ASCII punctuation be backslash-escaped and then shows it literally,
    # so escaping all of it neutralises emphasis, links, headings, lists, tables and raw HTML
    # alike, without a list of which character matters where.
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", _one_line(name))


# ---------------------------------------------------------------- what the report says


def _headline(figures: Overview) -> str:
    return (
        f"已吸收志愿者{figures.volunteers}人（其中党员{figures.party_member_volunteers}人），"
        f"注册队伍{figures.teams}支，开展活动{figures.activities}次，"
        f"服务群众{figures.people_served}人次，"
        f"累计志愿服务{_decimal(figures.volunteer_hours)}小时"
        f"（已认证{_decimal(figures.certified_hours)}小时）。"
    )


def _orders(figures: Overview) -> str:
    r = figures.requests
    return (
        f"推行订单式服务，受理居民服务订单{r.submitted}件，已办结{r.completed}件，"
        f"办理中{r.open}件，{f'已取消{r.cancelled}件，' if r.cancelled else ''}"
        f"按时办结率{_percent(r.on_time_rate)}，"
        f"居民平均评分{_rating(r.avg_rating)}。"
    )


def _money(yuan: float) -> str:
    # Yuan to the fen, and whole yuan without ".00": 1280元, 1234.50元.
    return f"{yuan:.2f}".removesuffix(".00")


def _income(figures: Overview) -> str:
    # The collective economy (壮大集体经济): what completed paid orders brought in.
    return (
        f"壮大集体经济，有偿服务订单已办结{figures.paid_orders}件，"
        f"实现服务收入{_money(figures.income)}元。"
    )


def _care(figures: Overview) -> str:
    c = figures.care_tasks
    return (
        f"落实党员“三必访五必谈”制度，关爱走访和谈心谈话任务待办{c.open}项"
        f"（其中逾期{c.overdue}项）、已完成{c.done}项。"
    )


def _branch_work(figures: Overview, quote: Quote) -> str:
    # 服务难题联解: what the area's teams did for the branch's other communities, and back.
    w = figures.branch_work
    units = "、".join(f"{quote(u.name)}{u.given}件" for u in w.units)
    return (
        f"推进服务难题联解，为大支部内其他社区办结订单{w.given}件，"
        f"由其他社区协助办结订单{w.received}件，提交大支部协调订单{w.escalated}件，"
        f"待大支部派单{w.escalations_waiting}件（其中超时{w.escalations_overdue}件）。"
        + (f"驻区单位协助办结：{units}。" if units else "")
    )


CARE_KIND_NAMES = {
    "elderly_alone": "独居老人",
    "disabled": "残疾人",
    "left_behind_child": "留守儿童",
    "family_in_difficulty": "困难家庭",
}


def _care_register(figures: Overview) -> str:
    # 关爱对象: counts only, never a person.
    c = figures.care_register
    kinds = "、".join(
        f"{CARE_KIND_NAMES.get(kind, kind)}{people}人" for kind, people in c.by_kind.items()
    )
    return (
        f"关爱对象{c.under_care}人{f'（{kinds}）' if kinds else ''}，"
        f"本期上门走访{c.visits}次，其中按计划按时走访{c.visits_on_time}次，"
        f"目前逾期未访{c.overdue}人。"
    )


def _category(figures: CategoryFigures, name: str) -> str:
    orders = f"受理订单{figures.requests}件。" if figures.requests else ""
    if figures.teams == 0 and figures.activities == 0:
        # A row of zeros reads as a failed report; say plainly that nothing is there yet.
        # Orders may still have come in for the category with no team to take them.
        return f"{name}暂无注册服务队伍，本期暂无活动记录。{orders}"
    strength = f"{name}服务队伍{figures.teams}支、志愿者{figures.volunteers}人"
    if figures.activities == 0:
        return f"{strength}，本期暂无活动记录。{orders}"
    return (
        f"{strength}，开展活动{figures.activities}次，服务群众{figures.people_served}人次，"
        f"志愿服务{_decimal(figures.volunteer_hours)}小时，受理订单{figures.requests}件。"
    )


def report_blocks(figures: Overview, quote: Quote = _one_line) -> list[Block]:
    """The report as blocks, in order; `quote` makes user-provided names safe for the format."""
    period = chinese_period(figures.start, figures.end)
    meta = f"统计期间：{period}　数据截至：{_moment(figures.as_of)}"
    blocks = [
        Block("title", f"{quote(figures.name)}志愿服务工作情况报告"),
        Block("meta", meta),
        Block("paragraph", _headline(figures)),
        Block("paragraph", _orders(figures)),
        Block("paragraph", _income(figures)),
        Block("paragraph", _care(figures)),
        Block("paragraph", _branch_work(figures, quote)),
        Block("paragraph", _care_register(figures)),
    ]
    for category in figures.by_category:
        name = quote(category.name)
        blocks.append(Block("heading", name))
        blocks.append(Block("paragraph", _category(category, name)))
    return blocks


# ---------------------------------------------------------------- Markdown

_MARKDOWN_PREFIX: dict[BlockKind, str] = {
    "title": "# ",
    "heading": "## ",
    "meta": "",
    "paragraph": "",
}


def render_report_markdown(figures: Overview) -> str:
    """The report as Markdown: `#` title, plain paragraphs, a `##` section per category."""
    # Only names are escaped: our own prose has no markup, and escaping it would litter
    # every decimal point with a backslash.
    blocks = report_blocks(figures, _markdown_name)
    return "\n\n".join(_MARKDOWN_PREFIX[b.kind] + b.text for b in blocks) + "\n"


# ---------------------------------------------------------------- HTML

_CSS = (
    a4_page_css(font_size="12pt", line_height="1.8")
    + """\
h1 { text-align: center; font-size: 20pt; margin: 4mm 0 3mm; }
.meta { text-align: center; font-size: 10.5pt; color: #444; margin: 0 0 6mm; }
p { text-indent: 2em; margin: 0 0 3mm; }
.meta { text-indent: 0; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; padding-left: 2mm; border-left: 3pt solid #b22; }
h2, h2 + p { break-inside: avoid; }
h2 { break-after: avoid; }
"""
)

_HTML_TAG: dict[BlockKind, str] = {
    "title": "<h1>{}</h1>",
    "meta": '<p class="meta">{}</p>',
    "heading": "<h2>{}</h2>",
    "paragraph": "<p>{}</p>",
}


def render_report_html(figures: Overview) -> str:
    """The report as a self-contained, printable HTML page (no external resources)."""
    # Everything is escaped here, names and prose alike: escaping is invisible in HTML.
    blocks = report_blocks(figures)
    title = html.escape(blocks[0].text)
    body = "\n".join(_HTML_TAG[b.kind].format(html.escape(b.text)) for b in blocks)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"{body}\n"
        "</body>\n</html>\n"
    )


# ---------------------------------------------------------------- PDF


# reportlab is imported where a PDF is drawn: the stats process keeps projecting
# without it in memory until someone asks for a PDF.


def _pdf_styles(font: str) -> dict[BlockKind, ParagraphStyle]:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm

    # As the HTML's CSS: CJK word wrap (Chinese breaks between any characters), an indented
    # first line, a centred title and period, a heading with room above it.
    body = ParagraphStyle(
        "paragraph",
        fontName=font,
        fontSize=12,
        leading=21,
        firstLineIndent=24,
        spaceAfter=3 * mm,
        wordWrap="CJK",
    )
    return {
        "paragraph": body,
        "title": ParagraphStyle(
            "title", parent=body, fontSize=20, leading=28, alignment=TA_CENTER, firstLineIndent=0
        ),
        "meta": ParagraphStyle(
            "meta",
            parent=body,
            fontSize=10.5,
            leading=15,
            alignment=TA_CENTER,
            firstLineIndent=0,
            textColor=colors.HexColor("#444444"),
            spaceAfter=6 * mm,
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=body,
            fontSize=13,
            leading=18,
            firstLineIndent=0,
            spaceBefore=3 * mm,
            spaceAfter=2 * mm,
        ),
    }


def render_report_pdf(figures: Overview) -> bytes:
    """The report as an A4 PDF, the same blocks as the other formats, page numbers below."""
    from reportlab.platypus import KeepTogether, Paragraph

    from shared.pdf_fonts import pdf_font

    font = pdf_font()
    styles = _pdf_styles(font)
    blocks = report_blocks(figures)
    # Paragraph reads its text as markup: every block is escaped, names and prose alike.
    flowables: list[Any] = []
    pending_heading: Paragraph | None = None
    for block in blocks:
        paragraph = Paragraph(xml_escape(block.text), styles[block.kind])
        if block.kind == "heading":
            pending_heading = paragraph
            continue
        if pending_heading is not None:
            # A heading never ends a page without its paragraph.
            flowables.append(KeepTogether([pending_heading, paragraph]))
            pending_heading = None
        else:
            flowables.append(paragraph)
    if pending_heading is not None:
        flowables.append(pending_heading)

    def footer(canvas: Any, doc: Any) -> None:
        draw_footer(canvas, font, f"第 {doc.page} 页")

    buffer = io.BytesIO()
    doc = a4_document(buffer, title=blocks[0].text)
    doc.build(flowables, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
