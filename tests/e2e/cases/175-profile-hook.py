# e2e: tree --files 175-profile-hook.py --by-name
# What the profile hook must tell apart where CPython hands it the same event: on 3.12+
# a generator's suspension is a PyTrace_RETURN like its return; on 3.12 an unwind is a
# return of None, like 'return None' (also from a variable) and a yield of None; an
# exception thrown into a generator at its yield unwinds from that yield. And threads
# started after the hook is on: threading's (3.13+: _thread.start_joinable_thread) and
# _thread.start_new_thread's (with keyword arguments), whose function may raise.
import _thread
import sys
import threading
import time

# what a raw thread's uncaught exception reports, printed when it happens (the thread
# may end after the program otherwise); from "<hook>", so not among the frames compared
reported = _thread.allocate_lock()
reported.acquire()
hook = {"reported": reported}
exec(compile("def hook(u):\n"
             "    print('unraisable:', u.err_msg, u.object, repr(u.exc_value), flush=True)\n"
             "    reported.release()\n", "<hook>", "exec"), hook)
sys.unraisablehook = hook["hook"]


def gen():
    yield
    yield 1


def thrown():
    g = gen()
    next(g)
    try:
        g.throw(ValueError("thrown in"))
    except ValueError:
        pass


def none_var():
    x = None
    return x


def none_const():
    return None


def raising():
    raise KeyError("k")


def leaf():
    pass


def work(tag, done=None):
    leaf()
    if done is not None:
        done.release()


def main():
    for _ in gen():
        pass
    thrown()
    none_var()
    none_const()
    try:
        raising()
    except KeyError:
        pass
    t = threading.Thread(target=work, args=("threading",), name="worker")
    t.start()
    t.join()
    done = _thread.allocate_lock()
    done.acquire()
    _thread.start_new_thread(work, ("raw",), {"done": done})
    print("raw thread done:", done.acquire(timeout=10))
    # its function raises: reported as without vt, naming int
    _thread.start_new_thread(int, ("x",))
    reported.acquire(timeout=10)
    # threads ended: their frames are complete when the process exits
    deadline = time.monotonic() + 5
    while _thread._count() > 0 and time.monotonic() < deadline:
        time.sleep(0.001)


main()
