#!/usr/bin/python3
"""check-layers.py - the layering rules of docs/ARCHITECTURE.md, checked on the built objects.

    tests/check-layers.py [BUILD-DIR]        (default: build, or $O)

A source file depends on another when its object uses a symbol (function or variable) the
other's object defines: `nm -u` against `nm --defined-only`. The checks:

  - no circles: within libvt.so's objects and within vt-convert's, the dependency graph has
    no cycle (lower layers never call upward; an upper layer that must be told something
    registers a function pointer, as vt_pending_hook does);
  - the directory rule: common/ uses nothing of preload/ or tools/; preload/ outside py/
    uses nothing of preload/py/, but for the entry points on top of it all (init.c, the
    constructor, and interpose.c, the interposed functions); tools/ uses nothing of preload/;
  - one msgpack writer: no source outside common/ writes msgpack framing by hand (a
    buffer byte set to a msgpack type byte 0x80-0xdf, or common/format.h's vt_put_be16/
    vt_put_be32, which only its encoders use): the codec's vt_put_* encoders do.

Prints PASS/FAIL per check, the layers found (bottom first) and "N passed, N failed".
"""
import os
import re
import subprocess
import sys

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("O", "build")
if not os.path.isabs(build):
    build = os.path.join(top, build)

passed = failed = 0


def ok(what):
    global passed
    passed += 1
    print("PASS: " + what)


def bad(what):
    global failed
    failed += 1
    print("FAIL: " + what)


def objects(*dirs):
    """The objects built from the sources of @dirs: {source-like name: path}."""
    found = {}
    for d in dirs:
        root = os.path.join(build, d)
        for here, _, files in os.walk(root):
            for f in files:
                if not f.endswith(".o"):
                    continue
                path = os.path.join(here, f)
                rel = os.path.relpath(path, build)[:-2] + ".c"
                # the tools' build of common/ is tools/common-NAME.o
                src = rel.replace("tools/common-", "common/")
                # an object whose source is gone is left from an older tree
                if os.path.exists(os.path.join(top, src)):
                    found[rel] = path
    return found


def nm(args, path):
    out = subprocess.run(["nm"] + args + [path], capture_output=True, text=True)
    if out.returncode != 0:
        bad("nm %s %s: %s" % (" ".join(args), path, out.stderr.strip()))
        return []
    names = []
    for line in out.stdout.splitlines():
        parts = line.split()
        if parts:
            names.append(parts[-1])
    return names


def graph(objs):
    """{file: set(files it uses)}, from the objects' symbols."""
    owner = {}
    for name, path in objs.items():
        for sym in nm(["--defined-only", "-g"], path):
            owner.setdefault(sym, name)
    deps = {}
    for name, path in objs.items():
        deps[name] = {owner[s] for s in nm(["-u"], path) if s in owner and owner[s] != name}
    return deps


def circles(deps):
    """The strongly connected sets of more than one file (Tarjan), each sorted."""
    index, low, on, stack, out = {}, {}, set(), [], []

    def visit(n):
        index[n] = low[n] = len(index)
        stack.append(n)
        on.add(n)
        for m in sorted(deps.get(n, ())):
            if m not in index:
                visit(m)
                low[n] = min(low[n], low[m])
            elif m in on:
                low[n] = min(low[n], index[m])
        if low[n] == index[n]:
            comp = []
            while True:
                m = stack.pop()
                on.discard(m)
                comp.append(m)
                if m == n:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for n in sorted(deps):
        if n not in index:
            visit(n)
    return out


def layers(deps):
    """Files by height: 0 uses nothing of the set, k uses only files below k."""
    height = {}

    def h(n, seen=()):
        if n in height:
            return height[n]
        if n in seen:
            return 0
        v = 1 + max((h(m, seen + (n,)) for m in deps[n]), default=-1)
        height[n] = v
        return v

    for n in deps:
        h(n)
    rows = {}
    for n, v in height.items():
        rows.setdefault(v, []).append(n)
    return [sorted(rows[k]) for k in sorted(rows)]


def check(label, objs):
    if not objs:
        bad("%s: no objects under %s (build first: make all)" % (label, build))
        return {}
    deps = graph(objs)
    found = circles(deps)
    for comp in found:
        edges = ["%s -> %s" % (a, b) for a in comp for b in sorted(deps[a]) if b in comp]
        bad("%s: files that use each other: {%s} (%s)" % (label, ", ".join(comp), "; ".join(edges)))
    if not found:
        ok("%s: no circles among %d files" % (label, len(objs)))
        for i, row in enumerate(layers(deps)):
            print("    layer %d: %s" % (i, " ".join(row)))
    return deps


def in_dir(name, d):
    return name.startswith(d + "/")


# The objects each program is linked from (the variants libvt-nop/-clock2 and the
# sanitizer builds live in other directories or under other names and are left out).
lib = {k: v for k, v in objects("preload", "common").items()
       if not os.path.basename(k).startswith("unit-") and "-nop" not in k and "-clock2" not in k}
tool = {k: v for k, v in objects("tools").items() if not os.path.basename(k).startswith("unit-")}
# vt-convert links the codec from common/ (built for the tools under tools/ or common/)
lib_deps = check("libvt.so", lib)
tool_deps = check("vt-convert", tool)

# libvt.so's entry points, above everything: the constructor and the interposed functions
ENTRY = ("preload/init.c", "preload/interpose.c")
rule_fail = []
for name, uses in lib_deps.items():
    for u in uses:
        if in_dir(name, "common") and not in_dir(u, "common"):
            rule_fail.append("%s uses %s (common/ must stand alone)" % (name, u))
        elif (in_dir(name, "preload") and not in_dir(name, "preload/py") and name not in ENTRY
              and in_dir(u, "preload/py")):
            rule_fail.append("%s uses %s (preload/ below py/ must not call up into it)" % (name, u))
for name, uses in tool_deps.items():
    for u in uses:
        if in_dir(u, "preload") and not in_dir(u, "common"):
            rule_fail.append("%s uses %s (tools/ must not use the recorder)" % (name, u))
if rule_fail:
    for r in rule_fail:
        bad("directory rule: " + r)
else:
    ok("directory rules: common/ alone, preload/ below py/ (but init.c, interpose.c), tools/ apart from preload/")

# one msgpack writer (read from the sources: the encoders are static inline, no symbol shows)
BYTE = re.compile(r"^\s*(\*\s*\(?\w+(\s*\+\+)?\)?|\w+\[[^]]*\])\s*=[^=].*(?<![|&] )(?<![|&])\b0x[89a-d][0-9a-f]\b")
BE = re.compile(r"\bvt_put_be(16|32)\s*\(")
by_hand = []
for d in ("preload", "tools"):
    for root, _, files in os.walk(os.path.join(top, d)):
        for fn in sorted(files):
            if not fn.endswith((".c", ".h")):
                continue
            path = os.path.join(root, fn)
            with open(path, errors="replace") as src:
                for no, line in enumerate(src, 1):
                    if BYTE.search(line) or BE.search(line):
                        by_hand.append("%s:%d: %s" % (os.path.relpath(path, top), no, line.strip()))
if by_hand:
    for h in by_hand:
        bad("msgpack framing by hand outside common/ (use common/format.h's vt_put_*): " + h)
else:
    ok("one msgpack writer: preload/ and tools/ write msgpack through common/format.h only")

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
