# stress.py CASE: a workload whose call counts the program knows; prints them, and the
# number of open descriptors before and after: it may grow by one under vt (the main
# thread's own trace file, opened when its buffer first fills) and no more, whatever the
# number of threads (a warm-up thread first lets vt open what it opens once per process).
#   threads64   64 threads x 10000 calls of f, each thread counting its own
#   short       10000 short-lived threads (100 batches of 100 running at once), 10 calls each;
#               after the first 1000 threads RSS may not grow by more than 4 MiB
#   deep        recursion 50000 deep (recursionlimit 100000), in a thread with a big stack
#   fork        8 threads each fork 4 children; each child calls h 100 times
#               (STRESS_FORK_QUIET=1: the threads start and end together, see below)
#   spawn       50 subprocesses at once; each calls k 100 times
#   signal      a SIGALRM handler (every 0.5 ms) runs Python mid-call: 300 runs call s twice
#   long        calls for VT_STRESS_SECONDS (default 10) while sampling its own RSS: after
#               the first quarter it may not grow by more than 4 MiB
import os
import signal
import subprocess
import sys
import threading
import time

case = sys.argv[1]


def nfds():
    return len(os.listdir("/proc/self/fd"))


def f():
    return 1


def g():
    return 2


def h():
    return 3


def rec(n):
    return 0 if n == 0 else 1 + rec(n - 1)


warm = threading.Thread(target=int)
warm.start()
warm.join()
before = nfds()
def s():
    return 5


def rss_kib():
    with open("/proc/self/status") as st:
        for line in st:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])


if case == "threads64":
    counts = [0] * 64

    def work(k):
        for i in range(10000):
            f()
            counts[k] += 1
    ts = [threading.Thread(target=work, args=(k,), name="w%02d" % k) for k in range(64)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("f per thread", sorted(set(counts)), "total", sum(counts))
elif case == "short":
    done = [0]
    lock = threading.Lock()

    def work():
        for i in range(10):
            g()
        with lock:
            done[0] += 1
    for batch in range(100):
        ts = [threading.Thread(target=work) for _ in range(100)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        if batch == 9:
            rss0 = rss_kib()
    print("threads", done[0], "g", done[0] * 10)
    # memory follows the threads alive at once, not all 10 000 that ran
    grew = rss_kib() - rss0
    print("rss flat" if grew <= 4096 else "rss grew by %d KiB over 9000 ended threads" % grew)
elif case == "deep":
    sys.setrecursionlimit(100000)
    threading.stack_size(512 * 1024 * 1024)
    out = []
    t = threading.Thread(target=lambda: out.append(rec(50000)), name="deep")
    t.start()
    t.join()
    print("depth", out[0])
elif case == "fork":
    pids = []
    lock = threading.Lock()
    # STRESS_FORK_QUIET=1 (set under a preloaded ASan runtime): no thread starts or ends
    # while another forks. GCC 12's ASan allocator has no fork handler: a thread that
    # starts or ends drains its allocator cache under a lock, and a fork at that moment
    # leaves the lock held in the child, where the next malloc (CPython's or vt's) waits
    # for ever. glibc's malloc takes its locks around fork, so the plain runs keep the race.
    quiet = os.environ.get("STRESS_FORK_QUIET") == "1"
    gate = threading.Barrier(8) if quiet else None

    def work():
        if gate:
            gate.wait()
        for _ in range(4):
            f()
            pid = os.fork()
            if pid == 0:
                for i in range(100):
                    h()
                os._exit(7)
            with lock:
                pids.append(pid)
        if gate:
            gate.wait()
    ts = [threading.Thread(target=work) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    codes = [os.waitpid(p, 0)[1] >> 8 for p in pids]
    print("children", len(pids), "exit codes", sorted(set(codes)))
elif case == "spawn":
    code = "def k():\n    return 4\nfor i in range(100):\n    k()\n"
    ps = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(50)]
    print("children", len(ps), "exit codes", sorted(set(p.wait() for p in ps)))
elif case == "signal":
    hits = [0]

    def on_alarm(signum, frame):
        if hits[0] < 300:
            hits[0] += 1
            s()
            s()
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
    while hits[0] < 300:
        rec(20)
    signal.setitimer(signal.ITIMER_REAL, 0)
    print("handler runs", hits[0], "s", 2 * hits[0])
elif case == "long":
    secs = float(os.environ.get("VT_STRESS_SECONDS", "10"))
    start = time.monotonic()
    end = start + secs
    early = late = 0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        for i in range(500):
            rec(10)
        time.sleep(0.002)  # a steady service, not a flat-out loop: ~2 M calls/s
        kib = rss_kib()
        if now - start < secs / 4:
            early = max(early, kib)
        else:
            late = max(late, kib)
    grew = late - early
    print("rss", "flat" if grew <= 4096 else "grew by %d KiB (%d to %d)" % (grew, early, late))
# a joined thread may still be running its TLS destructors (where vt closes its file):
# give the count a moment to settle
for _ in range(200):
    after = nfds()
    if after <= before + 1:
        break
    time.sleep(0.01)
print("fds", "ok" if after <= before + 1 else "before %d after %d" % (before, after))
