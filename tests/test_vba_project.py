"""The add-in's VBA project, written without Excel (addin/excel/vba): MS-OVBA compression, the compound file, the
round trip of xlwings' template project, the UDF wrappers against xlwings' own generate_vba_wrapper, olevba reading
back every module of the built add-in byte for byte, and MS-OVBA's structure checks, each shown failing on a defect."""

from __future__ import annotations

import dataclasses
import io
import os
import random
import struct
import zipfile
from pathlib import Path

import olefile
import pytest
import xlwings
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import decompress_stream

from addin.excel import xlam
from addin.excel.vba import cfb, compression, wrappers
from addin.excel.vba import project as vba
from testkit import vba_checks
from testkit.office_checks import installed_udf_module
from testkit.xlwings_harness import windows_xlwings

TEMPLATE = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"
SAMPLE = "tests.udf_declarations_sample"


@pytest.fixture(scope="module")
def template_bin() -> bytes:
    with zipfile.ZipFile(TEMPLATE) as archive:
        return archive.read("xl/vbaProject.bin")


@pytest.fixture(scope="module")
def built_bin(built_xlam) -> bytes:
    with zipfile.ZipFile(built_xlam) as archive:
        return archive.read(xlam.VBA_PART)


def _olevba(data: bytes) -> dict[str, str]:
    return {name.rsplit(".", 1)[0]: code for _, name, code in vba_checks.olevba_report(data)["macros"]}


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


# --- compression (MS-OVBA 2.4.1) ---------------------------------------------------------------------------------


def test_compression_round_trips_real_vba_and_olevba_decompresses_it_the_same(template_bin):
    source = vba.read(template_bin).module("xlwings").source.encode("cp1252")
    packed = compression.compress(source)
    assert compression.decompress(packed) == source
    assert bytes(decompress_stream(bytearray(packed))) == source
    assert len(packed) < len(source) / 2  # 44,654 bytes of VBA; Office's own container for it is 19,332


@pytest.mark.parametrize("size", [0, 1, 3, 4095, 4096, 4097, 8192, 10000])
def test_compression_round_trips_at_chunk_boundaries(size):
    data = (b"Sub A()\r\n    x = 1\r\nEnd Sub\r\n" * 400)[:size]
    packed = compression.compress(data)
    assert compression.decompress(packed) == data
    assert bytes(decompress_stream(bytearray(packed))) == data
    assert sum(1 for _ in range(0, size, 4096)) == _chunk_count(packed)


def _chunk_count(packed: bytes) -> int:
    count, pos = 0, 1
    while pos < len(packed):
        pos += (struct.unpack_from("<H", packed, pos)[0] & 0x0FFF) + 3
        count += 1
    return count


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([b"Sub ", b"End Sub\r\n", b"x", b" = ", b"\r\n", b"'", b"RALLY_SIGMA"]), max_size=2000))
def test_compression_round_trips_any_text_made_of_vba_pieces(pieces):
    data = b"".join(pieces)
    packed = compression.compress(data)
    assert compression.decompress(packed) == data == bytes(decompress_stream(bytearray(packed)))


def test_an_incompressible_chunk_is_stored_raw():
    data = os.urandom(4096)
    packed = compression.compress(data)
    assert len(packed) == 1 + 2 + 4096 and not packed[2] & 0x80  # header flag bit 15 clear: raw
    assert compression.decompress(packed) == data == bytes(decompress_stream(bytearray(packed)))


def test_a_short_incompressible_last_chunk_is_padded_raw_and_read_back_without_the_padding(template_bin):
    # 3,900 bytes without any 3-byte repeat do not fit a compressed chunk: MS-OVBA stores them raw, padded to 4,096.
    rng = random.Random(7)
    text = bytes(rng.randrange(32, 127) for _ in range(3900))
    assert len(compression.compress(text)) == 1 + 2 + 4096
    source = 'Attribute VB_Name = "Noise"\r\n\'' + text.decode("ascii")
    project = vba.read(template_bin).with_modules(vba.Module("Noise", source))
    assert vba.read(vba.write(project)).module("Noise").source == source


def test_decompression_refuses_a_broken_container():
    packed = compression.compress(b'Attribute VB_Name = "M"\r\n' * 10)
    with pytest.raises(compression.CompressionError, match="0x01"):
        compression.decompress(b"\x02" + packed[1:])
    with pytest.raises(compression.CompressionError, match="signature"):
        compression.decompress(packed[:2] + bytes([packed[2] & 0x8F]) + packed[3:])


