#!/usr/bin/env python3
"""Print the header map of a vt file (docs/FORMAT.md) as KEY=VALUE lines.

usage: vtheader.py FILE.vt

Only what a header holds is decoded: a msgpack map of str keys to str or uint values.
Exits 1, naming the problem, when the file is not a vt file or the header is not that.
"""
import struct
import sys


def decode(b, i):
    t = b[i]
    if t <= 0x7F:
        return t, i + 1
    if 0xA0 <= t <= 0xBF:
        n = t & 0x1F
        return b[i + 1:i + 1 + n].decode(), i + 1 + n
    if t == 0xD9:
        n = b[i + 1]
        return b[i + 2:i + 2 + n].decode(), i + 2 + n
    if t == 0xDA:
        n = struct.unpack(">H", b[i + 1:i + 3])[0]
        return b[i + 3:i + 3 + n].decode(), i + 3 + n
    sizes = {0xCC: (1, "B"), 0xCD: (2, ">H"), 0xCE: (4, ">I"), 0xCF: (8, ">Q")}
    if t in sizes:
        n, f = sizes[t]
        return struct.unpack(f, b[i + 1:i + 1 + n])[0], i + 1 + n
    raise ValueError("msgpack type 0x%02x at header offset %d" % (t, i))


def main():
    path = sys.argv[1]
    with open(path, "rb") as f:
        b = f.read(16 + (1 << 20))
    if b[:8] != b"\x89VTRACE\n":
        sys.exit("%s: not a vt file" % path)
    hlen = struct.unpack("<I", b[12:16])[0]
    h = b[16:16 + hlen]
    t = h[0]
    if 0x80 <= t <= 0x8F:
        n, i = t & 0x0F, 1
    elif t == 0xDE:
        n, i = struct.unpack(">H", h[1:3])[0], 3
    else:
        sys.exit("%s: the header is not a map" % path)
    print("version=%d.%d" % struct.unpack("<HH", b[8:12]))
    for _ in range(n):
        k, i = decode(h, i)
        v, i = decode(h, i)
        print("%s=%s" % (k, v))


if __name__ == "__main__":
    main()
