"""bench-breakdown.py - where a recorded call's cost above the floor goes (stdlib only).

Usage: bench-breakdown.py PYTHON...   with BD_LIB_DIR (libvt.so, libvt-nop.so, clock-cost)
and BD_VARIANT_DIR (noenc/, noclock/, nolz4/: libvt.so built with one step removed) set by
scripts/bench-breakdown.sh.

For each interpreter and mode (C calls on, Python only with VT_IGNORE_C=1) it runs fib.py
in rounds, each round one run of every build in a rotating order, and takes each build's
fastest cpu time (user+sys, the writer thread included). The cost per call above the
floor is (cpu(build) - cpu(floor)) / calls, with calls from fib.py's own count. The steps:
  hook, no records   libvt.so recording nothing (VT_BENCH_NOENC): the callback finds the
                     thread, the function's id, reads the clock, but writes no record
  + records          the records written into the chunk, the full chunk handed to the
                     writer, which drops it (VT_BENCH_NOLZ4)
  + lz4 and write    libvt.so as it is
  clock reads        libvt.so against the same with no clock read (VT_BENCH_NOCLOCK)
"""
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile

from bench import clock_read_ns, cpu_model  # scripts/bench.py, beside this file

BUILDS = [("floor", "nop"), ("noenc", "noenc"), ("nolz4", "nolz4"), ("vt", "vt"),
          ("noclock", "noclock")]


def cpu_of(argv, env):
    """Runs argv; returns (user+sys of it and its children, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()[-300:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), r.stdout


def lib_of(build, lib_dir, var_dir):
    if build == "nop":
        return os.path.join(lib_dir, "libvt-nop.so")
    if build == "vt":
        return os.path.join(lib_dir, "libvt.so")
    return os.path.join(var_dir, build, "libvt.so")


def measure(py, fib, n, ignore_c, rounds, lib_dir, var_dir, tmp):
    base = {k: v for k, v in os.environ.items()
            if k not in ("LD_PRELOAD", "VT_OUTPUT", "VT_IGNORE_C") and not k.startswith("BD_")}
    best = {}
    calls = None
    for rnd in range(rounds):
        order = BUILDS[rnd % len(BUILDS):] + BUILDS[:rnd % len(BUILDS)]
        for name, build in order:
            env = dict(base)
            env["LD_PRELOAD"] = lib_of(build, lib_dir, var_dir)
            out = os.path.join(tmp, "trace")
            shutil.rmtree(out, ignore_errors=True)
            env["VT_OUTPUT"] = out
            if ignore_c:
                env["VT_IGNORE_C"] = "1"
            cpu, stdout = cpu_of([py, fib, str(n)], env)
            m = re.search(r"calls=(\d+)", stdout)
            if m:
                calls = int(m.group(1))
            best[name] = min(best.get(name, cpu), cpu)
            sys.stderr.write(".")
            sys.stderr.flush()
    shutil.rmtree(os.path.join(tmp, "trace"), ignore_errors=True)
    return best, calls


def main():
    pythons = sys.argv[1:]
    lib_dir = os.environ["BD_LIB_DIR"]
    var_dir = os.environ["BD_VARIANT_DIR"]
    fib = os.environ["BD_FIB"]
    n = int(os.environ.get("BD_N", "32"))
    rounds = int(os.environ.get("BD_ROUNDS", "5"))
    clock = clock_read_ns(lib_dir, "tsc")[0]
    model = cpu_model()
    clk_txt = f"{clock:.1f} ns" if clock else "not measured"
    print(f"where a recorded call's cost above the floor goes: fib({n}), fastest of "
          f"{rounds} rounds; CPU: {model}; one rdtsc back to back: {clk_txt}")
    print(f"{'python':<20} {'mode':<12} {'calls':>9} {'hook, no records':>16} "
          f"{'+ records':>10} {'+ lz4, write':>12} {'= vt':>7} {'clock reads':>11} {'in rdtsc':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for py in pythons:
            ver = subprocess.run([py, "-c", "import platform; print(platform.python_version())"],
                                 capture_output=True, text=True).stdout.strip()
            for mode, ignore_c in (("C calls on", False), ("Python only", True)):
                best, calls = measure(py, fib, n, ignore_c, rounds, lib_dir, var_dir, tmp)
                sys.stderr.write("\n")
                if not calls:
                    print(f"{ver:<20} {mode:<12} fib printed no call count")
                    continue

                def ns(a, b):
                    return (best[a] - best[b]) / calls * 1e9
                clk = ns("vt", "noclock")
                cells = [ns("noenc", "floor"), ns("nolz4", "noenc"), ns("vt", "nolz4"),
                         ns("vt", "floor"), clk]
                print(f"{ver:<20} {mode:<12} {calls:>9} " +
                      " ".join(f"{c:>{w}.1f}" for c, w in zip(cells, (16, 10, 12, 7, 11))) +
                      f" {clk / clock if clock else float('nan'):>8.2f}")
                sys.stdout.flush()
    print("ns per call (a call and its return) above the floor; each step is the difference "
          "of two builds' fastest runs, so a step of a few ns is within the host's noise")
    return 0


if __name__ == "__main__":
    sys.exit(main())
