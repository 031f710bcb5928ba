# ft-exit.py - 4 daemon threads call fib without a pause; the main thread calls
# os._exit(3) while they run. On a free-threaded build with the GIL off they are writing
# their buffers as vt writes the last of each.
import os
import threading
import time


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def work():
    while True:
        fib(10)


for _ in range(4):
    threading.Thread(target=work, daemon=True).start()
time.sleep(0.3)
os._exit(3)
