"""A VBA project as data, read from a `vbaProject.bin` and written back as MS-OVBA asks a writer without compiled
code to write it.

What is written (MS-OVBA 2.2-2.3):
- `VBA/_VBA_PROJECT`: the 7-byte header with version 0xFFFF and no performance cache, so Office compiles the source;
- `VBA/dir`: compressed records, in the specification's order: project information, references, modules (each with
  MODULEOFFSET 0 and cookie 0xFFFF, as a writer without a performance cache must), terminator;
- `VBA/<module>`: each module's source, compressed, from offset 0;
- `PROJECT`: the text properties (ID, one line per module, name, protection state, host extenders);
- `PROJECTwm`: each module's name in the project's code page and in UTF-16.

References are kept as the records read (their layout depends on the kind of reference and nothing here edits
them); the project's window layout (`[Workspace]` of PROJECT, optional) and the templates' compiled code
(`__SRP_` streams, performance caches) are left out: they describe one machine's last session.
"""

from __future__ import annotations

import dataclasses
import enum
import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from addin.excel.vba import cfb
from addin.excel.vba.compression import compress, decompress

VBA_PROJECT_HEADER = bytes.fromhex("CC61FFFF000100")  # Reserved1 0x61CC, Version 0xFFFF, Reserved2 0, Reserved3 1
COOKIE = 0xFFFF
NEWLINE = "\r\n"


class ProjectError(ValueError):
    """A VBA project this reader cannot read, or one the writer would write wrong."""


class ModuleKind(enum.Enum):
    """How PROJECT lists a module; `dir` only tells procedural (0x21) from the rest (0x22)."""

    PROCEDURAL = "Module"
    CLASS = "Class"
    DOCUMENT = "Document"  # a workbook's or a sheet's own module


@dataclass(frozen=True)
class Module:
    name: str
    source: str  # as VBA stores it: CRLF line ends, `Attribute` lines included
    kind: ModuleKind = ModuleKind.PROCEDURAL
    docstring: str = ""
    help_context: int = 0
    read_only: bool = False
    private: bool = False

    @property
    def stream_name(self) -> str:
        return self.name


@dataclass(frozen=True)
class Information:
    """PROJECTINFORMATION of the dir stream (2.3.4.2.1)."""

    name: str
    code_page: int = 1252
    sys_kind: int = 1  # 0 Win16, 1 Win32, 2 Macintosh, 3 Win64
    compat_version: int | None = None
    lcid: int = 0x0409
    lcid_invoke: int = 0x0409
    docstring: str = ""
    help_file: str = ""
    help_context: int = 0
    lib_flags: int = 0
    version_major: int = 0
    version_minor: int = 0
    constants: str = ""

    @property
    def encoding(self) -> str:
        return f"cp{self.code_page}"


@dataclass(frozen=True)
class Reference:
    """One entry of PROJECTREFERENCES: its name and its records (id, data) as read."""

    name: str
    records: tuple[tuple[int, bytes], ...]


@dataclass(frozen=True)
class Project:
    information: Information
    references: tuple[Reference, ...]
    modules: tuple[Module, ...]
    project_id: str  # the PROJECT stream's ID="{…}": its protection state (CMG, DPB, GC) is encrypted with it
    properties: tuple[tuple[str, str], ...]  # PROJECT lines after the module lines, in order (Name, CMG, …)
    host_extenders: tuple[str, ...] = ("&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",)

    def module(self, name: str) -> Module:
        for module in self.modules:
            if module.name.lower() == name.lower():
                return module
        raise KeyError(name)

    def with_modules(self, *added: Module) -> Project:
        """This project with `added` modules after its own (a module of the same name is replaced in place)."""
        names = {m.name.lower(): m for m in added}
        kept = tuple(names.pop(m.name.lower(), m) for m in self.modules)
        return dataclasses.replace(self, modules=kept + tuple(m for m in added if m.name.lower() in names))


# --- dir stream records --------------------------------------------------------------------------------------

