"""A compound file writer (MS-CFB, version 3: 512-byte sectors), enough for a `vbaProject.bin`.

olefile reads compound files but cannot create one, and the writers on PyPI are young single-author projects, so
this is the small subset a VBA project needs: storages and streams, no timestamps, no DIFAT (a FAT of up to 109
sectors, about 7 MB). Streams shorter than 4096 bytes go into the mini stream (64-byte sectors, MiniFAT), as MS-CFB
requires. Each storage's children form a red-black tree ordered by name length, then upper-cased name (2.6.4):
built balanced from the sorted names, with the nodes of an incomplete last level red, which keeps every path's count
of black nodes equal.

Sector order: directory, MiniFAT, mini stream, large streams, FAT.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
MAX_HEADER_FAT = 109
ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
RED, BLACK = 0, 1


class CompoundFileError(ValueError):
    """A stream name or layout MS-CFB does not allow, or a file beyond this writer's subset."""


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, _Entry] = field(default_factory=dict)
    index: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = BLACK
    start: int = ENDOFCHAIN


def sort_key(name: str) -> tuple[int, str]:
    """MS-CFB's order of sibling names: shorter first, then by upper-cased UTF-16 code units."""
    return len(name), name.upper()


def _tree(root: _Entry, paths: Mapping[str, bytes]) -> list[_Entry]:
    for path, data in paths.items():
        parts = path.split("/")
        node = root
        for i, part in enumerate(parts):
            if not part or len(part) > 31 or any(c in part for c in "/\\:!"):
                raise CompoundFileError(f"{path!r}: names are 1 to 31 characters without / \\ : !")
            last = i == len(parts) - 1
            existing = node.children.get(part.upper())
            if existing is None:
                # MS-CFB 2.6.3: a storage's starting sector and size are zero.
                existing = _Entry(part, STREAM, data) if last else _Entry(part, STORAGE, start=0)
                node.children[part.upper()] = existing
            elif last or existing.kind != STORAGE:
                raise CompoundFileError(f"{path!r} is given twice, or as both a stream and a storage")
            node = existing
    entries = [root]

    def number(node: _Entry) -> None:
        for child in node.children.values():
            child.index = len(entries)
            entries.append(child)
        for child in node.children.values():
            number(child)
        siblings = sorted(node.children.values(), key=lambda e: sort_key(e.name))
        depth = max(0, math.ceil(math.log2(len(siblings) + 1)) - 1) if siblings else 0
        full = len(siblings) == 2 ** (depth + 1) - 1
        node.child = _balanced(siblings, 0, depth, full)

    number(root)
    return entries


def _balanced(siblings: list[_Entry], level: int, depth: int, full: bool) -> int:
    if not siblings:
        return NOSTREAM
    middle = len(siblings) // 2
    node = siblings[middle]
    node.color = RED if level == depth and level > 0 and not full else BLACK
    node.left = _balanced(siblings[:middle], level + 1, depth, full)
    node.right = _balanced(siblings[middle + 1 :], level + 1, depth, full)
    return node.index


def _chain(fat: list[int], start: int, count: int) -> None:
    for i in range(count):
        fat[start + i] = start + i + 1 if i < count - 1 else ENDOFCHAIN


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\x00" * (-len(data) % size)


def _directory_entry(entry: _Entry, size: int) -> bytes:
    name = (entry.name + "\x00").encode("utf-16-le")
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name),
        entry.kind,
        entry.color,
        entry.left,
        entry.right,
        entry.child,
        b"\x00" * 16,
        0,
        0,
        0,
        entry.start,
        size,
    )


_UNUSED_ENTRY = struct.pack(
    "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\x00" * 16, 0, 0, 0, 0, 0
)


def write(streams: Mapping[str, bytes]) -> bytes:
    """A compound file holding `streams` (path with "/" between storages -> content)."""
    root = _Entry("Root Entry", ROOT)
    entries = _tree(root, streams)
    small = [e for e in entries if e.kind == STREAM and len(e.data) < MINI_CUTOFF]
    large = [e for e in entries if e.kind == STREAM and len(e.data) >= MINI_CUTOFF]

    mini_fat: list[int] = []
    mini_stream = bytearray()
    for entry in small:
        if not entry.data:
            continue  # an empty stream has no sectors: its start stays ENDOFCHAIN
        entry.start = len(mini_fat)
        count = -(-len(entry.data) // MINI_SECTOR)
        mini_fat += [0] * count
        _chain(mini_fat, entry.start, count)
        mini_stream += _pad(entry.data, MINI_SECTOR)

    dir_sectors = -(-len(entries) * 128 // SECTOR)
    minifat_sectors = -(-len(mini_fat) * 4 // SECTOR)
    ministream_sectors = -(-len(mini_stream) // SECTOR)
    large_sectors = [-(-len(e.data) // SECTOR) for e in large]
    content = dir_sectors + minifat_sectors + ministream_sectors + sum(large_sectors)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < content + fat_sectors:
        fat_sectors += 1
    if fat_sectors > MAX_HEADER_FAT:
        raise CompoundFileError("the streams need a DIFAT, which this writer does not write")

    fat = [FREESECT] * (fat_sectors * SECTOR // 4)
    _chain(fat, 0, dir_sectors)
    next_sector = dir_sectors
    minifat_start = next_sector if minifat_sectors else ENDOFCHAIN
    _chain(fat, next_sector, minifat_sectors)
    next_sector += minifat_sectors
    root.start = next_sector if ministream_sectors else ENDOFCHAIN
    _chain(fat, next_sector, ministream_sectors)
    next_sector += ministream_sectors
    for entry, count in zip(large, large_sectors, strict=True):
        entry.start = next_sector
        _chain(fat, next_sector, count)
        next_sector += count
    fat_start = next_sector
    for i in range(fat_sectors):
        fat[fat_start + i] = FATSECT

    directory = b"".join(
        _directory_entry(e, len(mini_stream) if e is root else len(e.data) if e.kind == STREAM else 0) for e in entries
    )
    directory += _UNUSED_ENTRY * ((dir_sectors * SECTOR - len(directory)) // 128)
    header_fat = [fat_start + i for i in range(fat_sectors)] + [FREESECT] * (MAX_HEADER_FAT - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        SIGNATURE,
        b"\x00" * 16,
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # little-endian
        9,  # sector shift: 2**9 = 512
        6,  # mini sector shift: 2**6 = 64
        b"\x00" * 6,
        0,  # directory sectors: always 0 in version 3
        fat_sectors,
        0,  # first directory sector
        0,  # transaction signature
        MINI_CUTOFF,
        minifat_start,
        minifat_sectors,
        ENDOFCHAIN,  # no DIFAT sector
        0,
        *header_fat,
    )
    body = (
        directory
        + _pad(struct.pack(f"<{len(mini_fat)}I", *mini_fat), SECTOR)
        + _pad(bytes(mini_stream), SECTOR)
        + b"".join(_pad(e.data, SECTOR) for e in large)
        + struct.pack(f"<{len(fat)}I", *fat)
    )
    return header + body
