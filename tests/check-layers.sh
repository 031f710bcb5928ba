#!/bin/sh
# check-layers.sh [BUILD_DIR] - libvt.so's files call each other in no circle: from the
# objects' symbols (nm), object A depends on B when A uses a symbol B defines; the graph
# must be acyclic (preload/README.md gives the layers). Lists each object's dependencies,
# then each circle with the symbols that make it.
#
#   tests/check-layers.sh build
#
# Ends with "N passed, N failed"; exit status 1 when a circle holds a file outside
# PY_FILES (python.c, api.c, native.c: issue 22 moves them to preload/py/ and breaks
# their own circle there; their circle alone is reported, not failed).
O=${1:-build}
PY_FILES=${PY_FILES:-"python api native"}
if ! ls "$O"/preload/*.o >/dev/null 2>&1; then
	echo "$0: no objects in $O/preload (build first)" >&2
	exit 2
fi
exec python3 - "$O" "$PY_FILES" <<'PY'
import glob, os, subprocess, sys

out, py = sys.argv[1], set(sys.argv[2].split())
objs = [o for o in sorted(glob.glob(out + "/preload/*.o") + glob.glob(out + "/preload/py/*.o")
                          + glob.glob(out + "/common/*.o"))
        if not os.path.basename(o).startswith("python-")]  # the bench variants of python.o

def nm(*args):
    return subprocess.run(["nm", *args], capture_output=True, text=True, check=True).stdout

defs, uses = {}, {}
for o in objs:
    name = os.path.relpath(o, out)[:-2]
    for line in nm("--defined-only", o).splitlines():
        f = line.split()
        if len(f) == 3 and f[1].isupper() and f[1] in "BDRTVW":
            defs[f[2]] = name
    uses[name] = nm("-u", o).split()[1::2]
graph = {n: {} for n in uses}
for n, syms in uses.items():
    for s in syms:
        d = defs.get(s)
        if d and d != n:
            graph[n].setdefault(d, []).append(s)
for n in sorted(graph):
    print(f"  {n} -> {', '.join(sorted(graph[n])) or '-'}")

# strongly connected components (Tarjan, iterative enough for a few dozen files)
index, low, stack, on, comps = {}, {}, [], set(), []
def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v); on.add(v)
    for w in graph[v]:
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            comps.append(sorted(comp))
for v in sorted(graph):
    if v not in index:
        visit(v)
passed = failed = 0
for c in comps:
    only_py = all(os.path.basename(n) in py for n in c)
    print(("NOTE" if only_py else "FAIL") + ": circle " + " ".join(c))
    for a in c:
        for b in c:
            if b in graph[a]:
                print(f"    {a} -> {b}: {' '.join(sorted(graph[a][b])[:6])}")
    if not only_py:
        failed += 1
if not failed:
    passed += 1
    print(f"PASS: no circle through the {len(graph)} objects but among {' '.join(sorted(py))}")
print(f"{passed} passed, {failed} failed, 0 skipped")
sys.exit(1 if failed else 0)
PY
