"""The summary report; replaced by the full renderer."""

from __future__ import annotations

import html

from services.stats.schemas import Overview


def render_report_markdown(figures: Overview) -> str:
    return (
        f"# {figures.name}志愿服务工作总结\n\n"
        f"已吸收志愿者{figures.volunteers}人，注册队伍{figures.teams}支，"
        f"开展活动{figures.activities}次，服务群众{figures.people_served}人次。\n"
    )


def render_report_html(figures: Overview) -> str:
    return f"<html><body><pre>{html.escape(render_report_markdown(figures))}</pre></body></html>"
