# ft-flush.py [flush] - 6 threads call fib without a pause while the main thread asks vt,
# 200 times, to pause, resume and flush (vt.flush() writes every thread's buffer): on a
# free-threaded build with the GIL off those threads are writing their buffers meanwhile.
# With "flush", only flushes (under ThreadSanitizer: pause and resume are ordered by
# CPython's stop-the-world, which TSan cannot see in an uninstrumented CPython).
import sys
import threading
import time

import vt

stop = False


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def work():
    while not stop:
        fib(8)


ts = [threading.Thread(target=work) for _ in range(6)]
for t in ts:
    t.start()
for i in range(200):
    time.sleep(0.005)
    if i % 3 == 0 and sys.argv[1:] != ["flush"]:
        vt.pause()
    elif i % 3 == 1 and sys.argv[1:] != ["flush"]:
        vt.resume()
    else:
        vt.flush()
stop = True
for t in ts:
    t.join()
print("ok")
