# fds.py MODE DIR: take vt's descriptors away while tracing.
#   closerange  os.closerange(3, TOP) mid-run, then go on calling (and start a thread)
#   dup2        dup2 a file of the program's onto 512..520 (vt keeps its fds >= 512)
#   reopen      closerange, then open 600 files at once, so that the program's new files
#               get the numbers vt's descriptors had
#   loop        closerange 300 times between calls while a second thread calls: vt's
#               writer is often holding a descriptor (or opening one) when they go
#   threads     16 threads start calling at once (each makes its file) while the main
#               thread calls closerange every 100 calls
#   ring        (run with VT_MODE=ring) the flight recorder writes its window on VT_SIGNAL
#               (its files stay open), then closerange: the window at exit still goes out
# The program's own files must hold exactly what it wrote.
import itertools
import os
import signal
import sys
import threading

mode, d = sys.argv[1], sys.argv[2]
# every descriptor vt may hold: vt keeps its own at 512 and above, a few per thread. Not
# 65536: before 3.10 os.closerange calls close() once per number, and 200 such calls took
# a minute of a busy 2-core machine's time, past the suite's time limit, without vt.
TOP = 4096


def f(i):
    return i


def phase(n):
    s = 0
    for i in range(n):
        s += f(i)
    return s


def nfds():
    return len(os.listdir("/proc/self/fd"))


# A thread ends only after the closerange calls: on 3.8 a thread's end is pthread_exit,
# whose first use makes glibc load libgcc_s.so.1, and a closerange in the middle of that
# load aborts the process ("libgcc_s.so.1 must be installed for pthread_exit to work"),
# with vt or without: a C program doing the same aborts in most runs.
done = threading.Event()

if mode == "loop":
    def busy():
        for _ in range(300):
            phase(2000)
        done.wait()

    t = threading.Thread(target=busy)
    t.start()
    for _ in range(300):
        phase(2000)
        os.closerange(3, TOP)
    done.set()
    t.join()
    print("loop done")
    sys.exit(0)

if mode == "threads":
    go = threading.Event()

    def worker():
        go.wait()
        for _ in range(20):
            phase(500)
        done.wait()

    ts = [threading.Thread(target=worker) for _ in range(16)]
    for t in ts:
        t.start()
    go.set()
    for _ in range(200):
        os.closerange(3, TOP)
        phase(100)
    done.set()
    for t in ts:
        t.join()
    print("threads done")
    sys.exit(0)

print("a", phase(30000))
if mode == "ring" and signal.getsignal(signal.SIGUSR2) not in (signal.SIG_DFL, None):
    os.kill(os.getpid(), signal.SIGUSR2)  # vt's handler (only under vt) dumps the window
    for _ in range(10):  # Python runs the handler here
        pass
    out = os.environ.get("VT_OUTPUT", "")
    if not os.path.isdir(out) or not any(n.endswith(".vt") and ".t" in n for n in os.listdir(out)):
        sys.stderr.write("fds.py: the dump on SIGUSR2 wrote no thread file in %r\n" % out)
        sys.exit(3)  # the vt run then ends unlike the plain one
if mode in ("closerange", "ring"):
    os.closerange(3, TOP)
    paths = [os.path.join(d, "own")]
    fds = [os.open(paths[0], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
elif mode == "dup2":
    paths = [os.path.join(d, "own")]
    fds = [os.open(paths[0], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
    for target in range(512, 521):
        os.dup2(fds[0], target)
    fds += list(range(512, 521))
else:
    paths = [os.path.join(d, "f%d" % i) for i in range(600)]
    os.closerange(3, TOP)
    # one C call from Python opens them all: no event, so no flush, between close and open
    fds = list(map(os.open, paths, itertools.repeat(os.O_WRONLY | os.O_CREAT | os.O_TRUNC)))
print("b", phase(100000))
t = threading.Thread(target=phase, args=(50000,))
t.start()
t.join()
want = {}
for fd in fds:
    os.write(fd, b"fd %d\n" % fd)
for fd, p in zip(fds, itertools.cycle(paths) if mode == "dup2" else paths):
    want[p] = want.get(p, b"") + b"fd %d\n" % fd
for fd in fds:
    os.close(fd)
bad = [p for p in want if open(p, "rb").read() != want[p]]
print("files written:", len(want), "corrupted:", [os.path.basename(p) for p in bad])
