#!/usr/bin/env python3
"""Print the call tree of a vt-convert JSON file, one thread after another.

usage: calltree.py TRACE.json [--files SUBSTR ...] [--names NAME ...] [--ts]

Threads are named T0, T1, ... in order of their first event; times are left out, so
two runs of the same program give the same text. --files keeps only Python frames
whose file contains one of the substrings, and C frames named with --names; frames
that are dropped do not hide their children (those move up a level).
"""
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)["traceEvents"]


def main():
    args = sys.argv[1:]
    path = args.pop(0)
    files, names, mode = [], [], None
    for a in args:
        if a in ("--files", "--names"):
            mode = a
        elif mode == "--files":
            files.append(a)
        elif mode == "--names":
            names.append(a)
    events = load(path)
    tnames = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            tnames[(e["pid"], e["tid"])] = e["args"]["name"]
    by_thread = {}
    for e in events:
        if e.get("ph") != "X":
            continue
        keep = True
        if files or names:
            if e.get("cat") == "c":
                keep = e["name"] in names
            else:
                f = e.get("args", {}).get("file", "")
                keep = any(s in f for s in files)
        if keep:
            by_thread.setdefault((e["pid"], e["tid"]), []).append(e)
    order = sorted(by_thread, key=lambda k: min(x["ts"] for x in by_thread[k]))
    for i, key in enumerate(order):
        evs = sorted(by_thread[key], key=lambda x: (x["ts"], -x["dur"]))
        print("T%d %s" % (i, tnames.get(key, "?")))
        stack = []
        for e in evs:
            end = e["ts"] + e["dur"]
            while stack and not (e["ts"] >= stack[-1][0] and end <= stack[-1][1] + 0.0015):
                stack.pop()
            flags = []
            a = e.get("args", {})
            for k in ("exception", "unfinished", "yield"):
                if a.get(k):
                    flags.append(k)
            print("  " * (len(stack) + 1) + e["name"] + (" [%s]" % ",".join(flags) if flags else ""))
            stack.append((e["ts"], end))


if __name__ == "__main__":
    main()
