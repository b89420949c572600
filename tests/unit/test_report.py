"""The summary report (志愿服务工作情况报告) as Markdown, as HTML and as PDF."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.stats.report import (
    render_report_html,
    render_report_markdown,
    render_report_pdf,
    report_blocks,
)
from services.stats.schemas import (
    BranchWork,
    CareRegisterFigures,
    CareTaskFigures,
    CategoryFigures,
    Overview,
    RequestFigures,
    UnitWork,
)
from tests.pdfs import (
    STANDARD_FONTS,
    dark_pixels,
    fonts_of,
    needs_poppler,
    render_pages,
    save_for_review,
    text_of,
)

EVIL = "<script>alert(1)</script>"


def _red(**changes: Any) -> CategoryFigures:
    values: dict[str, Any] = {
        "category": "red",
        "name": "红色先锋",
        "teams": 3,
        "volunteers": 86,
        "activities": 160,
        "people_served": 2300,
        "volunteer_hours": 412.5,
        "certified_hours": 380.0,
        "requests": 18,
    }
    return CategoryFigures(**(values | changes))


def _figures(**changes: Any) -> Overview:
    values: dict[str, Any] = {
        "scope": "community",
        "id": "longquan",
        "name": "龙泉社区",
        "start": date(2026, 1, 1),
        "end": date(2026, 11, 30),
        "communities": ["longquan"],
        "volunteers": 500,
        "party_member_volunteers": 120,
        "teams": 21,
        "activities": 104,
        "people_served": 20345,
        "volunteer_hours": 1234.5,
        "certified_hours": 1000.0,
        "requests": RequestFigures(
            submitted=40, open=5, completed=33, cancelled=2, on_time_rate=0.9231, avg_rating=4.63
        ),
        "care_tasks": CareTaskFigures(open=6, done=25, overdue=1),
        "by_category": [
            _red(),
            CategoryFigures(category="purple", name="紫色文体"),
        ],
        "as_of": datetime(2026, 11, 25, 6, 30, tzinfo=UTC),
    }
    return Overview(**(values | changes))


def _paragraphs(markdown: str) -> list[str]:
    return markdown.strip().split("\n\n")


# ---------------------------------------------------------------- what it says


def test_headline_sentence_is_exact() -> None:
    assert (
        "已吸收志愿者500人（其中党员120人），注册队伍21支，开展活动104次，"
        "服务群众20345人次，累计志愿服务1234.5小时（已认证1000小时）。"
    ) in _paragraphs(render_report_markdown(_figures()))


@pytest.mark.parametrize(
    ("hours", "shown"),
    [
        (1234.5, "1234.5"),
        (12.0, "12"),
        (0.0, "0"),
        (7.25, "7.2"),
        (99.96, "100"),
        (20000.0, "20000"),
    ],
)
def test_hours_have_at_most_one_decimal_and_no_trailing_zero(hours: float, shown: str) -> None:
    text = render_report_markdown(_figures(volunteer_hours=hours))
    assert f"累计志愿服务{shown}小时（" in text


def test_title_and_as_of_in_shanghai_time() -> None:
    paragraphs = _paragraphs(render_report_markdown(_figures()))
    assert paragraphs[0] == "# 龙泉社区志愿服务工作情况报告"
    # 06:30 UTC is 14:30 in Beijing.
    assert paragraphs[1].endswith("数据截至：2026年11月25日 14:30")


def test_as_of_missing() -> None:
    assert "数据截至：暂无数据" in render_report_markdown(_figures(as_of=None))


@pytest.mark.parametrize(
    ("start", "end", "line"),
    [
        (date(2026, 1, 1), date(2026, 11, 30), "统计期间：2026年1月1日至2026年11月30日"),
        (None, None, "统计期间：全部"),
        (date(2026, 3, 5), None, "统计期间：自2026年3月5日起"),
        (None, date(2026, 6, 30), "统计期间：截至2026年6月30日"),
    ],
)
def test_period_line(start: date | None, end: date | None, line: str) -> None:
    meta = _paragraphs(render_report_markdown(_figures(start=start, end=end)))[1]
    assert meta.startswith(line + "　")


def test_orders_and_care_sentences() -> None:
    paragraphs = _paragraphs(render_report_markdown(_figures()))
    assert paragraphs[3] == (
        "推行订单式服务，受理居民服务订单40件，已办结33件，办理中5件，已取消2件，"
        "按时办结率92.3%，居民平均评分4.6分。"
    )
    assert paragraphs[4] == "壮大集体经济，有偿服务订单已办结0件，实现服务收入0元。"
    assert paragraphs[5] == (
        "落实党员“三必访五必谈”制度，关爱走访和谈心谈话任务待办6项（其中逾期1项）、已完成25项。"
    )


def test_income_sentence() -> None:
    text = render_report_markdown(_figures(paid_orders=3, income=1234.5))
    assert "壮大集体经济，有偿服务订单已办结3件，实现服务收入1234.50元。" in text
    whole = render_report_markdown(_figures(paid_orders=2, income=80.0))
    assert "实现服务收入80元。" in whole


def test_branch_work_sentence() -> None:
    paragraphs = _paragraphs(render_report_markdown(_figures()))
    assert paragraphs[6] == (
        "推进服务难题联解，为大支部内其他社区办结订单0件，由其他社区协助办结订单0件，"
        "提交大支部协调订单0件，待大支部派单0件（其中超时0件）。"
    )
    work = BranchWork(
        given=4,
        received=2,
        escalated=3,
        escalations_waiting=1,
        escalations_overdue=1,
        units=[
            UnitWork(unit_id="u1", name="县人民医院", community_id="longquan", given=3),
            UnitWork(unit_id="u2", name="*第一小学*", community_id="longquan", given=0),
        ],
    )
    text = render_report_markdown(_figures(branch_work=work))
    assert (
        "推进服务难题联解，为大支部内其他社区办结订单4件，由其他社区协助办结订单2件，"
        "提交大支部协调订单3件，待大支部派单1件（其中超时1件）。"
        r"驻区单位协助办结：县人民医院3件、\*第一小学\*0件。"
    ) in text


def test_care_register_sentence() -> None:
    care = CareRegisterFigures(
        under_care=5,
        by_kind={"elderly_alone": 3, "disabled": 2, "left_behind_child": 0},
        visits=12,
        visits_on_time=10,
        overdue=1,
    )
    paragraphs = _paragraphs(render_report_markdown(_figures(care_register=care)))
    assert paragraphs[7] == (
        "关爱对象5人（独居老人3人、残疾人2人、留守儿童0人），"
        "本期上门走访12次，其中按计划按时走访10次，目前逾期未访1人。"
    )
    assert "关爱对象0人，本期上门走访0次" in render_report_markdown(_figures())


def test_orders_sentence_without_rates() -> None:
    text = render_report_markdown(_figures(requests=RequestFigures()))
    assert "受理居民服务订单0件，已办结0件，办理中0件，按时办结率—，居民平均评分—。" in text


def test_a_section_per_category_in_the_given_order() -> None:
    paragraphs = _paragraphs(render_report_markdown(_figures()))
    assert paragraphs[8:] == [
        "## 红色先锋",
        "红色先锋服务队伍3支、志愿者86人，开展活动160次，服务群众2300人次，"
        "志愿服务412.5小时，受理订单18件。",
        "## 紫色文体",
        "紫色文体暂无注册服务队伍，本期暂无活动记录。",
    ]


def test_category_with_teams_but_no_activity_says_so() -> None:
    quiet = _red(activities=0, people_served=0, volunteer_hours=0.0, requests=0)
    text = render_report_markdown(_figures(by_category=[quiet]))
    assert "红色先锋服务队伍3支、志愿者86人，本期暂无活动记录。" in text
    assert "开展活动0次" not in text


def test_empty_category_still_reports_its_orders() -> None:
    waiting = CategoryFigures(category="gold", name="金色创业", requests=2)
    text = render_report_markdown(_figures(by_category=[waiting]))
    assert "金色创业暂无注册服务队伍，本期暂无活动记录。受理订单2件。" in text


# ---------------------------------------------------------------- names cannot inject markup


def test_markdown_escapes_names() -> None:
    text = render_report_markdown(
        _figures(
            name="*bold* [x](y)",
            by_category=[_red(name="_em_ `code` # <b>")],
        )
    )
    assert text.startswith(r"# \*bold\* \[x\]\(y\)志愿服务工作情况报告")
    assert r"## \_em\_ \`code\` \# \<b\>" in text
    assert "*bold*" not in text
    assert "[x](y)" not in text
    assert "<b>" not in text


def test_markdown_keeps_a_name_on_one_line() -> None:
    text = render_report_markdown(_figures(by_category=[_red(name="红色\n\n# 先锋")]))
    assert "\n# " not in text
    assert r"## 红色 \# 先锋" in text


def test_markdown_escapes_script() -> None:
    text = render_report_markdown(_figures(name=EVIL, by_category=[_red(name=EVIL)]))
    assert "<script>" not in text
    assert "</script>" not in text


def test_html_escapes_names() -> None:
    page = render_report_html(_figures(name=EVIL, by_category=[_red(name=EVIL)]))
    assert "<script" not in page
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert f"<h1>{escaped}志愿服务工作情况报告</h1>" in page
    assert f"<h2>{escaped}</h2>" in page
    assert f"<title>{escaped}志愿服务工作情况报告</title>" in page


# ---------------------------------------------------------------- the HTML page


def test_html_is_a_full_self_contained_document() -> None:
    page = render_report_html(_figures())
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page
    assert '<meta charset="utf-8">' in page
    assert "<style>" in page
    assert page.rstrip().endswith("</html>")
    for external in ("<link", "<script", "src=", "http://", "https://", "@import", "url("):
        assert external not in page


def test_html_says_what_the_markdown_says() -> None:
    page = render_report_html(_figures())
    assert "<h1>龙泉社区志愿服务工作情况报告</h1>" in page
    assert '<p class="meta">统计期间：2026年1月1日至2026年11月30日' in page
    assert (
        "<p>已吸收志愿者500人（其中党员120人），注册队伍21支，开展活动104次，"
        "服务群众20345人次，累计志愿服务1234.5小时（已认证1000小时）。</p>"
    ) in page
    assert "按时办结率92.3%" in page
    assert "<h2>红色先锋</h2>" in page
    assert "<p>紫色文体暂无注册服务队伍，本期暂无活动记录。</p>" in page


# ---------------------------------------------------------------- the PDF


@needs_poppler
@pytest.mark.usefixtures("default_font")
def test_pdf_says_what_the_markdown_says() -> None:
    figures = _figures(by_category=[_red(), _red(category="purple", name="紫色文体")])
    text = text_of(render_report_pdf(figures))
    for block in report_blocks(figures):
        assert "".join(block.text.split()) in text, block.text


@needs_poppler
@pytest.mark.usefixtures("default_font")
def test_pdf_embeds_its_chinese_font_and_draws_without_any_installed() -> None:
    pdf = render_report_pdf(_figures())
    fonts = fonts_of(pdf)
    assert [f.name for f in fonts if "WenQuanYi" in f.name and f.embedded], fonts
    assert {f.name for f in fonts if not f.embedded} <= STANDARD_FONTS, fonts
    pages = render_pages(pdf, dpi=50)
    save_for_review(pages, "summary-report")
    # The title, centred at the top of page one.
    assert dark_pixels(pages[0], (0.25, 0.05, 0.75, 0.11)) > 200


@pytest.mark.usefixtures("default_font")
def test_pdf_takes_markup_in_names_as_text() -> None:
    # Paragraph would reject or interpret the tags were they not escaped.
    pdf = render_report_pdf(_figures(name=EVIL + " & <b>", by_category=[_red(name=EVIL)]))
    assert pdf.startswith(b"%PDF")
