"""Exporting a workbook for colleagues from files that are damaged or too big: a message naming the file and the
reason, and no copy written. Real xlsx files written, damaged and read back."""

from __future__ import annotations

from pathlib import Path

from addin.commands import main


def _rezip(source: Path, target: Path, change) -> None:
    """Copy the zip `source` to `target`, passing each member's (name, bytes) through `change`."""
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, change(info.filename, old.read(info.filename)))


def _big_sheet_workbook(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Prices"
    for number in range(rows):
        sheet.append([number, number * 2])
    book.save(path)


def test_export_of_a_damaged_or_oversized_workbook_names_the_file_and_the_reason(cli_env, capsys, monkeypatch):
    import zipfile

    from workbook import xlsx

    original = cli_env / "original.xlsx"
    _big_sheet_workbook(original, 2000)
    sheet = "xl/worksheets/sheet1.xml"
    _rezip(original, cli_env / "cut.xlsx", lambda name, data: data[: len(data) // 2] if name == sheet else data)

    # Corrupt deflate data: flip bytes inside the sheet's compressed stream, headers and sizes left as they were.
    corrupt = bytearray(original.read_bytes())
    with zipfile.ZipFile(original) as archive:
        info = archive.getinfo(sheet)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size * 2 // 3  # past the header openpyxl reads when it opens the file
    corrupt[middle : middle + 40] = b"\xff" * 40
    (cli_env / "deflate.xlsx").write_bytes(bytes(corrupt))

    for name in ("cut.xlsx", "deflate.xlsx"):
        assert main(["export", name, "--out", f"copy-{name}"]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"lazarus export: {name}: a sheet cannot be read, the file is damaged ("), err
        assert not (cli_env / f"copy-{name}").exists()

    # The caps, shrunk so that a small real file exceeds them.
    monkeypatch.setattr(xlsx, "MAX_ROWS", 1500)
    assert main(["export", "original.xlsx", "--out", "copy.xlsx"]) == 1
    assert "original.xlsx: the sheet 'Prices' holds more than 1,500 rows" in capsys.readouterr().err
    monkeypatch.setattr(xlsx, "MAX_CELLS", 3000)
    monkeypatch.setattr(xlsx, "MAX_ROWS", 10**6)
    assert main(["export", "original.xlsx", "--out", "copy.xlsx"]) == 1
    assert "holds more than 3,000 cells" in capsys.readouterr().err
    monkeypatch.setattr(xlsx, "MAX_EXPANDED_BYTES", 20_000)
    assert main(["export", "original.xlsx", "--out", "copy.xlsx"]) == 1
    err = capsys.readouterr().err
    assert "original.xlsx: its parts expand to 0 MB, over the 0 MB" in err and "not read" in err


def test_the_copy_never_takes_the_live_workbooks_uncut_data_rows(small_moment, tmp_path, monkeypatch):
    """The colleague copy stops its data sheets at the as-of day (and puts its About sheet second), so the live
    file's data-sheet parts, which run to the newest data, must never be spliced into it: a reused part would show
    later data beside answers dated earlier."""
    import datetime as dt

    from openpyxl import load_workbook

    from workbook import xlsx
    from workbook.export import Snapshot, as_of_day, export_book

    taken = []
    rows_from_file = xlsx._rows_from_file
    monkeypatch.setattr(xlsx, "_rows_from_file", lambda *args: taken.append(args[1]) or rows_from_file(*args))
    book, results = small_moment
    live = xlsx.write_book(book, tmp_path / "lazarus.xlsx", results)
    copy = export_book(book, tmp_path / "copy.xlsx", results, Snapshot(), live=live)
    assert taken == []
    as_of = as_of_day(book, results)
    prices = load_workbook(copy, read_only=True)["Prices"]
    days = [row[0] for row in prices.iter_rows(min_row=2, values_only=True) if isinstance(row[0], dt.datetime)]
    assert days and max(days).date() <= as_of
    newest_live = max(
        row[0]
        for row in load_workbook(live, read_only=True)["Prices"].iter_rows(min_row=2, values_only=True)
        if isinstance(row[0], dt.datetime)
    )
    assert newest_live.date() > as_of  # the live file does run past the as-of day: the cut is real


def test_data_sheet_rows_made_directly_are_the_bytes_xlsxwriter_writes(small_moment, tmp_path, monkeypatch):
    import zipfile

    from workbook import xlsx

    book, results = small_moment
    made = xlsx.write_book(book, tmp_path / "made.xlsx", results)
    monkeypatch.setattr(xlsx, "FAST_ROWS", False)
    reference = xlsx.write_book(book, tmp_path / "reference.xlsx", results)
    with zipfile.ZipFile(made) as one, zipfile.ZipFile(reference) as other:
        assert one.namelist() == other.namelist()
        differ = [n for n in one.namelist() if n != "docProps/core.xml" and one.read(n) != other.read(n)]
        assert len(one.read("xl/worksheets/sheet4.xml")) > 100_000  # Rates, two tables side by side
    assert differ == []
