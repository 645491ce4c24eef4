#!/usr/bin/env python3
"""Draws the VS Code extension's icon (editors/vscode/images/icon.png):
a small workflow graph, two steps feeding a third, on a rounded square.
Plain Python (zlib + struct), no imaging library; 4x4 supersampling for
smooth edges. Usage: scripts/editors/make-icon.py [OUT.png] [SIZE]"""
import math
import struct
import sys
import zlib

SIZE = int(sys.argv[2]) if len(sys.argv) > 2 else 128
OUT = sys.argv[1] if len(sys.argv) > 1 else "editors/vscode/images/icon.png"
SS = 4  # samples per pixel side

BACKGROUND = (31, 58, 95)
EDGE = (122, 184, 255)
NODE = (255, 255, 255)
# In units of the icon's side (0..1).
NODES = [(0.28, 0.30), (0.28, 0.70), (0.72, 0.50)]
EDGES = [(0, 2), (1, 2)]
NODE_R, EDGE_W, CORNER = 0.11, 0.045, 0.18


def in_rounded_square(x, y):
    cx = min(max(x, CORNER), 1 - CORNER)
    cy = min(max(y, CORNER), 1 - CORNER)
    return (x - cx) ** 2 + (y - cy) ** 2 <= CORNER**2


def dist_to_segment(px, py, a, b):
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def colour_at(x, y):
    """The colour of one sample, or None outside the icon (transparent)."""
    if not in_rounded_square(x, y):
        return None
    if any(math.hypot(x - nx, y - ny) <= NODE_R for nx, ny in NODES):
        return NODE
    if any(dist_to_segment(x, y, NODES[a], NODES[b]) <= EDGE_W / 2 for a, b in EDGES):
        return EDGE
    return BACKGROUND


def pixel(px, py):
    r = g = b = a = 0
    for sy in range(SS):
        for sx in range(SS):
            c = colour_at((px + (sx + 0.5) / SS) / SIZE, (py + (sy + 0.5) / SS) / SIZE)
            if c:
                r, g, b, a = r + c[0], g + c[1], b + c[2], a + 1
    if a == 0:
        return (0, 0, 0, 0)
    return (r // a, g // a, b // a, 255 * a // (SS * SS))


def png(width, height, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(v for p in row for v in p) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


rows = [[pixel(x, y) for x in range(SIZE)] for y in range(SIZE)]
with open(OUT, "wb") as f:
    f.write(png(SIZE, SIZE, rows))
