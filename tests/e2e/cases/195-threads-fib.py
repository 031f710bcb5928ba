# e2e: tree --files 195-threads-fib.py --by-name
# fib(5) in 4 threads at once (a barrier lets them go together): each thread's track
# holds exactly its 15 fib calls, nested as fib(5) makes them, with names. On a
# free-threaded build (3.13t, where the GIL is off unless PYTHON_GIL=1) the four
# run in parallel.
import threading

barrier = threading.Barrier(4)


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def worker():
    barrier.wait(timeout=10)
    fib(5)


def main():
    ts = []
    for i in range(4):
        ts.append(threading.Thread(target=worker, name="fib-%d" % i))
    for t in ts:
        t.start()
    for t in ts:
        t.join()


main()
