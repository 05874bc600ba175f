"""Checks of a written vbaProject.bin against MS-OVBA, for the tests: each returns its problems in words (empty =
fine), so a test can plant a defect and show that the check names it.

They read the file with olefile and decompress with oletools (olevba's `decompress_stream`), not with the writer's
own reader, and check what MS-OVBA asks of a project written without compiled code:
- `stream_problems`: PROJECT, PROJECTwm and the VBA storage with _VBA_PROJECT, dir and one stream per module, nothing
  else (no leftover compiled streams such as __SRP_0);
- `header_problems`: _VBA_PROJECT is 0x61CC, version 0xFFFF, 0x00, 2 reserved bytes, and no performance cache;
- `dir_problems`: the dir records in the order of MS-OVBA 2.3.4.2, the module count, cookies 0xFFFF;
- `module_problems`: every MODULEOFFSET is 0 and the stream from there is a compressed container whose source names
  the module (`Attribute VB_Name`);
- `code_page_problems`: the code page is one Python knows, every MBCS name equals its UTF-16 twin in it, and PROJECT,
  PROJECTwm and every module's source decode in it;
- `project_stream_problems`: PROJECT starts with ID= and lists each module of dir once, with its kind.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
from collections.abc import Callable, Iterator
from typing import Any

INFORMATION_ORDER = (0x01, 0x4A, 0x02, 0x14, 0x03, 0x04, 0x05, 0x40, 0x06, 0x3D, 0x07, 0x08, 0x09, 0x0C, 0x3C)
INFORMATION_OPTIONAL = frozenset({0x4A})
REFERENCE_IDS = frozenset({0x16, 0x3E, 0x33, 0x2F, 0x30, 0x0D, 0x0E})
MODULE_ORDER = (0x19, 0x47, 0x1A, 0x32, 0x1C, 0x48, 0x31, 0x1E, 0x2C, 0x21, 0x25, 0x28, 0x2B)
MODULE_OPTIONAL = frozenset({0x47, 0x25, 0x28})
MODULE_TYPES = (0x21, 0x22)


def _decompress(data: bytes) -> bytes:
    from oletools.olevba import decompress_stream

    return bytes(decompress_stream(bytearray(data)))


def records(dir_data: bytes) -> Iterator[tuple[int, bytes]]:
    """(id, data) of each record of a decompressed dir stream (PROJECTVERSION holds 2 bytes more than it says)."""
    pos = 0
    while pos < len(dir_data):
        record_id, size = struct.unpack_from("<HI", dir_data, pos)
        size += 2 if record_id == 0x09 else 0
        yield record_id, dir_data[pos + 6 : pos + 6 + size]
        pos += 6 + size


def encode_records(items: list[tuple[int, bytes]]) -> bytes:
    """The inverse of `records`, for planting defects."""
    out = b""
    for record_id, data in items:
        size = len(data) - 2 if record_id == 0x09 else len(data)
        out += struct.pack("<HI", record_id, size) + data
    return out


class _Project:
    def __init__(self, data: bytes):
        import olefile

        ole = olefile.OleFileIO(io.BytesIO(data))
        self.streams = {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}
        ole.close()
        self.dir = list(records(_decompress(self.streams["VBA/dir"]))) if "VBA/dir" in self.streams else []

    def value(self, record_id: int) -> bytes | None:
        return next((d for r, d in self.dir if r == record_id), None)

    @property
    def code_page(self) -> int:
        page = self.value(0x03)
        return struct.unpack("<H", page)[0] if page else 0

    def modules(self) -> list[dict[int, bytes]]:
        out, current, inside = [], {}, False
        for record_id, data in self.dir:
            if record_id == 0x13:
                inside = True
            elif inside and record_id == 0x2B:
                out.append(current)
                current = {}
            elif inside and record_id != 0x10:
                current[record_id] = data
        return out


def _checked(check: Callable[[_Project], list[str]]) -> Callable[[bytes], list[str]]:
    def run(data: bytes) -> list[str]:
        try:
            return check(_Project(data))
        except Exception as exc:  # a file the check cannot even read is a problem to report, not a crash
            return [f"{check.__name__}: unreadable ({type(exc).__name__}: {exc})"]

    run.__name__ = check.__name__
    run.__doc__ = check.__doc__
    return run


@_checked
def stream_problems(p: _Project) -> list[str]:
    names = [m.get(0x32, b"").decode("utf-16-le") for m in p.modules()]
    expected = {"PROJECT", "PROJECTwm", "VBA/_VBA_PROJECT", "VBA/dir"} | {f"VBA/{n}" for n in names}
    problems = [f"stream {s} is missing" for s in sorted(expected - set(p.streams))]
    problems += [f"stream {s} is not part of a source-only project" for s in sorted(set(p.streams) - expected)]
    return problems


@_checked
def header_problems(p: _Project) -> list[str]:
    data = p.streams.get("VBA/_VBA_PROJECT", b"")
    problems = []
    if data[:2] != b"\xcc\x61":
        problems.append(f"_VBA_PROJECT Reserved1 is {data[:2].hex()}, not cc61")
    if data[2:4] != b"\xff\xff":
        problems.append(f"_VBA_PROJECT version is {data[2:4].hex()}, not ffff (Office would trust a performance cache)")
    if data[4:5] != b"\x00":
        problems.append("_VBA_PROJECT Reserved2 is not 0x00")
    if len(data) != 7:
        problems.append(f"_VBA_PROJECT is {len(data)} bytes: a source-only project has no performance cache")
    return problems


def _in_order(found: list[int], order: tuple[int, ...], optional: frozenset[int], what: str) -> list[str]:
    expected = [r for r in order if r not in optional or r in found]
    if found != expected:
        shown = " ".join(f"{r:#06x}" for r in found)
        return [f"{what}: records {shown}, MS-OVBA's order is {' '.join(f'{r:#06x}' for r in expected)}"]
    return []


@_checked
def dir_problems(p: _Project) -> list[str]:
    ids = [r for r, _ in p.dir]
    if 0x0F not in ids or 0x13 not in ids:
        return ["dir: no PROJECTMODULES or PROJECTCOOKIE record"]
    start = ids.index(0x0F)
    info_end = next(i for i, r in enumerate(ids) if r in REFERENCE_IDS or r == 0x0F)
    problems = _in_order(ids[:info_end], INFORMATION_ORDER, INFORMATION_OPTIONAL, "PROJECTINFORMATION")
    strays = [r for r in ids[info_end:start] if r not in REFERENCE_IDS]
    problems += [f"PROJECTREFERENCES: record {r:#06x} is not a reference record" for r in strays]
    if ids[start + 1] != 0x13:
        problems.append("PROJECTCOOKIE does not follow PROJECTMODULES")
    if ids[-1] != 0x10:
        problems.append("dir does not end with its terminator 0x0010")
    modules = p.modules()
    count = struct.unpack("<H", p.value(0x0F))[0]
    if count != len(modules):
        problems.append(f"PROJECTMODULES says {count} modules, dir describes {len(modules)}")
    if p.value(0x13) != b"\xff\xff":
        problems.append("PROJECTCOOKIE is not 0xFFFF")
    body = ids[start + 2 : -1]
    for i, module in enumerate(modules):
        end = body.index(0x2B) + 1
        found, body = body[:end], body[end:]
        name = module.get(0x19, b"?").decode("latin-1")
        kinds = [r for r in found if r in MODULE_TYPES]
        if len(kinds) != 1:
            problems.append(f"module {i} ({name}): {len(kinds)} MODULETYPE records")
        normalised = [0x21 if r in MODULE_TYPES else r for r in found]
        problems += _in_order(normalised, MODULE_ORDER, MODULE_OPTIONAL, f"module {name}")
        if module.get(0x2C) != b"\xff\xff":
            problems.append(f"module {name}: MODULECOOKIE is not 0xFFFF")
    return problems


@_checked
def module_problems(p: _Project) -> list[str]:
    problems = []
    for module in p.modules():
        name = module[0x47].decode("utf-16-le") if 0x47 in module else module[0x19].decode("latin-1")
        stream = p.streams.get(f"VBA/{module[0x32].decode('utf-16-le')}")
        offset = struct.unpack("<I", module[0x31])[0]
        if offset != 0:
            problems.append(f"module {name}: MODULEOFFSET is {offset}; without a performance cache the source is at 0")
        if stream is None:
            continue
        if stream[offset : offset + 1] != b"\x01":
            problems.append(f"module {name}: no compressed container at offset {offset}")
            continue
        source = _decompress(stream[offset:])
        if not source.startswith(f'Attribute VB_Name = "{name}"'.encode("latin-1")):
            problems.append(f'module {name}: its source does not start with Attribute VB_Name = "{name}"')
    return problems


def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True


@_checked
def code_page_problems(p: _Project) -> list[str]:
    page = p.code_page
    names = [name for name in (f"cp{page}", f"cp{page:03d}") if _known(name)]
    if not names:
        return [f"PROJECTCODEPAGE {page} is no code page"]
    encoding = names[0]
    problems = []

    def decodes(what: str, data: bytes) -> str | None:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            problems.append(f"{what} does not decode in code page {page}: {exc.reason} at byte {exc.start}")
            return None

    for mbcs, unicode in ((0x19, 0x47), (0x1A, 0x32)):
        for module in p.modules():
            if unicode in module and decodes("a module name", module[mbcs]) != module[unicode].decode("utf-16-le"):
                problems.append(f"module name {module[mbcs]!r} differs from its UTF-16 form in code page {page}")
    decodes("PROJECT", p.streams.get("PROJECT", b""))
    wm = p.streams.get("PROJECTwm", b"")
    for mbcs, utf16 in re.findall(rb"([^\x00]+)\x00((?:[^\x00].|.[^\x00])+)\x00\x00", wm, re.S):
        if decodes("PROJECTwm", mbcs) != utf16.decode("utf-16-le", "replace"):
            problems.append(f"PROJECTwm: {mbcs!r} differs from its UTF-16 form")
    for module in p.modules():
        stream = p.streams.get(f"VBA/{module[0x32].decode('utf-16-le')}", b"")
        offset = struct.unpack("<I", module[0x31])[0]
        if stream[offset : offset + 1] == b"\x01":
            decodes(f"module {module[0x19].decode('latin-1')}", _decompress(stream[offset:]))
    return problems


@_checked
def project_stream_problems(p: _Project) -> list[str]:
    text = p.streams.get("PROJECT", b"").decode("latin-1")
    lines = text.split("\r\n")
    problems = [] if re.fullmatch(r'ID="\{[0-9A-F-]{36}\}"', lines[0]) else ['PROJECT does not start with ID="{…}"']
    listed: dict[str, str] = {}
    for line in lines:
        match = re.fullmatch(r"(Module|Class|BaseClass|Document)=([^/]+)(/&H[0-9A-F]{8})?", line)
        if match:
            if match.group(2) in listed:
                problems.append(f"PROJECT lists {match.group(2)} twice")
            listed[match.group(2)] = match.group(1)
    for module in p.modules():
        name = module[0x19].decode("latin-1")
        kind = listed.get(name)
        if kind is None:
            problems.append(f"PROJECT does not list module {name}")
        elif (kind == "Module") != (0x21 in module):
            problems.append(f"PROJECT lists {name} as {kind}, dir says {'procedural' if 0x21 in module else 'class'}")
    extra = set(listed) - {m[0x19].decode("latin-1") for m in p.modules()}
    problems += [f"PROJECT lists {name}, which dir does not have" for name in sorted(extra)]
    return problems


CHECKS = (stream_problems, header_problems, dir_problems, module_problems, code_page_problems, project_stream_problems)


def problems(data: bytes) -> list[str]:
    """Every check's problems for the vbaProject.bin `data`."""
    return [problem for check in CHECKS for problem in check(data)]


