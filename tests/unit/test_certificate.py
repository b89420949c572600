"""The service certificate (志愿服务证明) as HTML and as PDF, and its check page."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import reportlab

from services.activities.certificate import (
    file_name,
    render_check_html,
    render_html,
    render_pdf,
)
from services.activities.certificate_data import CertificateData, ServiceLine
from services.activities.schemas import CertificateCheck, Period
from shared import pdf_fonts
from tests.pdfs import (
    STANDARD_FONTS,
    dark_pixels,
    fonts_of,
    needs_poppler,
    qr_texts,
    render_pages,
    save_for_review,
)

NUMBER = "QS-longquan-2026-000012"
CODE = "K7QP3XWM"
URL = f"https://qise.example.gov.cn/api/activities/certificates/{NUMBER}?code={CODE}"
# Where the title is drawn on page one (fractions of the page): centred, below the number.
TITLE_BOX = (0.3, 0.08, 0.7, 0.17)
TITLES = ("重阳节敬老院探访", "龙泉河清洁行动（城南段）", "社区垃圾分类入户宣传")


def _lines(count: int) -> list[ServiceLine]:
    return [
        ServiceLine(
            day=date(2026, 1, 5) + timedelta(days=i),
            title=TITLES[i % len(TITLES)],
            category_name="关爱帮扶",
            kind_name="入户探访",
            team_name="龙泉社区七色志愿服务队",
            hours=2.5,
        )
        for i in range(count)
    ]


def _data(lines: int = 3, **changes: object) -> CertificateData:
    data = CertificateData(
        number=NUMBER,
        issued_on=date(2026, 11, 25),
        volunteer_name="张晓梅",
        volunteer_number="V-2026-00345",
        period_from=date(2026, 1, 1),
        period_to=date(2026, 11, 25),
        total_hours=12.5,
        lines=_lines(lines),
        organisation="龙泉社区（城南大支部）",
        person_in_charge=None,
        handler=None,
        check_code=CODE,
        verification_url=URL,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def _preview() -> CertificateData:
    # Not issued: no number, so nothing to check either.
    return _data(number=None, check_code=None, verification_url=None)


def _page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page(?!s)", pdf))


# ---------------------------------------------------------------- HTML


def test_html_states_the_certificate() -> None:
    page = render_html(_data())
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page
    assert '<meta charset="utf-8">' in page
    assert "@page { size: A4" in page
    assert "志愿服务证明" in page
    for text in (
        NUMBER,
        "张晓梅",
        "V-2026-00345",
        "12.5 小时",
        "龙泉社区（城南大支部）",
        "2026年1月1日 至 2026年11月25日",
        "出具日期",
        "2026年11月25日",
        "（单位印章）",
        "兹证明 张晓梅 同志",
        "经核实累计志愿服务时长 12.5 小时。特此证明。",
        *TITLES,
    ):
        assert text in page, text


def test_html_is_self_contained() -> None:
    # The one address on it is the printed verification address, as text and as a QR code.
    page = render_html(_data()).replace(URL, "")
    for external in ("<link", "<script", "src=", "http://", "https://", "@import", "<img"):
        assert external not in page, external


def test_html_shows_the_check_code_and_where_to_check() -> None:
    page = render_html(_data())
    assert f"证明编号：{NUMBER}　核验码：K7QP-3XWM" in page
    assert page.count(URL) == 1
    # The QR code is inline SVG: printed or shown, it needs nothing from the network.
    assert '<svg width="' in page and 'class="qr"' in page


def test_html_leaves_lines_to_sign_when_nobody_is_named() -> None:
    page = render_html(_data(person_in_charge=None, handler=None))
    assert page.count("________") == 2


def test_html_prints_the_names_of_who_signs() -> None:
    page = render_html(_data(person_in_charge="李建国", handler="王芳"))
    assert "李建国" in page and "王芳" in page
    assert "________" not in page


def test_html_escapes_every_value() -> None:
    line = replace(_lines(1)[0], title="<script>alert(1)</script>")
    page = render_html(_data(organisation='A & B "x"'))
    assert "A &amp; B &quot;x&quot;" in page
    page = render_html(replace(_data(lines=0), lines=[line], volunteer_name="<b>张</b>"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;张&lt;/b&gt;" in page


@pytest.mark.parametrize(
    ("period_from", "period_to", "shown"),
    [
        (None, None, "服务时间段：</th><td>全部</td>"),
        (date(2026, 3, 1), None, "2026年3月1日 起"),
        (None, date(2026, 6, 30), "截至 2026年6月30日"),
    ],
)
def test_html_shows_open_periods(
    period_from: date | None, period_to: date | None, shown: str
) -> None:
    page = render_html(_data(period_from=period_from, period_to=period_to))
    assert shown in page


@pytest.mark.parametrize(
    ("hours", "shown"), [(12.5, "12.5 小时"), (3.0, "3 小时"), (0.256, "0.26 小时"), (0, "0 小时")]
)
def test_html_shows_hours_with_at_most_two_decimals(hours: float, shown: str) -> None:
    assert shown in render_html(_data(total_hours=hours))


def test_html_says_so_when_there_is_no_line() -> None:
    page = render_html(_data(lines=0, total_hours=0.0))
    assert "暂无已核实的志愿服务记录" in page


def test_an_issued_certificate_says_nothing_of_a_preview() -> None:
    page = render_html(_data())
    assert "预览" not in page and "尚未出具" not in page


def test_html_of_a_certificate_not_issued_yet_is_a_marked_preview() -> None:
    page = render_html(_preview())
    assert "证明编号：（未编号，预览）" in page
    assert "<title>志愿服务证明 （未编号，预览）</title>" in page
    assert "本证明尚未出具，没有证明编号，不能作为证明使用" in page
    assert '<div class="watermark" aria-hidden="true">预览</div>' in page
    assert "出具日期：</th><td>（尚未出具）</td>" in page
    assert not re.search(r"QS-\w", page)
    assert "核验码" not in page and "<svg" not in page, "nothing to check before it is issued"
    # What it would certify is all there, as on the issued one.
    for text in ("张晓梅", "V-2026-00345", "12.5 小时", *TITLES):
        assert text in page, text


# ---------------------------------------------------------------- PDF


def test_pdf_of_a_certificate_without_lines() -> None:
    pdf = render_pdf(_data(lines=0, total_hours=0.0))
    assert pdf.startswith(b"%PDF")
    assert _page_count(pdf) == 1


def test_pdf_carries_the_number_in_its_metadata() -> None:
    pdf = render_pdf(_data())
    # Page streams are compressed; the document info keeps the ASCII number readable.
    assert b"/Subject (" + NUMBER.encode() + b")" in pdf


def test_pdf_of_a_preview_names_no_number() -> None:
    preview = _preview()
    pdf = render_pdf(preview)
    assert pdf.startswith(b"%PDF")
    assert b"/Subject (preview-V-2026-00345)" in pdf
    assert NUMBER.encode() not in pdf
    assert file_name(preview) == "preview-V-2026-00345" and file_name(_data()) == NUMBER


def test_pdf_flows_a_long_table_onto_further_pages() -> None:
    pdf = render_pdf(_data(lines=80, total_hours=200.0))
    assert pdf.startswith(b"%PDF")
    assert _page_count(pdf) > 1


def test_pdf_takes_markup_in_the_data_as_text() -> None:
    # Paragraph would reject or interpret these tags were they not escaped.
    line = replace(_lines(1)[0], title="<script>alert(1)</script> <b>未闭合 & 更多")
    pdf = render_pdf(replace(_data(lines=0), lines=[line], organisation="<i>A & B"))
    assert pdf.startswith(b"%PDF")


@needs_poppler
@pytest.mark.usefixtures("default_font")
def test_pdf_embeds_its_chinese_font() -> None:
    fonts = fonts_of(render_pdf(_data()))
    assert [f.name for f in fonts if "WenQuanYi" in f.name and f.embedded], fonts
    assert {f.name for f in fonts if not f.embedded} <= STANDARD_FONTS, fonts
    assert b"STSong-Light" not in render_pdf(_data())


@needs_poppler
@pytest.mark.usefixtures("default_font")
def test_pdf_draws_its_text_where_the_reader_has_no_chinese_font() -> None:
    pages = render_pages(render_pdf(_data()), dpi=50)
    save_for_review(pages, "certificate")
    [page] = pages
    assert dark_pixels(page, TITLE_BOX) > 200, "the title 志愿服务证明 is not drawn"


@needs_poppler
@pytest.mark.usefixtures("default_font")
def test_pdf_qr_code_holds_the_verification_address() -> None:
    [page] = render_pages(render_pdf(_data()), dpi=150)
    assert qr_texts(page) == [URL]


@needs_poppler
@pytest.mark.usefixtures("default_font")
def test_a_preview_pdf_has_no_qr_code() -> None:
    [page] = render_pages(render_pdf(_preview()), 150)
    assert qr_texts(page) == []


def test_pdf_embeds_the_font_named_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # reportlab ships Vera.ttf: Latin only, but enough to show the named font gets embedded.
    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    monkeypatch.delenv(pdf_fonts.OLD_FONT_ENV, raising=False)
    monkeypatch.setenv(pdf_fonts.FONT_ENV, str(vera))
    pdf = render_pdf(_data())
    assert b"/FontFile2" in pdf and b"BitstreamVeraSans" in pdf
    assert b"WenQuanYi" not in pdf


def test_the_old_name_of_the_font_setting_still_works(monkeypatch: pytest.MonkeyPatch) -> None:
    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    monkeypatch.delenv(pdf_fonts.FONT_ENV, raising=False)
    monkeypatch.setenv(pdf_fonts.OLD_FONT_ENV, str(vera))
    assert b"BitstreamVeraSans" in render_pdf(_data())


@pytest.mark.usefixtures("default_font")
def test_without_a_chinese_font_rendering_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pdf_fonts, "CANDIDATES", (tmp_path / "none.ttc",))
    with pytest.raises(
        pdf_fonts.NoChineseFont, match=re.escape("apt-get install fonts-wqy-zenhei")
    ) as no:
        render_pdf(_data())
    assert no.value.status == 503


def test_a_font_setting_naming_no_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pdf_fonts.FONT_ENV, "/nowhere/font.ttc")
    with pytest.raises(pdf_fonts.NoChineseFont, match=re.escape("QISE_PDF_FONT=/nowhere/font.ttc")):
        render_pdf(_data())


# ---------------------------------------------------------------- the check page


def _check(**changes: object) -> CertificateCheck:
    values: dict[str, object] = {
        "number": NUMBER,
        "status": "valid",
        "volunteer_name": "张*梅",
        "certified_hours": 12.5,
        "period": Period(start=date(2026, 1, 1), end=date(2026, 11, 25)),
        "organisation": "龙泉社区（城南大支部）",
        "issued_on": date(2026, 11, 25),
    }
    return CertificateCheck.model_validate(values | changes)


def test_the_check_page_of_a_valid_certificate() -> None:
    page = render_check_html(_check())
    assert "该证明真实有效" in page
    for text in (
        NUMBER,
        "张*梅",
        "12.5 小时",
        "2026年1月1日 至 2026年11月25日",
        "龙泉社区（城南大支部）",
    ):
        assert text in page, text
    assert "<form" not in page


def test_the_check_page_says_a_superseded_certificate_no_longer_holds() -> None:
    page = render_check_html(_check(status="superseded"))
    assert "已失效" in page and "真实有效" not in page and "12.5 小时" in page


def test_the_check_page_of_an_unknown_certificate_offers_to_type_the_code() -> None:
    unknown = CertificateCheck(number="<b>QS-x</b>", status="unknown")
    page = render_check_html(unknown)
    assert "未找到与该证明编号和核验码相符的证明" in page
    assert '<input name="code"' in page and "&lt;b&gt;QS-x&lt;/b&gt;" in page
    assert "小时" not in page
