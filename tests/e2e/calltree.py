#!/usr/bin/env python3
"""Print the call tree of a vt-convert JSON file, one thread after another.

usage: calltree.py TRACE.json [--files SUBSTR ...] [--names NAME ...] [--bare]
                              [--pid-order]
       calltree.py --bare-text < TEXT

Threads are named T0, T1, ... in order of their first event and printed with their
thread_name; frames are indented by depth, C frames are marked [c], and the flags
exception, unfinished and yield are shown in the same brackets. Times are left out,
so two runs of the same program give the same text.

--files keeps only Python frames whose file contains one of the substrings (and C
frames named with --names); --names alone keeps all Python frames and only those C
frames. Frames that are dropped do not hide their children (those move up a level).

--bare strips the qualifier of Python frame names (Foo.bar -> bar,
f.<locals>.g -> g): CPython < 3.11 records only co_name, so the e2e runner uses it
there and applies --bare-text to the expected text to compare the two.
"""
import json
import sys


def bare_name(name):
    # '<locals>' and '<lambda>' contain no dots, so the last component is the co_name
    return name.rsplit(".", 1)[-1]


def bare_line(line):
    """Strip the qualifier from the frame name of one rendered line (not C frames)."""
    body = line.lstrip(" ")
    if body == line:
        return line  # a thread header
    indent = line[: len(line) - len(body)]
    name, sep, rest = body.partition(" [")
    if sep and "c" in rest.rstrip("]").split(","):
        return line
    return indent + bare_name(name) + sep + rest


def load(path):
    with open(path) as f:
        return json.load(f)["traceEvents"]


def to_ns(us):
    return int(round(us * 1000))


def main():
    args = sys.argv[1:]
    if args == ["--bare-text"]:
        for line in sys.stdin.read().splitlines():
            print(bare_line(line))
        return
    path = args.pop(0)
    files, names, mode, bare = [], [], None, False
    for a in args:
        if a in ("--files", "--names"):
            mode = a
        elif a == "--bare":
            bare = True
        elif mode == "--files":
            files.append(a)
        elif mode == "--names":
            names.append(a)
        else:
            sys.exit("calltree.py: unexpected argument '%s'" % a)
    events = load(path)
    tnames = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            tnames[(e["pid"], e["tid"])] = e["args"]["name"]
    by_thread = {}
    for idx, e in enumerate(events):
        if e.get("ph") != "X":
            continue
        keep = True
        if e.get("cat") == "c":
            keep = (not files and not names) or e["name"] in names
        elif files:
            f = e.get("args", {}).get("file", "")
            keep = any(s in f for s in files)
        if keep:
            ts = to_ns(e["ts"])
            end = ts + to_ns(e["dur"])
            by_thread.setdefault((e["pid"], e["tid"]), []).append((ts, end, idx, e))
    order = sorted(by_thread, key=lambda k: min(x[0] for x in by_thread[k]))
    for i, key in enumerate(order):
        # Parents first: earlier start, then longer; on a full tie the event written
        # later is the parent (vt-convert writes a frame when it ends).
        evs = sorted(by_thread[key], key=lambda x: (x[0], -x[1], -x[2]))
        print("T%d %s" % (i, tnames.get(key, "?")))
        stack = []
        for ts, end, _, e in evs:
            while stack:
                pts, pend = stack[-1]
                inside = pts <= ts and end <= pend and (ts < pend or pts == pend)
                if inside:
                    break
                stack.pop()
            flags = []
            if e.get("cat") == "c":
                flags.append("c")
            a = e.get("args", {})
            for k in ("exception", "unfinished", "yield"):
                if a.get(k):
                    flags.append(k)
            name = e["name"]
            if bare and e.get("cat") != "c":
                name = bare_name(name)
            print("  " * (len(stack) + 1) + name + (" [%s]" % ",".join(flags) if flags else ""))
            stack.append((ts, end))


if __name__ == "__main__":
    main()