PROJECTSYSKIND, PROJECTLCID, PROJECTCODEPAGE, PROJECTNAME = 0x0001, 0x0002, 0x0003, 0x0004
PROJECTDOCSTRING, PROJECTHELPFILEPATH, PROJECTHELPCONTEXT, PROJECTLIBFLAGS = 0x0005, 0x0006, 0x0007, 0x0008
PROJECTVERSION, PROJECTCONSTANTS, PROJECTLCIDINVOKE, PROJECTCOMPATVERSION = 0x0009, 0x000C, 0x0014, 0x004A
DOCSTRING_UNICODE, HELPFILEPATH_2, CONSTANTS_UNICODE = 0x0040, 0x003D, 0x003C
REFERENCENAME, REFERENCENAME_UNICODE = 0x0016, 0x003E
REFERENCECONTROL, REFERENCECONTROL_EXTENDED, REFERENCEORIGINAL = 0x002F, 0x0030, 0x0033
REFERENCEREGISTERED, REFERENCEPROJECT = 0x000D, 0x000E
PROJECTMODULES, PROJECTCOOKIE, DIR_TERMINATOR = 0x000F, 0x0013, 0x0010
MODULENAME, MODULENAMEUNICODE, MODULESTREAMNAME, MODULESTREAMNAME_UNICODE = 0x0019, 0x0047, 0x001A, 0x0032
MODULEDOCSTRING, MODULEDOCSTRING_UNICODE, MODULEOFFSET, MODULEHELPCONTEXT = 0x001C, 0x0048, 0x0031, 0x001E
MODULECOOKIE, MODULETYPE_PROCEDURAL, MODULETYPE_OTHER = 0x002C, 0x0021, 0x0022
MODULEREADONLY, MODULEPRIVATE, MODULE_TERMINATOR = 0x0025, 0x0028, 0x002B
REFERENCE_STARTS = frozenset(
    {REFERENCENAME, REFERENCEORIGINAL, REFERENCECONTROL, REFERENCEREGISTERED, REFERENCEPROJECT}
)


