# killed.py READY-FILE: calls phase1's f exactly 60000 times, then makes enough other
# calls that every phase1 event has been flushed (VT_BUFFER_SIZE=64K), creates READY-FILE
# and works on (lightly) until it is killed
import sys
import time


def f(i):
    return i


def g(i):
    return i


def phase1():
    for i in range(60000):
        f(i)


def filler():
    for i in range(200000):
        g(i)


phase1()
filler()
open(sys.argv[1], "w").close()
while True:
    g(0)
    time.sleep(0.002)
