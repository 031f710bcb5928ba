# busy.py [THREADS]: many calls in THREADS threads (default 4); prints exact sums
import signal
import sys
import threading

if len(sys.argv) > 2 and sys.argv[2] == "xfsz-default":
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)


def f(i):
    return i * 2


def work(n, out, k):
    s = 0
    for i in range(n):
        s += f(i)
    out[k] = s


n = int(sys.argv[1]) if len(sys.argv) > 1 else 4
out = [0] * n
ts = [threading.Thread(target=work, args=(100000, out, k)) for k in range(n)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("sums", out)
