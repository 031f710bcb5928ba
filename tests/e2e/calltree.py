#!/usr/bin/env python3
"""Print the call tree of a vt-convert JSON file, one thread after another.

usage: calltree.py TRACE.json [--files SUBSTR ...] [--names NAME ...] [--c-of-kept]
                              [--by-name] [--where] [--bare]
       calltree.py --expect-for X.Y < EXPECTED

Threads are named T0, T1, ... in order of their first event and printed with their
thread_name (and [P0], [P1]... for their process, by first event, if there are
several); frames are indented by depth, C frames are marked [c] (native ones, from
VT_NATIVE, [native]: C frames for the options below), and the flags
exception, unfinished and yield are shown in the same brackets. Times are left out,
so two runs of the same program give the same text.

--files keeps only Python frames whose file contains one of the substrings (and C
frames named with --names); --names alone keeps all Python frames and only those C
frames. Frames that are dropped do not hide their children (those move up a level).

--c-of-kept also keeps the C frames called directly by a kept Python frame.
--by-name orders the threads after the first by name rather than by first event
(for threads that start in any order). --where adds " @FILE" to Python frames (the
base name of the file, or its <pseudo-name>), to tell whose <module> a frame is.
--bare strips qualifiers from Python frame names (Foo.bar -> bar).

--expect-for X.Y rewrites an expected tree (written for CPython 3.12+) for CPython
X.Y: before 3.11 the recorder has only co_name, so qualifiers are stripped from
Python frames; before 3.12 there is no 'yield' flag (no sys.monitoring), so it is
dropped.
"""
import json
import os
import sys


def bare_name(name):
    # '<locals>' and '<lambda>' contain no dots, so the last component is the co_name
    return name.rsplit(".", 1)[-1]


def expect_line(line, version):
    """Rewrite one rendered line of an expected tree for CPython `version` (a tuple)."""
    body = line.lstrip(" ")
    if body == line:
        return line  # a thread header
    indent = line[: len(line) - len(body)]
    name, sep, rest = body.partition(" [")
    flags = rest.rstrip("]").split(",") if sep else []
    where = ""
    if " @" in name:
        name, where = name.split(" @", 1)
        where = " @" + where
    if version < (3, 11) and "c" not in flags:
        name = bare_name(name)
    if version < (3, 12):
        flags = [f for f in flags if f != "yield"]
    return indent + name + where + (" [%s]" % ",".join(flags) if flags else "")


def load(path):
    with open(path) as f:
        return json.load(f)["traceEvents"]


def to_ns(us):
    return int(round(us * 1000))


def build(evs):
    """Nest one thread's (ts, end, idx, event) tuples; returns the root's children."""
    # Parents first: earlier start, then longer; on a full tie the event written
    # later is the parent (vt-convert writes a frame when it ends).
    evs = sorted(evs, key=lambda x: (x[0], -x[1], -x[2]))
    root = {"children": []}
    stack = []
    for ts, end, _, e in evs:
        while stack:
            pts, pend, _ = stack[-1]
            if pts <= ts and end <= pend and (ts < pend or pts == pend):
                break
            stack.pop()
        node = {"e": e, "children": []}
        (stack[-1][2] if stack else root)["children"].append(node)
        stack.append((ts, end, node))
    return root["children"]


def where_of(e):
    f = e.get("args", {}).get("file", "")
    f = f.rsplit(":", 1)[0] if ":" in f else f
    return f if f.startswith("<") else os.path.basename(f)


def render(nodes, keep, depth, py_kept, bare, where, out):
    for n in nodes:
        e = n["e"]
        is_c = e.get("cat") in ("c", "native")
        k = keep(e, py_kept)
        d = depth
        if k:
            flags = [e["cat"]] if is_c else []
            a = e.get("args", {})
            for f in ("exception", "unfinished", "yield"):
                if a.get(f):
                    flags.append(f)
            name = e["name"]
            if bare and not is_c:
                name = bare_name(name)
            if where and not is_c:
                name += " @" + where_of(e)
            out.append("  " * (depth + 1) + name + (" [%s]" % ",".join(flags) if flags else ""))
            d = depth + 1
        render(n["children"], keep, d, py_kept if is_c else k, bare, where, out)


def thread_label(key, tnames):
    name = tnames.get(key, "?")
    # a thread threading never named is called after its tid, which changes every run
    if name == "Thread %d" % key[1]:
        name = "Thread <tid>"
    return name


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--expect-for":
        version = tuple(int(x) for x in args[1].split(".")[:2])
        for line in sys.stdin.read().splitlines():
            print(expect_line(line, version))
        return
    path = args.pop(0)
    files, names, mode = [], [], None
    bare = c_of_kept = by_name = where = False
    for a in args:
        if a in ("--files", "--names"):
            mode = a
        elif a == "--bare":
            bare = True
        elif a == "--c-of-kept":
            c_of_kept = True
        elif a == "--by-name":
            by_name = True
        elif a == "--where":
            where = True
        elif mode == "--files":
            files.append(a)
        elif mode == "--names":
            names.append(a)
        else:
            sys.exit("calltree.py: unexpected argument '%s'" % a)

    def keep(e, py_kept):
        if e.get("cat") in ("c", "native"):
            if not files and not names:
                return True
            return e["name"] in names or (c_of_kept and py_kept)
        if not files:
            return True
        f = e.get("args", {}).get("file", "")
        return any(s in f for s in files)

    events = load(path)
    tnames = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            tnames[(e["pid"], e["tid"])] = e["args"]["name"]
    by_thread = {}
    for idx, e in enumerate(events):
        if e.get("ph") != "X":
            continue
        ts = to_ns(e["ts"])
        end = ts + to_ns(e["dur"])
        by_thread.setdefault((e["pid"], e["tid"]), []).append((ts, end, idx, e))
    # processes are P0, P1, ... by first event, shown only when there are several
    pfirst = {}
    for (pid, _), evs in by_thread.items():
        t = min(x[0] for x in evs)
        pfirst[pid] = min(t, pfirst.get(pid, t))
    pindex = {pid: i for i, pid in enumerate(sorted(pfirst, key=pfirst.get))}
    trees = []
    for key, evs in by_thread.items():
        out = []
        render(build(evs), keep, 0, False, bare, where, out)
        if out:
            first = min(x[0] for x in evs)
            label = thread_label(key, tnames)
            if len(pindex) > 1:
                label += " [P%d]" % pindex[key[0]]
            trees.append((first, label, out))
    if by_name:
        # the first thread stays first; the others, which may start in any order, by name
        trees.sort(key=lambda t: t[0])
        trees[1:] = sorted(trees[1:], key=lambda t: t[1])
    else:
        trees.sort(key=lambda t: t[0])
    for i, (_, label, out) in enumerate(trees):
        print("T%d %s" % (i, label))
        print("\n".join(out))


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.stderr.close()
