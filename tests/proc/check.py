#!/usr/bin/env python3
"""Check a converted process-tree trace: check.py TRACE.json TRACE_DIR"""
import json
import os
import sys

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("  FAIL: " + what)


def main():
    trace, tdir = sys.argv[1], sys.argv[2]
    ev = json.load(open(trace))["traceEvents"]
    names = {e["pid"]: e["args"]["name"] for e in ev
             if e["ph"] == "M" and e["name"] == "process_name"}
    labels = {e["pid"]: e["args"]["labels"] for e in ev
              if e["ph"] == "M" and e["name"] == "process_labels"}
    order = {e["pid"]: e["args"]["sort_index"] for e in ev
             if e["ph"] == "M" and e["name"] == "process_sort_index"}
    funcs = {}
    for e in ev:
        if e["ph"] == "X":
            funcs.setdefault(e["name"], set()).add(e["pid"])
    # fork children carry the supervisor's command line too: the root is first in order
    parent = [p for p, n in names.items() if n.endswith("supervisor.py") and order.get(p) == 0]
    check(len(parent) == 1, "the supervisor is the root process (got %r)" % parent)
    if not parent:
        return
    parent = parent[0]
    for fn in ("work_fork", "work_spawn", "work_forkserver", "work_executor"):
        pids = funcs.get(fn, set())
        check(pids and parent not in pids, "%s runs in a child process (pids %r)" % (fn, pids))
    for fn in ("stripped_env", "env_i"):
        pids = funcs.get(fn, set())
        check(len(pids) == 1 and parent not in pids, "%s traced in its own process" % fn)
    check(funcs.get("after_exec") == {parent}, "after_exec traced under the supervisor's pid")
    check("main" in funcs and parent in funcs["main"], "main traced in the supervisor")
    # every traced process is Python: bash, ls and env left no files
    exes = set()
    for f in os.listdir(tdir):
        check(f.startswith("p") and f.endswith(".vt"), "only vt files in the trace dir: " + f)
    for pid, n in names.items():
        exes.add(n.split()[0])
        check(pid in labels, "process %d has an exit label" % pid)
    check(all("python" in os.path.basename(x) for x in exes), "only python processes: %r" % exes)
    # tree order: the supervisor first; every child after its parent
    check(order.get(parent) == 0, "supervisor first in the process order")
    # the exec'd image ended with status 6
    check("exit 6" in labels.get(parent, ""), "supervisor label shows exit 6: %r" % labels.get(parent))
    # arrows: each child starts after the point it was started from
    starts = {}
    for e in ev:
        if e["ph"] in ("s", "f"):
            starts.setdefault(e["id"], {})[e["ph"]] = e
    check(len(starts) >= 8, "start arrows for the children (%d)" % len(starts))
    for i, pair in starts.items():
        check("s" in pair and "f" in pair and pair["s"]["ts"] <= pair["f"]["ts"],
              "arrow %s goes forward in time" % i)
    print("  %d processes, %d checks" % (len(names), passed + failed))


main()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
