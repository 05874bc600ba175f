"""MS-OVBA's compression (section 2.4.1): a signature byte 0x01, then chunks of at most 4096 source bytes.

Each chunk has a 2-byte header (bits 0-11: chunk size - 3, bits 12-14: 0b011, bit 15: compressed) and then, when
compressed, groups of a flag byte and eight tokens: a literal byte (flag bit 0) or a 2-byte copy token (flag bit 1)
that repeats `length` bytes from `offset` bytes back in the same chunk. A copy token splits its 16 bits between
offset and length by how far into the chunk it stands (`_bit_count`). Any valid compression decompresses to the same
bytes, so the encoder only has to be correct, not identical to Office's: it takes the longest earlier match, the
nearest of equals, as the specification's pseudocode does.
"""

from __future__ import annotations

import struct

CHUNK = 4096
SIGNATURE = 0x01
_MIN_MATCH = 3


class CompressionError(ValueError):
    """A compressed container that MS-OVBA's decompression cannot read."""


def _bit_count(position: int) -> int:
    """Offset bits of a copy token `position` bytes into its chunk (CopyToken Help, 2.4.1.3.19.1)."""
    return max((position - 1).bit_length(), 4)


def _header(compressed: bool, size: int) -> bytes:
    return struct.pack("<H", (size - 3) | 0x3000 | (0x8000 if compressed else 0))


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    heads: dict[bytes, list[int]] = {}  # 3-byte prefix -> earlier positions with it, oldest first
    pos, end = 0, len(chunk)
    while pos < end:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            best_len, best_off = 0, 0
            if pos >= 1 and pos + _MIN_MATCH <= end:
                bits = _bit_count(pos)
                max_len = min((0xFFFF >> bits) + 3, end - pos)
                for candidate in reversed(heads.get(chunk[pos : pos + _MIN_MATCH], ())):
                    length = _MIN_MATCH
                    while length < max_len and chunk[candidate + length] == chunk[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - candidate
                        if length == max_len:
                            break
            step = best_len if best_len >= _MIN_MATCH else 1
            if step > 1:
                bits = _bit_count(pos)
                out += struct.pack("<H", ((best_off - 1) << (16 - bits)) | (best_len - 3))
                flags |= 1 << bit
            else:
                out.append(chunk[pos])
            for p in range(pos, pos + step):
                if p + _MIN_MATCH <= end:
                    heads.setdefault(chunk[p : p + _MIN_MATCH], []).append(p)
            pos += step
        out[flag_at] = flags
    if len(out) > CHUNK:
        # Incompressible: the raw form stores exactly 4096 bytes (2.4.1.3.10), padded when the data is shorter.
        return _header(False, CHUNK + 2) + chunk.ljust(CHUNK, b"\x00")
    return _header(True, len(out) + 2) + bytes(out)


def compress(data: bytes) -> bytes:
    """`data` as an MS-OVBA CompressedContainer."""
    return bytes([SIGNATURE]) + b"".join(_compress_chunk(data[i : i + CHUNK]) for i in range(0, len(data), CHUNK))


def decompress(container: bytes) -> bytes:
    """The bytes an MS-OVBA CompressedContainer holds (2.4.1.3.1)."""
    if not container or container[0] != SIGNATURE:
        raise CompressionError("a compressed container starts with the byte 0x01")
    out = bytearray()
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise CompressionError(f"a chunk header is cut off at byte {pos}")
        (header,) = struct.unpack_from("<H", container, pos)
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0x7 != 0b011:
            raise CompressionError(f"chunk at byte {pos} has signature {(header >> 12) & 7:#05b}, not 0b011")
        data = container[pos + 2 : pos + size]
        pos += size
        if not header & 0x8000:
            if len(data) != CHUNK:
                raise CompressionError(f"an uncompressed chunk holds {len(data)} bytes, not {CHUNK}")
            out += data
            continue
        start, i = len(out), 0
        while i < len(data):
            flags = data[i]
            i += 1
            for bit in range(8):
                if i >= len(data):
                    break
                if not flags & (1 << bit):
                    out.append(data[i])
                    i += 1
                    continue
                (token,) = struct.unpack_from("<H", data, i)
                i += 2
                bits = _bit_count(len(out) - start)
                offset, length = (token >> (16 - bits)) + 1, (token & (0xFFFF >> bits)) + 3
                if offset > len(out) - start:
                    raise CompressionError(f"a copy token reaches {offset} bytes back, before its chunk")
                for _ in range(length):  # byte by byte: a copy may overlap what it writes
                    out.append(out[-offset])
    return bytes(out)
