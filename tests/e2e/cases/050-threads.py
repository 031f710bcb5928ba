# e2e: tree --files 050-threads.py --by-name
# Four named threading.Thread workers, running at the same time, each calling its
# own job, plus one thread started with _thread.start_new_thread (which threading
# does not name: vt calls it "Thread <tid>"). Each call must be in its own thread.
import _thread
import threading
import time

barrier = threading.Barrier(4)


def alpha():
    return 1


def beta():
    return 2


def gamma():
    return 3


def delta():
    return 4


JOBS = [alpha, beta, gamma, delta]


def worker(i):
    barrier.wait(timeout=10)
    JOBS[i]()


def raw(lock):
    gamma()
    lock.release()


def main():
    threads = []
    for i in range(4):
        threads.append(threading.Thread(target=worker, args=(i,), name="worker-%d" % i))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lock = _thread.allocate_lock()
    lock.acquire()
    _thread.start_new_thread(raw, (lock,))
    print("raw thread done:", lock.acquire(timeout=3))
    # raw() is still returning after its release(): wait until its thread is gone,
    # so that its frames are complete when the process exits
    deadline = time.monotonic() + 3
    while _thread._count() > 0 and time.monotonic() < deadline:
        time.sleep(0.001)


main()