# --- the compound file -------------------------------------------------------------------------------------------


def test_olefile_reads_back_every_stream_small_large_and_empty():
    streams = {
        "PROJECT": b"ID=...\r\n",
        "VBA/dir": bytes(range(256)) * 3,
        "VBA/big": bytes(range(256)) * 40,  # 10,240 bytes: regular sectors, not the mini stream
        "VBA/empty": b"",
        "VBA/Sub/deep": b"x" * 4096,
        **{f"VBA/m{i:02d}": bytes([i]) * (100 + i) for i in range(20)},
    }
    data = cfb.write(streams)
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    assert {"/".join(p) for p in ole.listdir()} == set(streams)
    for path, content in streams.items():
        assert ole.openstream(path).read() == content, path
    assert len(data) % 512 == 0
    storages = [e for e in ole.direntries if e is not None and e.entry_type == olefile.STGTY_STORAGE]
    assert {e.name for e in storages} == {"VBA", "Sub"}
    assert all((e.isectStart, e.size) == (0, 0) for e in storages)  # MS-CFB 2.6.3


def _tree_names(ole: olefile.OleFileIO, index: int) -> tuple[list[str], int]:
    """In-order names of the red-black tree rooted at `index`, and its black height (asserting it is equal)."""
    if index == cfb.NOSTREAM:
        return [], 1
    entry = ole.direntries[index] or ole._load_direntry(index)
    left, left_height = _tree_names(ole, entry.sid_left)
    right, right_height = _tree_names(ole, entry.sid_right)
    assert left_height == right_height, entry.name
    if entry.color == cfb.RED:
        for child in (entry.sid_left, entry.sid_right):
            assert child == cfb.NOSTREAM or ole.direntries[child].color == cfb.BLACK
    return [*left, entry.name, *right], left_height + (entry.color == cfb.BLACK)


@pytest.mark.parametrize("count", [1, 2, 3, 6, 7, 8, 12])
def test_each_storages_children_form_a_sorted_red_black_tree(count):
    names = [f"Module{'x' * (i % 4)}{i}" for i in range(count)]
    data = cfb.write({f"VBA/{n}": b"." for n in names} | {"PROJECT": b"."})
    ole = olefile.OleFileIO(io.BytesIO(data))
    vba_storage = next(e for e in ole.direntries if e is not None and e.name == "VBA")
    in_order, _ = _tree_names(ole, vba_storage.sid_child)
    assert in_order == sorted(names, key=cfb.sort_key)
    assert ole.direntries[vba_storage.sid_child].color == cfb.BLACK


# --- the template's project, read and written back ------------------------------------------------------------------


def test_the_template_round_trips_with_identical_modules_references_and_properties(template_bin):
    written = vba.write(vba.read(template_bin))
    before, after = vba_checks.olevba_report(template_bin), vba_checks.olevba_report(written)
    assert after["project"] == before["project"]
    assert after["references"] == before["references"] and len(before["references"]) == 6  # MSForms, Office
    assert after["modules"] == before["modules"] and len(before["modules"]) == 5
    assert after["macros"] == before["macros"]
    assert vba.read(written) == vba.read(template_bin)  # and what olevba does not report (version, help, …)


def test_the_template_saved_by_excel_carries_compiled_state_the_written_project_does_not(template_bin):
    # Excel's file has performance caches (module offsets > 0) and cookies; the writer drops both, as MS-OVBA says.
    assert any("MODULEOFFSET" in p for p in vba_checks.problems(template_bin))
    assert vba_checks.problems(vba.write(vba.read(template_bin))) == []


# --- the UDF wrappers: xlwings' own text -----------------------------------------------------------------------------


def test_udf_wrappers_equal_xlwings_generate_vba_wrapper_for_every_udf_module():
    declared = wrappers.declarations(xlam.UDF_MODULES.split(";"))
    assert list(declared) == xlam.UDF_MODULES.split(";") and all(declared.values())  # each module declares some
    assert wrappers.udf_module(declared) == installed_udf_module(xlam.UDF_MODULES)


def test_udf_wrappers_equal_xlwings_for_subs_paramarrays_volatile_and_caller_arguments():
    declared = wrappers.declarations([SAMPLE])
    with windows_xlwings(SAMPLE) as xl:
        expected = xl.vba("lazarus.xlam")
    mine = wrappers.wrappers(SAMPLE, declared[SAMPLE])
    assert mine == expected
    for text in (
        "Sub sample_sub(x, ParamArray more())",
        "Application.Volatile",
        "Array(Nothing, x)",
        "Array(ActiveWorkbook, x)",
        'CommandBars("Standard")',
    ):
        assert text in mine, text