def dir_records(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(id, data) of each record of a decompressed dir stream. Every record is id, size, data, except PROJECTVERSION,
    whose size field says 4 but which holds 6 bytes (2.3.4.2.1.11)."""
    pos = 0
    while pos < len(data):
        if pos + 6 > len(data):
            raise ProjectError(f"dir stream: a record header is cut off at byte {pos}")
        record_id, size = struct.unpack_from("<HI", data, pos)
        if record_id == PROJECTVERSION:
            size += 2
        if pos + 6 + size > len(data):
            raise ProjectError(f"dir stream: record {record_id:#06x} at byte {pos} runs past the end")
        yield record_id, data[pos + 6 : pos + 6 + size]
        pos += 6 + size


def _record(record_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(data)) + data


def _u32(value: int) -> bytes:
    return struct.pack("<I", value)


def _u16(value: int) -> bytes:
    return struct.pack("<H", value)


def _text(value: str, encoding: str, what: str) -> bytes:
    try:
        data = value.encode(encoding)
    except UnicodeEncodeError as exc:
        raise ProjectError(f"{what}: {value[exc.start : exc.end]!r} has no byte in the project's {encoding}") from exc
    if b"\x00" in data:
        raise ProjectError(f"{what} contains a NUL character")
    return data


def dir_stream(project: Project) -> bytes:
    """The decompressed dir stream of `project`."""
    info, enc = project.information, project.information.encoding
    out = bytearray()
    out += _record(PROJECTSYSKIND, _u32(info.sys_kind))
    if info.compat_version is not None:
        out += _record(PROJECTCOMPATVERSION, _u32(info.compat_version))
    out += _record(PROJECTLCID, _u32(info.lcid))
    out += _record(PROJECTLCIDINVOKE, _u32(info.lcid_invoke))
    out += _record(PROJECTCODEPAGE, _u16(info.code_page))
    out += _record(PROJECTNAME, _text(info.name, enc, "project name"))
    out += _record(PROJECTDOCSTRING, _text(info.docstring, enc, "project description"))
    out += _record(DOCSTRING_UNICODE, info.docstring.encode("utf-16-le"))
    out += _record(PROJECTHELPFILEPATH, _text(info.help_file, enc, "help file"))
    out += _record(HELPFILEPATH_2, _text(info.help_file, enc, "help file"))
    out += _record(PROJECTHELPCONTEXT, _u32(info.help_context))
    out += _record(PROJECTLIBFLAGS, _u32(info.lib_flags))
    out += struct.pack("<HIIH", PROJECTVERSION, 4, info.version_major, info.version_minor)
    out += _record(PROJECTCONSTANTS, _text(info.constants, enc, "project constants"))
    out += _record(CONSTANTS_UNICODE, info.constants.encode("utf-16-le"))
    for reference in project.references:
        for record_id, data in reference.records:
            out += _record(record_id, data)
    out += _record(PROJECTMODULES, _u16(len(project.modules)))
    out += _record(PROJECTCOOKIE, _u16(COOKIE))
    for module in project.modules:
        name = _text(module.name, enc, "module name")
        out += _record(MODULENAME, name)
        out += _record(MODULENAMEUNICODE, module.name.encode("utf-16-le"))
        out += _record(MODULESTREAMNAME, _text(module.stream_name, enc, "module stream name"))
        out += _record(MODULESTREAMNAME_UNICODE, module.stream_name.encode("utf-16-le"))
        out += _record(MODULEDOCSTRING, _text(module.docstring, enc, f"{module.name}'s description"))
        out += _record(MODULEDOCSTRING_UNICODE, module.docstring.encode("utf-16-le"))
        out += _record(MODULEOFFSET, _u32(0))  # the source starts the stream: there is no performance cache
        out += _record(MODULEHELPCONTEXT, _u32(module.help_context))
        out += _record(MODULECOOKIE, _u16(COOKIE))
        out += _record(MODULETYPE_PROCEDURAL if module.kind is ModuleKind.PROCEDURAL else MODULETYPE_OTHER, b"")
        if module.read_only:
            out += _record(MODULEREADONLY, b"")
        if module.private:
            out += _record(MODULEPRIVATE, b"")
        out += _record(MODULE_TERMINATOR, b"")
    out += _record(DIR_TERMINATOR, b"")
    return bytes(out)


# --- PROJECT and PROJECTwm -----------------------------------------------------------------------------------


def _module_line(module: Module) -> str:
    if module.kind is ModuleKind.DOCUMENT:
        return f"Document={module.name}/&H00000000"
    return f"{module.kind.value}={module.name}"


def project_stream(project: Project) -> bytes:
    lines = [f'ID="{project.project_id}"', *map(_module_line, project.modules)]
    lines += [f"{key}={value}" for key, value in project.properties]
    lines += ["", "[Host Extender Info]", *project.host_extenders, ""]
    return _text(NEWLINE.join(lines), project.information.encoding, "PROJECT stream")


def project_wm_stream(project: Project) -> bytes:
    enc = project.information.encoding
    names = b"".join(
        _text(m.name, enc, "module name") + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00" for m in project.modules
    )
    return names + b"\x00\x00"


def module_stream(module: Module, encoding: str) -> bytes:
    return compress(_text(module.source, encoding, f"module {module.name}"))


def streams(project: Project) -> dict[str, bytes]:
    """Every stream of the project's compound file, by path."""
    names = [m.name.lower() for m in project.modules]
    if len(set(names)) != len(names):
        raise ProjectError("two modules have the same name")
    out = {
        "PROJECT": project_stream(project),
        "PROJECTwm": project_wm_stream(project),
        "VBA/_VBA_PROJECT": VBA_PROJECT_HEADER,
        "VBA/dir": compress(dir_stream(project)),
    }
    for module in project.modules:
        out[f"VBA/{module.stream_name}"] = module_stream(module, project.information.encoding)
    return out


def write(project: Project) -> bytes:
    """The `vbaProject.bin` of `project`."""
    return cfb.write(streams(project))


# --- reading ---------------------------------------------------------------------------------------------------


def _read_information(records: list[tuple[int, bytes]]) -> Information:
    values = dict(records)
    code_page = struct.unpack("<H", values[PROJECTCODEPAGE])[0]
    enc = f"cp{code_page}"
    major, minor = struct.unpack("<IH", values[PROJECTVERSION])

    def text(unicode_id: int, mbcs_id: int) -> str:
        if unicode_id in values:
            return values[unicode_id].decode("utf-16-le")
        return values.get(mbcs_id, b"").decode(enc)

    return Information(
        name=values[PROJECTNAME].decode(enc),
        code_page=code_page,
        sys_kind=struct.unpack("<I", values[PROJECTSYSKIND])[0],
        compat_version=struct.unpack("<I", values[PROJECTCOMPATVERSION])[0] if PROJECTCOMPATVERSION in values else None,
        lcid=struct.unpack("<I", values[PROJECTLCID])[0],
        lcid_invoke=struct.unpack("<I", values[PROJECTLCIDINVOKE])[0],
        docstring=text(DOCSTRING_UNICODE, PROJECTDOCSTRING),
        help_file=values.get(PROJECTHELPFILEPATH, b"").decode(enc),
        help_context=struct.unpack("<I", values[PROJECTHELPCONTEXT])[0],
        lib_flags=struct.unpack("<I", values[PROJECTLIBFLAGS])[0],
        version_major=major,
        version_minor=minor,
        constants=text(CONSTANTS_UNICODE, PROJECTCONSTANTS),
    )


def _starts_reference(record_id: int, previous: int | None) -> bool:
    """Whether a record opens a new REFERENCE (2.3.4.2.2): a name, unless it is a REFERENCECONTROL's own second name;
    a reference record, unless a name or (for a control) its REFERENCEORIGINAL came just before it."""
    if record_id == REFERENCENAME:
        return previous != REFERENCECONTROL
    if record_id == REFERENCECONTROL:
        return previous not in (REFERENCENAME, REFERENCENAME_UNICODE, REFERENCEORIGINAL)
    if record_id in (REFERENCEORIGINAL, REFERENCEREGISTERED, REFERENCEPROJECT):
        return previous not in (REFERENCENAME, REFERENCENAME_UNICODE)
    return False


def _read_references(records: list[tuple[int, bytes]], encoding: str) -> tuple[Reference, ...]:
    groups: list[list[tuple[int, bytes]]] = []
    previous = None
    for record_id, data in records:
        if _starts_reference(record_id, previous):
            groups.append([])
        if not groups:
            raise ProjectError(f"dir stream: record {record_id:#06x} before any reference")
        groups[-1].append((record_id, data))
        previous = record_id
    references = []
    for group in groups:
        unicode_names = [d.decode("utf-16-le") for r, d in group if r == REFERENCENAME_UNICODE]
        names = unicode_names or [d.decode(encoding) for r, d in group if r == REFERENCENAME]
        references.append(Reference(names[0] if names else "", tuple(group)))
    return tuple(references)


def _read_modules(records: list[tuple[int, bytes]]) -> Iterator[dict[int, bytes]]:
    current: dict[int, bytes] = {}
    for record_id, data in records:
        if record_id == MODULE_TERMINATOR:
            yield current
            current = {}
        elif record_id in (MODULETYPE_PROCEDURAL, MODULETYPE_OTHER):
            current[0x21] = bytes([record_id])
        else:
            current[record_id] = data
    if current:
        raise ProjectError("dir stream: the last module has no terminator")


def _project_lines(text: str) -> tuple[str, dict[str, ModuleKind], list[tuple[str, str]], list[str]]:
    project_id, kinds, properties, extenders, section = "", {}, [], [], ""
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("["):
            section = line.strip()
            continue
        if section == "[Host Extender Info]":
            extenders.append(line)
            continue
        if section:
            continue  # [Workspace]: one machine's window positions
        key, _, value = line.partition("=")
        if key == "ID":
            project_id = value.strip('"')
        elif key in ("Module", "Class", "BaseClass"):
            kinds[value.lower()] = ModuleKind.PROCEDURAL if key == "Module" else ModuleKind.CLASS
        elif key == "Document":
            kinds[value.split("/")[0].lower()] = ModuleKind.DOCUMENT
        else:
            properties.append((key, value))
    return project_id, kinds, properties, extenders


def read(data: bytes) -> Project:
    """The project in the compound file `data` (a `vbaProject.bin`)."""
    import olefile

    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        records = list(dir_records(decompress(ole.openstream("VBA/dir").read())))
        ids = [r for r, _ in records]
        first_ref = next((i for i, r in enumerate(ids) if r in REFERENCE_STARTS), ids.index(PROJECTMODULES))
        modules_at = ids.index(PROJECTMODULES)
        information = _read_information(records[:first_ref])
        enc = information.encoding
        references = _read_references(records[first_ref:modules_at], enc)
        project_id, kinds, properties, extenders = _project_lines(ole.openstream("PROJECT").read().decode(enc))
        modules = []
        for fields in _read_modules([r for r in records[modules_at + 2 :] if r[0] != DIR_TERMINATOR]):
            name = fields[MODULENAMEUNICODE].decode("utf-16-le") if MODULENAMEUNICODE in fields else ""
            name = name or fields[MODULENAME].decode(enc)
            stream = fields.get(MODULESTREAMNAME_UNICODE, b"").decode("utf-16-le") or fields[MODULESTREAMNAME].decode(
                enc
            )
            offset = struct.unpack("<I", fields[MODULEOFFSET])[0]
            # A last chunk stored raw is padded with NULs to 4096 bytes (MS-OVBA 2.4.1.3.10); source has none.
            source = decompress(ole.openstream(f"VBA/{stream}").read()[offset:]).rstrip(b"\x00").decode(enc)
            doc = fields.get(MODULEDOCSTRING_UNICODE, b"").decode("utf-16-le") or fields.get(
                MODULEDOCSTRING, b""
            ).decode(enc)
            procedural = fields[0x21] == bytes([MODULETYPE_PROCEDURAL])
            kind = ModuleKind.PROCEDURAL if procedural else kinds.get(name.lower(), ModuleKind.CLASS)
            if stream != name:
                raise ProjectError(f"module {name} is stored in stream {stream}; this writer names streams by module")
            modules.append(
                Module(
                    name=name,
                    source=source,
                    kind=kind,
                    docstring=doc,
                    help_context=struct.unpack("<I", fields.get(MODULEHELPCONTEXT, b"\0\0\0\0"))[0],
                    read_only=MODULEREADONLY in fields,
                    private=MODULEPRIVATE in fields,
                )
            )
    finally:
        ole.close()
    return Project(
        information=information,
        references=references,
        modules=tuple(modules),
        project_id=project_id,
        properties=tuple(properties),
        host_extenders=tuple(extenders) or Project.__dataclass_fields__["host_extenders"].default,
    )
