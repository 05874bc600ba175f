"""Treasury's par-yield CSV: columns by name across years, newest-first files, and the keyless fallback's
computed spreads matching FRED's own series on every shared day."""

from __future__ import annotations

import datetime as dt

import pytest

from addin.pipeline.vendors import BadResponse, HttpClient, NotFound
from addin.pipeline.vendors.treasury import TreasuryReader
from testkit.vendor_server import DATA, VendorServer, fast_settings, fixture, load_fred_csv

D = dt.date


@pytest.fixture
def server():
    with VendorServer() as running:
        running.treasury[1990] = fixture("treasury/treasury_par_yield_1990-2022_download_header_and_1990_tail.csv")
        running.treasury[2022] = fixture("treasury/treasury_par_yield_2022-10_download_full_blank_4mo.csv")
        running.treasury[2023] = fixture("treasury/treasury_par_yield_2023_download_head.csv")
        running.treasury[2024] = fixture("treasury/treasury_par_yield_2024-09_10_readme_sample.csv")
        yield running


def reader(server: VendorServer) -> TreasuryReader:
    return TreasuryReader(HttpClient(fast_settings()), base_url=server.url)


def fred(series: str) -> dict[dt.date, float]:
    file = {"T10Y2Y": "T10Y2Y_qie2003.csv", "DGS10": "DGS10_qie2003.csv", "DGS2": "DGS2_matemadrigal.csv"}[series]
    return {day: value for day, value in load_fred_csv(DATA / "fred" / file) if value is not None}


@pytest.mark.parametrize("series", ["T10Y2Y", "DGS10", "DGS2"])
def test_treasury_numbers_equal_fred_on_every_shared_day(server, series):
    rows = reader(server).fetch(series, D(2022, 1, 1), D(2025, 12, 31))
    expected = fred(series)
    shared = [(day, value) for day, value in rows if day in expected]
    assert len(shared) == len(rows) == 14 + 10 + 16  # every fixture day is a FRED day too
    assert all(value == pytest.approx(expected[day], abs=1e-9) for day, value in shared)


def test_rows_come_back_oldest_first_from_newest_first_files_one_request_per_year(server):
    rows = reader(server).fetch("T10Y2Y", D(2022, 10, 1), D(2025, 6, 30))
    assert rows[0] == (D(2022, 10, 3), -0.45)  # 3.67 - 4.12 on the file's last line
    assert rows[-1] == (D(2024, 10, 7), 0.04)  # 4.03 - 3.99 on the 2024 file's first line
    assert [h.route for h in server.hits] == ["treasury:2022", "treasury:2023", "treasury:2024", "treasury:2025"]
    assert server.hits[0].query == {
        "type": "daily_treasury_yield_curve",
        "field_tdr_date_value": "2022",
        "page": "",
        "_format": "csv",
    }


def test_ten_year_minus_three_month_is_computed_locally(server):
    rows = dict(reader(server).fetch("T10Y3M", D(2023, 1, 1), D(2023, 12, 31)))
    assert rows[D(2023, 9, 1)] == -1.35  # 4.18 - 5.53
    assert rows[D(2023, 8, 21)] == -1.23  # 4.34 - 5.57


def test_1990_columns_are_read_by_name_and_blank_cells_are_missing_not_zero(server):
    reader_ = reader(server)
    assert reader_.fetch("DGS10", D(1990, 1, 1), D(1990, 12, 31)) == [
        (D(1990, 1, 2), 7.94),
        (D(1990, 1, 3), 7.99),
        (D(1990, 1, 4), 7.98),
    ]
    with pytest.raises(BadResponse, match="no observations"):  # the 1 Mo tenor did not exist yet
        reader_.fetch("DGS1MO", D(1990, 1, 1), D(1990, 12, 31))


def test_a_blank_4_month_cell_does_not_disturb_the_other_columns(server):
    rows = dict(reader(server).fetch("DGS2", D(2022, 10, 1), D(2022, 10, 31)))
    assert rows[D(2022, 10, 18)] == 4.43 and rows[D(2022, 10, 19)] == 4.55


def test_an_empty_year_is_skipped_but_no_rows_at_all_is_an_error(server):
    with pytest.raises(BadResponse, match="Treasury, DGS10: the response holds no observations"):
        reader(server).fetch("DGS10", D(2025, 1, 1), D(2025, 12, 31))


def test_a_file_in_the_wrong_order_or_without_the_column_is_rejected(server):
    lines = fixture("treasury/treasury_par_yield_2023_download_head.csv").decode().splitlines()
    server.treasury[2023] = ("\n".join([lines[0], *reversed(lines[1:])]) + "\n").encode()
    with pytest.raises(BadResponse, match="out of order"):
        reader(server).fetch("DGS10", D(2023, 1, 1), D(2023, 12, 31))
    server.treasury[2023] = lines[0].replace('"10 Yr"', '"10 Year"').encode() + b"\n" + lines[1].encode()
    with pytest.raises(BadResponse, match="lacks the column"):
        reader(server).fetch("DGS10", D(2023, 1, 1), D(2023, 12, 31))


def test_series_treasury_does_not_publish_is_not_found(server):
    with pytest.raises(NotFound, match="Treasury, UNRATE"):
        reader(server).fetch("UNRATE")
    assert server.hits == []
