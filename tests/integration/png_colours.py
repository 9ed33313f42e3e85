#!/usr/bin/env python3
"""Counts the colours of a PNG screenshot, with the standard library only (zlib, struct).

Usage: png_colours.py FILE.png [#rrggbb ...]
Prints one JSON object: width, height, distinct_colours (of every 4th row, enough to tell a
blank page from a drawn one) and, for each colour asked, the number of pixels of exactly that
colour in those rows.

Reads 8-bit RGB or RGBA, non-interlaced: what Chromium writes.
"""
import json
import struct
import sys
import zlib


def read_chunks(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        yield kind, data[offset + 8:offset + 8 + length]
        offset += 12 + length


def unfilter(kind, row, previous, bpp):
    """Reverses one scanline's filter (PNG specification, section 9)."""
    if kind == 0:
        return row
    if kind == 2:  # Up: no dependency along the row, so no Python loop per byte either
        return bytes((a + b) & 0xFF for a, b in zip(row, previous))
    out = bytearray(row)
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        if kind == 1:
            out[i] = (out[i] + left) & 0xFF
        elif kind == 3:
            out[i] = (out[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            up = previous[i]
            up_left = previous[i - bpp] if i >= bpp else 0
            estimate = left + up - up_left
            distance_left = abs(estimate - left)
            distance_up = abs(estimate - up)
            distance_up_left = abs(estimate - up_left)
            if distance_left <= distance_up and distance_left <= distance_up_left:
                predictor = left
            elif distance_up <= distance_up_left:
                predictor = up
            else:
                predictor = up_left
            out[i] = (out[i] + predictor) & 0xFF
        else:
            raise ValueError("unknown filter type %d" % kind)
    return bytes(out)


def main():
    path, wanted = sys.argv[1], [c.lower() for c in sys.argv[2:]]
    with open(path, "rb") as file:
        data = file.read()
    header, compressed = None, []
    for kind, body in read_chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed.append(body)
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace != 0:
        raise ValueError("only 8-bit RGB/RGBA non-interlaced PNGs are read")
    bpp = 3 if colour_type == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(b"".join(compressed))
    previous = bytes(stride)
    colours = {}
    for y in range(height):
        start = y * (stride + 1)
        row = unfilter(raw[start], raw[start + 1:start + 1 + stride], previous, bpp)
        previous = row
        if y % 4:
            continue
        for x in range(0, stride, bpp):
            pixel = row[x:x + 3]
            colours[pixel] = colours.get(pixel, 0) + 1
    counts = {c: colours.get(bytes.fromhex(c[1:]), 0) for c in wanted}
    print(json.dumps({"width": width, "height": height, "distinct_colours": len(colours),
                      "counts": counts}))


if __name__ == "__main__":
    main()
