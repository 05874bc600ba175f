"""The `lazarus` command line: every command's module imports and parses its options; unknown commands are refused."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib

import pytest

from addin import commands
from tests import realdata


@pytest.mark.parametrize("name", sorted(commands.COMMANDS))
def test_every_command_imports_and_declares_its_options(name):
    module = importlib.import_module(f"addin.commands.{name}")
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    assert callable(module.run)


def test_an_unknown_command_is_refused_with_the_list(capsys):
    assert commands.main(["demoo"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'demoo'" in err and "refresh" in err


@pytest.mark.slow
def test_the_demo_prints_the_dashboard_of_the_newsletters_day(tmp_path, capsys):
    assert commands.main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "=== Dashboard on the newsletter's day, 2024-07-16 ===" in out
    _, closes = realdata.until(*realdata.iwm(), dt.date(2024, 7, 16))
    six_day = closes[-1] / closes[-7] - 1  # the verbatim Yahoo file, not the bundled sample
    line = next(line for line in out.splitlines() if line.strip().startswith("Six-day return"))
    assert f"{six_day:.2%}" in line.split("|")[0]
    assert (tmp_path / "lazarus.xlsx").is_file() and (tmp_path / "lazarus (for colleagues).xlsx").is_file()
    # The rest of the newsletter, for both days; honest numbers on the latest one.
    newsletter, latest = out.split("=== Dashboard on the latest day in the data, 2025-09-25 ===")
    assert "earlier episodes: 11 (the last 10 are shown)" in out
    # Claims end 2025-04-26 and housing starts 2024-09-01 (tests/data/SOURCES.md): STALE on the latest day only.
    assert "STALE: data to 2025-04-26" in latest and "STALE: data to 2024-09-01" in latest
    assert "STALE" not in newsletter
    assert "DFEDTAR:" not in out  # replaced by DFEDTARU from 2008-12-16: not news
    assert "The newsletter's claims, measured" in out
    cuts = [line.split()[0] for line in latest.splitlines() if line.strip()[:4] in ("1989", "1995", "2001", "2024")]
    assert cuts == ["1989-06-06", "1995-07-06", "2001-01-03", "2024-09-19"]


# Failure paths: the demo on a day before any price --------------------------------------------------------------------


def test_demo_as_of_before_the_first_price_computes_nothing_and_says_so(tmp_path, capsys):
    """How long it takes is benchmarks/bench_workbook.py's (it took 348 s when the engine spread #N/A over every
    range)."""
    assert commands.main(["demo", "--as-of", "1990-01-01", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Nothing to compute: 1990-01-01 is before the first price (the prices start 1993-01-29)." in out
    assert "  IWM: no data on or before 1990-01-01 (its data start 2000-05-26)" in out
    assert "=== Dashboard as of 2025" not in out  # nothing else is computed either