# --- what olevba reports ---------------------------------------------------------------------------------------------


def olevba_report(data: bytes) -> dict[str, Any]:
    """What olevba reads from a vbaProject.bin: the project's properties (its VBA_Project), every module's properties
    and source, and the reference lines it logs, in order. Offsets are left out: a writer without a performance cache
    moves every source to offset 0."""
    import logging

    from oletools.olevba import VBA_Parser, VBA_Project
    from oletools.olevba import log as adapter

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if message.startswith("REFERENCE"):
                lines.append(message)

    log = getattr(adapter, "logger", adapter)  # oletools wraps its logger in an adapter
    handler, level = Keep(), log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    parser = VBA_Parser("vbaProject.bin", data=data)
    try:
        (vba_root, project_path, dir_path), *_ = parser.find_vba_projects()
        project = VBA_Project(parser.ole_file, vba_root, project_path, dir_path, relaxed=False)
        project.parse_project_stream()
        macros = [(stream, name, code) for stream, name, code in project.parse_modules()]
        skip = {"ole", "dir_stream", "vba_root", "dir_path", "project_path", "relaxed", "modules", "module_ext"}
        simple = (str, int, bytes, bool, type(None))
        properties = {k: v for k, v in vars(project).items() if k not in skip and isinstance(v, simple)}
        modules = [
            {k: v for k, v in vars(m).items() if isinstance(v, simple) and k not in ("textoffset", "code_raw")}
            for m in project.modules
        ]
    finally:
        parser.close()
        log.removeHandler(handler)
        log.setLevel(level)
    return {"project": properties, "modules": modules, "references": lines, "macros": macros}
