# profilers.py: a user's cProfile and sys.setprofile around vt (3.8+). f is called 100
# times outside any profiler before, 100 under cProfile, 10 under sys.setprofile and 200
# outside again; prints what the user's profilers saw.
import cProfile
import pstats
import sys


def f(i):
    return i


def outside(n):
    for i in range(n):
        f(i)


def profiled(n):
    for i in range(n):
        f(i)


outside(100)
pr = cProfile.Profile()
pr.enable()
profiled(100)
pr.disable()
st = pstats.Stats(pr)
print("cProfile saw", sorted((k[2], v[1]) for k, v in st.stats.items() if k[2] in ("f", "profiled")))
outside(100)
seen = []


def prof(frame, event, arg):
    if event == "call":
        seen.append(frame.f_code.co_name)


sys.setprofile(prof)
profiled(10)
sys.setprofile(None)
print("setprofile saw f", seen.count("f"), "profiled", seen.count("profiled"))
outside(100)
