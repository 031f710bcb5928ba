"""sample_app.py - a small program for the viewer's browser tests: threads, recursion, a
generator, an exception, a child process, and a function whose name tries to close the
page's <script> (`</script><script>alert(1)</script>`), which must show up as plain text."""
import subprocess
import sys
import threading
import time

EVIL = "</script><script>alert(1)</script>"


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def squares(n):
    for i in range(n):
        yield i * i


def fails():
    raise ValueError("boom")


def evil():
    return sum(range(10))


# rename the function itself: vt records the code object's (qualified) name
if hasattr(evil.__code__, "co_qualname"):
    evil.__code__ = evil.__code__.replace(co_name=EVIL, co_qualname=EVIL)
else:
    evil.__code__ = evil.__code__.replace(co_name=EVIL)


def worker(k):
    total = fib(14 + k)
    for _ in squares(5):
        pass
    try:
        fails()
    except ValueError:
        pass
    time.sleep(0.002)
    return total


def main():
    evil()
    threads = [threading.Thread(target=worker, args=(i,), name="worker-%d" % i) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    subprocess.run([sys.executable, "-c", "import json; json.dumps({'child': sum(range(100))})"],
                   check=True)
    print("fib(16) =", fib(16))


if __name__ == "__main__":
    main()
