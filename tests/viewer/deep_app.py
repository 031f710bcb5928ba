# deep_app.py - a program for the viewer's first-look test: a 150-level recursion in the
# main thread (as deep as an import chain gets), three shallow threads, and a child process.
import subprocess
import sys
import threading


def down(n):
    return n if n == 0 else down(n - 1) + 1


def shallow(k):
    return sum(range(k))


threads = [threading.Thread(target=shallow, args=(1000,), name="worker-%d" % i) for i in range(3)]
for t in threads:
    t.start()
down(150)
for t in threads:
    t.join()
subprocess.run([sys.executable, "-c", "print(sum(range(10)))"], check=True, stdout=subprocess.DEVNULL)
