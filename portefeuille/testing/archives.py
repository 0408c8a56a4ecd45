"""Hostile zips for the upload tests and `python -m bench.uploads`, built on the fly.

`zip_bomb()` is a few hundred kilobytes that unpack to 500 MiB: the deflate stream of one
MiB of zeros, made self-contained by a full flush, is repeated (a valid stream, built in a
tenth of a second without compressing 500 MiB). The zips are written record by record
(APPNOTE.TXT), so their central directory says exactly what a test needs it to say.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

MiB = 1024 * 1024
ODT = "application/vnd.oasis.opendocument.text"
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_END64 = struct.Struct("<4sQ2H2L4Q")
_END64_LOCATOR = struct.Struct("<4sLQL")


@dataclass(frozen=True)
class Entry:
    name: str
    data: bytes  # as stored: compressed when `method` is 8
    method: int  # 0 stored, 8 deflated
    size: int  # unpacked size, as declared
    crc: int


def stored(name: str, content: bytes | str) -> Entry:
    raw = content.encode() if isinstance(content, str) else content
    return Entry(name, raw, 0, len(raw), zlib.crc32(raw))


def deflated(name: str, content: bytes | str) -> Entry:
    raw = content.encode() if isinstance(content, str) else content
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return Entry(name, packer.compress(raw) + packer.flush(), 8, len(raw), zlib.crc32(raw))


def zeros(name: str, mebibytes: int) -> Entry:
    """`mebibytes` MiB of zero bytes, deflated (about 1 KiB on disk per MiB)."""
    block = bytes(MiB)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    unit = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(block, crc)
    return Entry(name, unit * mebibytes + packer.flush(), 8, mebibytes * MiB, crc)


def write_zip(entries: Iterable[Entry], *, zip64: bool = False) -> bytes:
    """The zip of these entries, in this order; `zip64`: with the end records of Zip64 (the
    count and the directory's place in them, the classic record saying "see Zip64")."""
    body = bytearray()
    directory = bytearray()
    count = 0
    for entry in entries:
        name = entry.name.encode()
        offset = len(body)
        fields = (20, 0, entry.method, 0, 0x21, entry.crc, len(entry.data), entry.size)
        body += _LOCAL.pack(b"PK\x03\x04", *fields, len(name), 0) + name + entry.data
        directory += _CENTRAL.pack(b"PK\x01\x02", 20, *fields, len(name), 0, 0, 0, 0, 0, offset)
        directory += name
        count += 1
    if not zip64:
        end = _END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), len(body), 0)
        return bytes(body + directory + end)
    at = len(body) + len(directory)
    record = _END64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory), len(body))
    locator = _END64_LOCATOR.pack(b"PK\x06\x07", 0, at, 1)
    end = _END.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return bytes(body + directory + record + locator + end)


def zip_bomb(*, mebibytes: int = 500, name: str = "mimetype") -> bytes:
    """An OpenDocument text whose `name` entry unpacks to `mebibytes` MiB of zeros."""
    parts = [zeros(name, mebibytes), deflated("content.xml", "<office:document-content/>")]
    if name != "mimetype":
        parts.insert(0, stored("mimetype", ODT))
    return write_zip(parts)


def many_entries(count: int, *, zip64: bool = False) -> bytes:
    """An OpenDocument text with `count` entries in all, each a few bytes."""
    parts = [stored("mimetype", ODT), stored("content.xml", "<office:document-content/>")]
    parts += [stored(f"Pictures/{index}.xml", "<x/>") for index in range(count - 2)]
    return write_zip(parts, zip64=zip64)
