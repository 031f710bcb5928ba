# e2e: tree --files 150-cprofile.py
# The program's own cProfile still works under vt: its report names the profiled
# function with the right call count. On 3.12+ (sys.monitoring) vt and cProfile
# each see every call; before 3.12 there is one profile hook per thread, so vt
# does not see the calls made while cProfile is on (150-cprofile.expect-3.11), but
# it must see the calls before and after.
import cProfile
import io
import pstats


def profiled_target(n):
    total = 0
    for i in range(n):
        total += square(i)
    return total


def square(i):
    return i * i


def before_profile():
    pass


def after_profile():
    pass


def main():
    before_profile()
    pr = cProfile.Profile()
    pr.enable()
    profiled_target(3)
    pr.disable()
    after_profile()
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("name").print_stats()
    for line in s.getvalue().splitlines():
        for name in ("profiled_target", "square"):
            if "(%s)" % name in line:
                print(name, "ncalls", line.split()[0])


main()
