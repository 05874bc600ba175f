"""The colleague's view: the exported copy opened by LibreOffice (no add-in, no Python), printed to PDF."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

# Starting LibreOffice and printing the workbook takes several seconds; test_workbook.py checks the exported
# values without it. Skipped by the quick run (`pytest -m "not slow"`).
pytestmark = pytest.mark.slow

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if SOFFICE is None or shutil.which("pdftotext") is None:
    # CI installs LibreOffice and poppler and sets LAZARUS_REQUIRE_LIBREOFFICE=1, so there this is a failure.
    if os.environ.get("LAZARUS_REQUIRE_LIBREOFFICE") == "1":
        raise RuntimeError("LibreOffice (soffice) and poppler (pdftotext, pdftoppm) are required here")
    pytest.skip("LibreOffice or poppler is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def pdf(tmp_path_factory, full_files) -> Path:
    """The session's full-size colleague copy (as of the newsletter's day) printed to PDF."""
    folder = tmp_path_factory.mktemp("colleague")
    _, copy = full_files
    profile = folder / "profile"  # a private LibreOffice profile: no clash with another running instance
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(copy),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return folder / "lazarus (for colleagues).pdf"


def _text(pdf: Path, *pages: str) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", *pages, str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_libreoffice_shows_the_dashboards_numbers(pdf):
    page = _text(pdf, "-f", "1", "-l", "3")  # the Dashboard's three printed pages
    for expected in (
        "2024-07-16",
        "11.03%",
        "14.48%",
        "3.14σ",
        "99.7%",
        "9.15%",
        "INVERTED",
        "2022-07-06",
        "NEW HIGH",
        "0.43",  # the Sahm rule on June 2024, the last month published by 2024-07-16
        "2020-04-29",
        "Share positive",
    ):
        assert expected in page, expected


def test_the_claims_sheet_and_the_rest_of_the_newsletter_are_printed(pdf):
    everything = _text(pdf)
    for expected in (
        "Unemployment rate up 11% in Q2",
        "PERIOD_CHANGE(ICSA,WEEK_DATES,52,4)",  # short enough to print on one line of its cell
        "revised data, publication delays",  # the data a claim used: no UNRATE vintage was known on 2024-07-16
        "DISAGREES",
        "AGREES",
        "2001-01-03",  # a first cut in the easing-cycle table
        "2.93%",  # RSP/SPY over six days: 0.29535 -> 0.30399
    ):
        assert expected in everything, expected


def test_no_cell_shows_an_error(pdf):
    everything = _text(pdf)
    for error in ("#NAME?", "#VALUE!", "#N/A", "#REF!", "#DIV/0!", "Err:"):
        assert error not in everything


def test_page_one_renders_to_png(pdf, tmp_path):
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-png", "-r", "60", str(pdf), str(tmp_path / "page")], check=True)
    picture = next(tmp_path.glob("page*.png"))
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 20_000


def _pages(pdf: Path) -> list[str]:
    text = _text(pdf)
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def test_the_copy_prints_on_few_pages_the_dashboard_on_three(pdf):
    pages = _pages(pdf)
    assert len(pages) < 20
    # Each page's footer names its sheet; the Dashboard is the first three, each with its title rows.
    sheets = [page.strip().splitlines()[-1].split()[0] for page in pages]
    assert sheets[:4] == ["Dashboard", "Dashboard", "Dashboard", "About"]
    assert all("the newsletter's questions, answered in cells" in page for page in pages[:3])
    assert "Six-day return" in pages[0] and "Share positive" in pages[1] and "First cut" in pages[2]


def test_the_first_page_says_what_the_copy_is_and_when(pdf):
    first = _pages(pdf)[0]
    assert "Copy for colleagues of lazarus.xlsx, as of 2024-07-16, exported " in first
    for prompt in ("type a date", "Add a row", "SPEC.md", "lazarus refresh"):
        assert prompt not in _text(pdf)