def test_a_module_that_does_not_import_is_a_build_error():
    with pytest.raises(wrappers.DeclarationError, match="no_such_module"):
        wrappers.declarations(["tests.no_such_module"])


# --- the built add-in -----------------------------------------------------------------------------------------------


def test_olevba_reads_every_module_of_the_add_in_byte_for_byte_as_generated(built_bin, template_bin):
    shipped = _olevba(built_bin)
    template = _olevba(template_bin)
    ribbon = xlam.CALLBACKS_BAS.read_text(encoding="utf-8")
    generated = xlam.generated_modules()
    expected = {
        **template,
        "LazarusRibbon": _crlf(ribbon),
        "xlwings_udfs": _crlf(installed_udf_module(xlam.UDF_MODULES)),
        # tests/test_selftest.py and tests/test_function_help.py check what these two hold
        "LazarusSelfTest": _crlf(generated[1]),
        "LazarusFunctionHelp": _crlf(generated[2]),
    }
    assert list(shipped) == list(expected)
    for name, code in expected.items():
        assert shipped[name] == code, name


def test_the_add_ins_project_passes_every_ms_ovba_structure_check(built_bin):
    assert vba_checks.problems(built_bin) == []


def _planted(project: vba.Project, edit) -> bytes:
    """The project's streams with `edit(streams, dir_records)` applied, as a compound file."""
    streams = vba.streams(project)
    records = list(vba_checks.records(compression.decompress(streams["VBA/dir"])))
    edit(streams, records)
    streams["VBA/dir"] = compression.compress(vba_checks.encode_records(records))
    return cfb.write(streams)


def _swap_first(records, a, b):
    i, j = next(k for k, r in enumerate(records) if r[0] == a), next(k for k, r in enumerate(records) if r[0] == b)
    records[i], records[j] = records[j], records[i]


def _set(records, record_id, data, nth=0):
    index = [k for k, r in enumerate(records) if r[0] == record_id][nth]
    records[index] = (record_id, data)


def _offset_16(streams, records):
    _set(records, vba.MODULEOFFSET, struct.pack("<I", 16), nth=5)
    name = "VBA/LazarusRibbon"
    streams[name] = b"\x00" * 16 + streams[name]


PLANTS = {
    "a leftover compiled stream": (
        lambda s, r: s.update({"VBA/__SRP_0": b"\x00" * 8}),
        vba_checks.stream_problems,
        "__SRP_0 is not part",
    ),
    "a module stream missing": (lambda s, r: s.pop("VBA/xlwings_udfs"), vba_checks.stream_problems, "missing"),
    "Office 365's version in _VBA_PROJECT": (
        lambda s, r: s.update({"VBA/_VBA_PROJECT": bytes.fromhex("CC61B200000300")}),
        vba_checks.header_problems,
        "version is b200",
    ),
    "a performance cache after the header": (
        lambda s, r: s.update({"VBA/_VBA_PROJECT": vba.VBA_PROJECT_HEADER + b"\x01\x02"}),
        vba_checks.header_problems,
        "no performance cache",
    ),
    "two information records swapped": (
        lambda s, r: _swap_first(r, vba.PROJECTLCID, vba.PROJECTCODEPAGE),
        vba_checks.dir_problems,
        "PROJECTINFORMATION",
    ),
    "a wrong module count": (
        lambda s, r: _set(r, vba.PROJECTMODULES, struct.pack("<H", 6)),
        vba_checks.dir_problems,
        "says 6 modules",
    ),
    "a module cookie from a compiled project": (
        lambda s, r: _set(r, vba.MODULECOOKIE, struct.pack("<H", 0x1C39), nth=2),
        vba_checks.dir_problems,
        "MODULECOOKIE",
    ),
    "a module offset past a cache": (_offset_16, vba_checks.module_problems, "MODULEOFFSET is 16"),
    "a code page that is none": (
        lambda s, r: _set(r, vba.PROJECTCODEPAGE, struct.pack("<H", 1)),
        vba_checks.code_page_problems,
        "is no code page",
    ),
    "a code page the names do not fit": (
        lambda s, r: _set(r, vba.PROJECTCODEPAGE, struct.pack("<H", 37)),  # EBCDIC: ASCII names read as other text
        vba_checks.code_page_problems,
        "differs from its UTF-16 form",
    ),
    "a module PROJECT does not list": (
        lambda s, r: s.update({"PROJECT": s["PROJECT"].replace(b"Module=LazarusRibbon\r\n", b"")}),
        vba_checks.project_stream_problems,
        "does not list module LazarusRibbon",
    ),
}


