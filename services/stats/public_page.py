"""The public page (公示栏) of a community or a branch as HTML: in Chinese, printable on A4.

It shows what `PublicPage` holds and nothing else: figures, color names, community
names, activity titles and days. No person is on it, by construction: the page is
rendered from that model alone.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass

from services.stats.report import CARE_KIND_NAMES, _decimal, _moment
from services.stats.schemas import PublicColor, PublicCommunity, PublicPage
from services.stats.settings import StatsSettings
from shared.chinese_dates import chinese_date
from shared.limits import ClientBuckets
from shared.printed_page import a4_page_css

_CSS = (
    a4_page_css(font_size="11.5pt", line_height="1.7")
    + """\
h1 { text-align: center; font-size: 22pt; margin: 2mm 0 1mm; letter-spacing: 2pt; }
.meta { text-align: center; font-size: 10pt; color: #444; margin: 0 0 5mm; }
h2 { font-size: 13pt; margin: 5mm 0 2mm; padding-left: 2mm; border-left: 3pt solid #b22; }
p { text-indent: 2em; margin: 0 0 3mm; }
table { width: 100%; border-collapse: collapse; font-size: 10.5pt; }
th, td { border: 0.5pt solid #555; padding: 1mm 2mm; text-align: center; }
th { background: #f3e6e6; }
td.name, td.title { text-align: left; }
h2, table, tr { break-inside: avoid; }
h2 { break-after: avoid; }
.foot { margin-top: 6mm; text-align: right; font-size: 10pt; color: #444; }
@media print { th { background: none; } }
"""
)


def _e(text: object) -> str:
    return html.escape(str(text))


def _table(head: list[str], rows: list[list[str]], name_columns: int = 1) -> str:
    header = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="name">{_e(cell)}</td>' if i < name_columns else f"<td>{_e(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


# The headline figures of a color and of a community, as the two tables show them.
_FIGURE_HEADS = ["队伍（支）", "志愿者（人）", "活动（次）", "服务群众（人次）", "服务时长（小时）"]


def _figure_cells(row: PublicColor | PublicCommunity) -> list[str]:
    return [
        str(row.teams),
        str(row.volunteers),
        str(row.activities),
        str(row.people_served),
        _decimal(row.volunteer_hours),
    ]


def render_public_html(page: PublicPage) -> str:
    """The notice board as a self-contained HTML page (no external resources)."""
    title = f"{page.name}志愿服务公示栏"
    branch = page.branch_name or page.branch
    where = f"所属大支部：{branch}　" if page.scope == "community" and branch else ""
    parts = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(where)}数据截至：{_e(_moment(page.as_of))}</p>',
        "<h2>总体情况</h2>",
        "<p>"
        + _e(
            f"现有志愿者{page.volunteers}人（其中党员{page.party_member_volunteers}人），"
            f"注册服务队伍{page.teams}支，累计开展活动{page.activities}次，"
            f"服务群众{page.people_served}人次，志愿服务{_decimal(page.volunteer_hours)}小时。"
        )
        + "</p>",
        "<h2>七彩服务队</h2>",
        _table(
            ["服务队", *_FIGURE_HEADS],
            [[c.name, *_figure_cells(c)] for c in page.colors],
        ),
    ]
    work = page.branch_work
    if page.scope == "branch":
        parts += [
            "<h2>共建社区</h2>",
            _table(
                ["社区", *_FIGURE_HEADS, "协助他社区（件）", "获他社区协助（件）"],
                [
                    [c.name, *_figure_cells(c), str(c.given), str(c.received)]
                    for c in page.communities
                ],
            ),
        ]
    parts += [
        "<h2>服务难题联解</h2>",
        "<p>"
        + _e(
            f"为大支部内其他社区办结订单{work.given}件，由其他社区协助办结订单{work.received}件，"
            f"提交大支部协调订单{work.escalated}件。"
        )
        + "</p>",
    ]
    if work.units:
        parts.append(
            _table(["驻区单位", "协助办结订单（件）"], [[u.name, str(u.given)] for u in work.units])
        )
    care = page.care_register
    kinds = "、".join(
        f"{CARE_KIND_NAMES.get(kind, kind)}{people}人" for kind, people in care.by_kind.items()
    )
    parts += [
        "<h2>关爱对象</h2>",
        "<p>"
        + _e(
            f"关爱对象{care.under_care}人{f'（{kinds}）' if kinds else ''}，"
            f"累计上门走访{care.visits}次，其中按时走访{care.visits_on_time}次，"
            f"目前逾期未访{care.overdue}人。"
        )
        + "</p>",
    ]
    colors = {c.category: c.name for c in page.colors}
    parts.append("<h2>近期活动</h2>")
    if page.recent_activities:
        head = ["日期", "活动", "服务队"] + (["社区"] if page.scope == "branch" else [])
        rows = [
            [chinese_date(a.day), a.title, colors.get(a.category, a.category)]
            + ([a.community_name] if page.scope == "branch" else [])
            for a in page.recent_activities
        ]
        parts.append(_table(head, rows, name_columns=2))
    else:
        parts.append("<p>暂无活动记录。</p>")
    parts.append('<p class="foot">欢迎居民群众监督</p>')
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"{body}\n"
        "</body>\n</html>\n"
    )


# -- kept answers and the pace of callers ------------------------------------------------


@dataclass(frozen=True)
class Kept:
    expires: float
    body: bytes
    media_type: str


class PublicAnswers:
    """The public pages' rendered answers, kept `seconds` per (path, format), and a
    bucket per client address: anyone may ask, so neither a crowd of residents nor a
    script can make the database do the work of every request."""

    MAX_KEPT = 10_000

    def __init__(self, settings: StatsSettings) -> None:
        self.seconds = settings.public_cache_seconds
        self.limit = ClientBuckets(
            per_minute=settings.public_per_minute, burst=settings.public_burst
        )
        self.kept: dict[tuple[str, ...], Kept] = {}

    def cache_control(self) -> str:
        return f"public, max-age={self.seconds}" if self.seconds > 0 else "no-store"

    def get(self, key: tuple[str, ...]) -> Kept | None:
        kept = self.kept.get(key)
        if kept is None or kept.expires <= time.monotonic():
            return None
        return kept

    def put(self, key: tuple[str, ...], body: bytes, media_type: str) -> Kept:
        kept = Kept(time.monotonic() + self.seconds, body, media_type)
        if self.seconds > 0:
            if len(self.kept) >= self.MAX_KEPT:
                now = time.monotonic()
                self.kept = {k: v for k, v in self.kept.items() if v.expires > now}
                if len(self.kept) >= self.MAX_KEPT:
                    self.kept.clear()
            self.kept[key] = kept
        return kept
