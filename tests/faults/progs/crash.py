# crash.py MODE: die of a fatal signal after known calls. MODE: segv (a C extension
# reading address 0, through ctypes), abort (os.abort), thread-segv (in a second thread
# while the main thread works), enable-segv (faulthandler.enable() first, as pytest does)
import ctypes
import faulthandler
import os
import sys
import threading

if sys.argv[1] == "enable-segv":
    faulthandler.enable()


def before_crash(n):
    return sum(i for i in range(n))


def crash():
    if sys.argv[1] == "abort":
        os.abort()
    ctypes.string_at(0)


print("before", before_crash(100), flush=True)
if sys.argv[1] == "thread-segv":
    def worker():
        before_crash(10)
        crash()
    t = threading.Thread(target=worker, name="crasher")
    t.start()
    t.join()
else:
    crash()
print("not reached")
