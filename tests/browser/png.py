"""Just enough PNG decoding to look at a screenshot's pixels (no imaging library in the project): 8-bit RGB or
RGBA, not interlaced — what Chromium's screenshots are."""

from __future__ import annotations

import struct
import zlib

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {2: 3, 6: 4}  # colour type → samples per pixel (truecolour, truecolour with alpha)


def _adder(n: int):
    """Bytewise addition modulo 256 of two n-byte rows held as big integers (no carry between bytes)."""
    low, high = int.from_bytes(b"\x7f" * n, "big"), int.from_bytes(b"\x80" * n, "big")
    return lambda x, y: ((x & low) + (y & low)) ^ ((x ^ y) & high)


def _unfilter(kind: int, line: bytearray, previous: bytearray, bpp: int, add) -> bytearray:
    n = len(line)
    if kind == 0:
        return line
    if kind == 2:  # Up: the byte above added, row-wide at once
        return bytearray(add(int.from_bytes(line, "big"), int.from_bytes(previous, "big")).to_bytes(n, "big"))
    if kind == 1:  # Sub: a running sum from the left, by doubling steps
        value, shift = int.from_bytes(line, "big"), bpp
        while shift < n:
            value = add(value, value >> (8 * shift))
            shift *= 2
        return bytearray(value.to_bytes(n, "big"))
    # Average and Paeth depend on the byte just decoded: one at a time.
    if kind == 3:
        for i in range(n):
            line[i] = (line[i] + (((line[i - bpp] if i >= bpp else 0) + previous[i]) >> 1)) & 0xFF
        return line
    for i in range(n):
        a = line[i - bpp] if i >= bpp else 0
        b = previous[i]
        c = previous[i - bpp] if i >= bpp else 0
        pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
        line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    return line


def pixels(png: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """(width, height, RGB(A) tuples row by row)."""
    if not png.startswith(_SIGNATURE):
        raise ValueError("not a PNG")
    pos, idat, header = len(_SIGNATURE), bytearray(), None
    while pos < len(png):
        (length,), kind = struct.unpack(">I", png[pos:pos + 4]), png[pos + 4:pos + 8]
        body = png[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("PNG without IHDR")
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in _CHANNELS or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour_type}, interlace {interlace}")
    bpp = _CHANNELS[colour_type]
    stride = width * bpp
    raw = zlib.decompress(bytes(idat))
    add = _adder(stride)
    previous = bytearray(stride)
    result: list[tuple[int, ...]] = []
    for row in range(height):
        start = row * (stride + 1)
        kind = raw[start]
        if kind > 4:
            raise ValueError(f"bad PNG filter {kind} in row {row}")
        line = _unfilter(kind, bytearray(raw[start + 1:start + 1 + stride]), previous, bpp, add)
        result.extend(zip(*(line[c::bpp] for c in range(bpp)), strict=True))
        previous = line
    return width, height, result
