# threads-exit.py: fib in 4 threads and in the main thread, the results printed in order
# (and the GIL's state, for a free-threaded build), then exit status 7
import sys
import threading


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


results = [None] * 4


def work(i):
    results[i] = fib(15 + i)


threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
main = fib(12)
for t in threads:
    t.join()
print("threads", results, "main", main)
gil = getattr(sys, "_is_gil_enabled", lambda: True)()
print("gil", "enabled" if gil else "disabled")
sys.stdout.flush()
sys.exit(7)
