# ft-stress.py - N threads (STRESS_THREADS, default 16) call shared functions for
# VT_STRESS_SECONDS (default 10) at once; run with PYTHON_GIL=0 on a free-threaded build
# they run in parallel. Each thread counts what it called; the totals are printed as
# "NAME COUNT" lines, for the trace's counts to be compared with:
#   leaf  a Python function, called from mid and directly
#   mid   calls leaf twice and len() once (a C call)
#   gen   a generator function: one start per iteration (3 resumes besides)
#   dyn   a function compiled anew every 50 iterations in each thread: new code
#         objects, first seen by vt in many threads at once
#   len   the C calls (mid's, and the dyn functions')
import os
import sys
import threading
import time

N = int(os.environ.get("STRESS_THREADS", "16"))
SECS = float(os.environ.get("VT_STRESS_SECONDS", "10"))


def leaf(x):
    return x + 1


def mid(x):
    return leaf(x) + leaf(len((x,)))


def gen(n):
    for i in range(n):
        yield i


def work(i, out, go):
    c = {"leaf": 0, "mid": 0, "gen": 0, "dyn": 0, "len": 0}
    dyn = None
    go.wait()
    end = time.monotonic() + SECS
    k = 0
    while True:
        if k % 50 == 0:
            if time.monotonic() >= end:
                break
            ns = {}
            exec(compile("def dyn(x):\n    return len([x, %d])\n" % k, "<dyn-%d-%d>" % (i, k),
                         "exec"), ns)
            dyn = ns["dyn"]
        mid(k)
        leaf(k)
        for _ in gen(3):
            pass
        dyn(k)
        c["mid"] += 1
        c["leaf"] += 3
        c["gen"] += 1
        c["dyn"] += 1
        c["len"] += 2
        k += 1
    out[i] = c


def main():
    out = [None] * N
    go = threading.Barrier(N)
    ts = [threading.Thread(target=work, args=(i, out, go), name="w%d" % i) for i in range(N)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    total = {}
    for c in out:
        for k, v in c.items():
            total[k] = total.get(k, 0) + v
    for k in sorted(total):
        print(k, total[k])
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print("gil", "enabled" if gil else "disabled")


main()
