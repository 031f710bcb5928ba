# pyprofile.py: the pure-Python profile module and a nested install around vt (3.8+).
# Prints what profile saw (call counts per function, no times), whether CPython refused a
# profiler installed from inside another install (3.11+ raise RuntimeError there) and which
# profiler was left, and what profilers installed after another thread's see; then calls
# outside() 3 times with no profiler of the program's.
import profile
import pstats
import sys
import threading


def f(i):
    return i * 2


def work():
    return sum(f(i) for i in range(50))


# vt's sys.setprofile looks like CPython's own
for fn in (sys.setprofile, getattr(sys, "_setprofileallthreads", None)):
    if fn is not None:
        print(repr(fn), fn.__self__.__name__, fn.__module__, fn.__qualname__,
              fn.__text_signature__, repr(fn.__doc__))


p = profile.Profile()
print("work() =", p.runcall(work))
st = pstats.Stats(p)
print("profile saw", sorted((k[2], v[1]) for k, v in st.stats.items() if k[2] in ("f", "work")))
profile.run("work()", "/dev/null")  # the path of `python -m profile`: Profile.runctx


# a finalizer that installs a profiler while sys.setprofile is installing another
def foo(*args):
    pass


def bar(*args):
    pass


class A:
    def __call__(self, *args):
        pass

    def __del__(self):
        try:
            sys.setprofile(bar)
            print("nested install: accepted")
        except RuntimeError as e:
            print("nested install: RuntimeError:", e)

sys.setprofile(A())
sys.setprofile(foo)
print("left installed:", getattr(sys.getprofile(), "__name__", None))
sys.setprofile(None)


# a profiler installed after another thread's profiler ended: on 3.12+ that thread leaves
# the profile hook's events on, so the installing call's own return reaches the new one
seen = []


main_ident = threading.get_ident()


def prof(frame, event, arg):
    if threading.get_ident() == main_ident:
        seen.append((event, arg.__name__ if event.startswith("c_") else frame.f_code.co_name))


def body():
    f(1)


threading.setprofile(prof)
t = threading.Thread(target=body)
t.start()
t.join()
threading.setprofile(None)
sys.setprofile(prof)
f(2)
sys.setprofile(None)
print("after a profiled thread:", seen)
if hasattr(threading, "setprofile_all_threads"):  # 3.12+
    del seen[:]
    threading.setprofile_all_threads(prof)
    f(3)
    threading.setprofile_all_threads(None)
    print("all threads:", seen)

# 3.12+: a sys.monitoring tool of the program's that sees calls instruments the call of
# sys.setprofile without vt too, so its return reaches the new profiler either way
if hasattr(sys, "monitoring"):
    M = sys.monitoring
    M.use_tool_id(2, "pyprofile")
    M.register_callback(2, M.events.CALL, lambda *a: None)
    M.set_events(2, M.events.CALL)
    del seen[:]
    sys.setprofile(prof)
    f(4)
    sys.setprofile(None)
    M.set_events(2, 0)
    M.free_tool_id(2)
    print("beside a tool seeing calls:", seen)


def outside():
    pass


for _ in range(3):
    outside()