@pytest.mark.parametrize("plant", PLANTS, ids=list(PLANTS))
def test_each_structure_check_names_a_planted_defect(built_bin, plant):
    edit, check, words = PLANTS[plant]
    data = _planted(vba.read(built_bin), edit)
    found = check(data)
    assert any(words in p for p in found), found


def test_a_module_name_the_code_page_cannot_hold_is_refused_at_build_time(template_bin):
    project = vba.read(template_bin)
    with pytest.raises(vba.ProjectError, match="cp1252"):
        vba.write(project.with_modules(vba.Module("Zahl\u0142", 'Attribute VB_Name = "Zahl\u0142"\r\n')))
    renamed = dataclasses.replace(project, modules=(*project.modules, project.modules[-1]))
    with pytest.raises(vba.ProjectError, match="same name"):
        vba.write(renamed)


def test_no_public_procedure_name_is_defined_twice_in_the_add_in(built_bin):
    # Excel resolves a ribbon callback, a cell function or Auto_Open by name across the project's standard modules;
    # a second public procedure of the same name in another module makes the call ambiguous. (Within one module a
    # name may appear twice in the branches of an #If, as in xlwings' own module.)
    import re
    from collections import Counter

    project = vba.read(built_bin)
    declared = re.compile(r"^(?:Public\s+)?(?:Sub|Function)\s+(\w+)", re.M | re.I)
    names = Counter(
        name
        for module in project.modules
        if module.kind is vba.ModuleKind.PROCEDURAL
        for name in {n.lower() for n in declared.findall(module.source)}
    )
    assert [name for name, count in names.items() if count > 1] == []
    assert {"onaction", "selftest", "auto_open", "rally_sigma", "runpython"} <= set(names)


# --- antlr4-vba over xlwings' template modules (testkit/vba_syntax.py evaluates their #If Mac / #If VBA7) ----------


@pytest.mark.parametrize("name", ["ThisWorkbook", "Sheet2", "RibbonMyAddin"])
def test_the_templates_document_and_ribbon_modules_parse_for_windows_and_macos(built_bin, name):
    from testkit.vba_syntax import module_syntax_errors

    module = vba.read(built_bin).module(name)
    assert module_syntax_errors(module.source, module.kind is vba.ModuleKind.PROCEDURAL) == []


@pytest.mark.slow
def test_the_templates_dictionary_class_parses_for_windows_and_macos(built_bin):
    # ~15-40 s: 450 lines, each procedure parsed for both platforms. (xlwings' 1,200-line module is left out: the
    # grammar's full-context prediction takes over ten minutes on it; olevba shows it byte for byte as shipped.)
    from testkit.vba_syntax import module_syntax_errors

    module = vba.read(built_bin).module("Dictionary")
    assert module_syntax_errors(module.source, procedural=False) == []


def test_conditional_compilation_is_evaluated_per_platform_and_a_planted_error_is_found():
    from testkit.vba_preprocess import evaluate, preprocess
    from testkit.vba_syntax import module_syntax_errors

    dictionary = {"Mac": False, "UseScriptingDictionaryIfAvailable": True}
    assert evaluate("Mac Or Not UseScriptingDictionaryIfAvailable", dictionary) is False
    assert evaluate("MAC_OFFICE_VERSION >= 15", {"MAC_OFFICE_VERSION": 16}) is True
    assert evaluate('App = "Microsoft Excel"', {"App": "Microsoft Excel"}) is True
    text = "#If Mac Then\nx = 1\n#ElseIf VBA7 Then\ny = 2\n#Else\nz = 3\n#End If\n"
    assert preprocess(text, {"Mac": False, "VBA7": True}).split("\n") == ["", "", "", "y = 2", "", "", "", ""]
    broken = 'Attribute VB_Name = "M"\n#If Mac Then\nSub A()\n#Else\nSub A(\n#End If\nEnd Sub\n'
    errors = module_syntax_errors(broken, procedural=True)
    assert errors and all(e.startswith("Windows:") for e in errors)  # only the Windows branch is broken
