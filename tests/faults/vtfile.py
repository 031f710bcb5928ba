#!/usr/bin/python3
"""vtfile.py - look into and craft vt trace files for the fault tests (docs/FORMAT.md).

  vtfile.py layout FILE          header end and "start raw comp" of each chunk, one a line
  vtfile.py set FILE OFF HEX     overwrite bytes at OFF (negative: from the end)
  vtfile.py chunk FILE HEX...    append a chunk whose raw records are the bytes HEX...
                                 (a literal-only LZ4 block: valid, no compression needed)
  vtfile.py flip FILE SEED N     flip N random bits (seeded) and print their offsets
  vtfile.py flips FILE OUT RUNS N  write OUT.1 .. OUT.RUNS: FILE with N bits flipped, seeds
                                 1..RUNS (as flip); print each one's offsets, one a line
  vtfile.py count JSON           X events, instants and the thread names of a converted trace
  vtfile.py names JSON NAME...   "NAME=N" for each NAME (its X events), then "marks=N" and
                                 one "mark: TEXT" line per instant event
"""
import json
import random
import signal
import struct
import sys

# a reader that stops early (| head -1) ends us quietly, as it would a C tool
signal.signal(signal.SIGPIPE, signal.SIG_DFL)

MAGIC = b"\x89VTRACE\n"
CHUNK_MAGIC = 0x4B435456


def layout(data):
    """(header end, [(chunk start, raw, comp)]) of the complete chunks"""
    hlen = struct.unpack_from("<I", data, 12)[0]
    off = 16 + hlen
    chunks = []
    while off + 12 <= len(data):
        magic, raw, comp = struct.unpack_from("<III", data, off)
        if magic != CHUNK_MAGIC or off + 12 + comp > len(data):
            break
        chunks.append((off, raw, comp))
        off += 12 + comp
    return 16 + hlen, chunks


def lz4_literals(raw):
    """one LZ4 block holding @raw as literals only"""
    n = len(raw)
    out = bytearray()
    if n < 15:
        out.append(n << 4)
    else:
        out.append(0xF0)
        rest = n - 15
        while rest >= 255:
            out.append(255)
            rest -= 255
        out.append(rest)
    return bytes(out) + raw


def flip(orig, seed, n):
    rnd = random.Random(seed)
    data = bytearray(orig)
    offs = []
    for _ in range(n):
        bit = rnd.randrange(len(data) * 8)
        data[bit // 8] ^= 1 << (bit % 8)
        offs.append(bit // 8)
    return data, offs


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "layout":
        data = open(path, "rb").read()
        hend, chunks = layout(data)
        print(hend)
        for c in chunks:
            print(*c)
    elif cmd == "set":
        data = bytearray(open(path, "rb").read())
        off = int(sys.argv[3], 0)
        new = bytes.fromhex(sys.argv[4])
        if off < 0:
            off += len(data)
        data[off:off + len(new)] = new
        open(path, "wb").write(data)
    elif cmd == "chunk":
        raw = bytes.fromhex("".join(sys.argv[3:]))
        block = lz4_literals(raw)
        with open(path, "ab") as f:
            f.write(struct.pack("<III", CHUNK_MAGIC, len(raw), len(block)) + block)
    elif cmd == "flip":
        data, offs = flip(open(path, "rb").read(), int(sys.argv[3]), int(sys.argv[4]))
        open(path, "wb").write(data)
        print(*offs)
    elif cmd == "flips":
        orig = open(path, "rb").read()
        for seed in range(1, int(sys.argv[4]) + 1):
            data, offs = flip(orig, seed, int(sys.argv[5]))
            open("%s.%d" % (sys.argv[3], seed), "wb").write(data)
            print(*offs)
    elif cmd == "count":
        ev = json.load(open(path))["traceEvents"]
        x = sum(1 for e in ev if e.get("ph") == "X")
        i = sum(1 for e in ev if e.get("ph") == "i")
        names = sorted(e["args"]["name"] for e in ev if e.get("ph") == "M" and e["name"] == "thread_name")
        print(x, i, ",".join(names))
    elif cmd == "names":
        try:
            ev = json.load(open(path))["traceEvents"]
        except (OSError, ValueError) as e:
            print("unreadable:", e)
            return
        want = sys.argv[3:]
        counts = dict.fromkeys(want, 0)
        marks = []
        for e in ev:
            if e.get("ph") == "X" and e.get("name") in counts:
                counts[e["name"]] += 1
            elif e.get("ph") == "i":
                marks.append(e.get("name", ""))
        print(" ".join("%s=%d" % (k, counts[k]) for k in want), "marks=%d" % len(marks))
        for m in marks:
            print("mark:", m)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
