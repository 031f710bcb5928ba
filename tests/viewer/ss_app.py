# ss_app.py - a real program for tests/viewer/speedscope.mjs: fib(5) in two threads and
# a C call; with an argument N, fib(N) in the main thread only (2 fib(N+1) - 1 calls).
import sys
import threading
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def work():
    fib(5)
    sorted([3, 1, 2])


if len(sys.argv) > 1:
    fib(int(sys.argv[1]))
else:
    t = threading.Thread(target=work, name="worker")
    t.start()
    work()
    t.join()
