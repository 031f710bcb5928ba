"""bench.py - the measuring half of scripts/bench.sh (stdlib only, run by /usr/bin/python3).

Usage: bench.py PYTHON...   with BENCH_DIR, BENCH_LIB_DIR, BENCH_OUT and BENCH_TMP set by
bench.sh (see there for the other BENCH_* settings).

For each interpreter and workload: one plain warm-up run (its checksum line is the
reference), then BENCH_PAIRS rounds; in each round every variant gets one pair, plain
immediately followed by the variant, so slow drift in machine load hits both sides of a
pair. CPU is user+sys of the whole process tree (os.wait4 counts every descendant the
child reaped, e.g. multiprocessing workers). Each variant's figure is, by default
(BENCH_STAT=min), its fastest run over the fastest plain run of the workload: on a shared
VM the noise only ever adds CPU time (runs of the same program here come in a fast and a
1.6x slower kind, phases of the host), so the fastest run is the truest. BENCH_STAT=pairs
gives the median of the per-pair ratios variant_cpu / plain_cpu instead.
"""
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time

# Smaller arguments for BENCH_QUICK=1 (each about 0.05-0.1 s plain on 3.11).
QUICK_ARGS = {
    "fib": ["27"],
    "builtin_heavy": ["250000"],
    "mixed": ["700"],
    "asyncio_app": ["18"],
    "threads": ["25"],
    "mp": ["22"],
}
# Workloads that also get the VT_IGNORE_C=1 variant (kept short to save time).
IGNORE_C_WORKLOADS = ("fib", "builtin_heavy")
# Workloads that also get the idle variant: loaded with VT_START=signal, never signalled.
IDLE_WORKLOADS = ("fib", "mixed")
# Workloads that also get the clock-twice variant: what one more clock read per event costs.
CLOCK2_WORKLOADS = ("fib",)
# Workloads that also get the rich variants: arguments and return values recorded, and
# every function of the workload excluded by VT_EXCLUDE_FILES (the cost of a filtered event).
RICH_WORKLOADS = ("fib",)

# Variant name -> table heading.
VARIANTS = [
    ("cprofile", "cProfile"),
    ("floor", "floor"),
    ("vt", "vt"),
    ("vt_clock2", "vt(2clk)"),
    ("vt_ignore_c", "vt(IGNORE_C)"),
    ("floor_ignore_c", "floor(IGN_C)"),
    ("vt_idle", "vt(idle)"),
    ("vt_args", "vt(args)"),
    ("vt_excluded", "vt(excl)"),
    ("vt_base", "vt(base)"),
]
# Variants whose crash or changed output is a vt bug (a cProfile crash is only noted).
VT_VARIANTS = ("floor", "vt", "vt_clock2", "vt_ignore_c", "floor_ignore_c", "vt_idle", "vt_args",
               "vt_excluded", "vt_base")
NOP_VARIANTS = ("floor", "floor_ignore_c")

# Matches one Chrome 'X' (complete) event's phase field, with or without spaces.
PH_X = re.compile(rb'"ph"\s{0,4}:\s{0,4}"X"')
PH_X_MAXLEN = 4 + 4 + 4 + 3 + 4  # longest possible match


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def clock_read_ns(lib_dir, name):
    """ns of one read of clock @name ("tsc" or "mono"), back to back, as LIB_DIR/clock-cost
    measures it; (ns, None), or (None, why) when it cannot be measured."""
    prog = os.path.join(lib_dir, "clock-cost")
    try:
        out = subprocess.run([prog], capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"{prog}: {e}"
    got = dict(line.split() for line in out.splitlines() if len(line.split()) == 2)
    return (float(got[name]), None) if name in got else (None, f"{prog} printed no {name}")


def tsc_invariant():
    """vt's own test (preload/clock.c: CPUID's invariant-TSC bit, which /proc/cpuinfo
    shows as constant_tsc and nonstop_tsc): vt reads the TSC only then."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split() for line in f if line.startswith("flags")), [])
    except OSError:
        return False
    return "constant_tsc" in flags and "nonstop_tsc" in flags


class Timeout(Exception):
    pass


# True while stderr is in the middle of a "bench: workload ....." progress line.
_mid_line = False


def log(msg, end="\n"):
    global _mid_line
    sys.stderr.write("bench: " + msg + end)
    sys.stderr.flush()
    _mid_line = end != "\n"


def note(msg):
    """A message that may come in the middle of a line of progress dots."""
    if _mid_line:
        sys.stderr.write("\n")
    log(msg)


def progress(mark):
    global _mid_line
    sys.stderr.write(mark)
    sys.stderr.flush()
    _mid_line = True


def end_progress():
    global _mid_line
    if _mid_line:
        sys.stderr.write("\n")
    _mid_line = False


def env_int(name, default):
    v = os.environ.get(name, "")
    try:
        return int(v) if v else default
    except ValueError:
        log(f"{name}={v!r} is not a number, using {default}")
        return default


class Runner:
    """Runs one whole process with stdout/stderr captured in files and returns its cpu."""

    def __init__(self, tmp, timeout):
        self.tmp = tmp
        self.timeout = timeout
        self.out_path = os.path.join(tmp, "stdout")
        self.err_path = os.path.join(tmp, "stderr")
        self.cwd = os.path.join(tmp, "cwd")  # stray files a workload writes land here
        os.makedirs(self.cwd, exist_ok=True)
        self.pid = None
        signal.signal(signal.SIGALRM, self._alarm)

    def _alarm(self, signum, frame):
        raise Timeout()

    def kill(self):
        """Kills the current run's whole process group (it has its own session)."""
        if self.pid is not None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except OSError:
                pass

    def run(self, argv, env):
        """Returns dict(status='ok'|'crash'|'timeout', rc, cpu, wall, stdout, stderr, maxrss).
        The peak RSS comes from /usr/bin/time, which runs the program: wait4's own figure
        would count this script's pages, which the child has until it execs."""
        rss_path = os.path.join(self.tmp, "maxrss")
        if os.access("/usr/bin/time", os.X_OK):
            argv = ["/usr/bin/time", "-f", "%M", "-o", rss_path] + argv
        if os.path.exists(rss_path):
            os.unlink(rss_path)
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            t0 = time.monotonic()
            p = subprocess.Popen(argv, env=env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=err, start_new_session=True)
            self.pid = p.pid
            status, ru, timed_out = 0, None, False
            try:
                signal.setitimer(signal.ITIMER_REAL, self.timeout)
                try:
                    _, status, ru = os.wait4(p.pid, 0)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except Timeout:
                timed_out = True
            if ru is None:  # timed out: kill the tree, then reap the child
                self.kill()
                try:
                    _, status, ru = os.wait4(p.pid, 0)
                except ChildProcessError:
                    pass
            wall = time.monotonic() - t0
            # Leftover descendants (daemons, orphaned workers) must not run into the next run.
            self.kill()
            self.pid = None
            rc = os.waitstatus_to_exitcode(status)
            p.returncode = rc  # reaped here: keep Popen from waiting again
        with open(self.out_path, "rb") as f:
            stdout = f.read().decode("utf-8", "replace")
        with open(self.err_path, "rb") as f:
            stderr = f.read().decode("utf-8", "replace")
        res = {"rc": rc, "wall": wall, "stdout": stdout, "stderr": stderr,
               "cpu": (ru.ru_utime + ru.ru_stime) if ru else float("nan"),
               "maxrss": None}
        try:
            with open(rss_path) as f:
                res["maxrss"] = int(f.read().split()[-1])  # KiB, the program's own process
        except (OSError, ValueError, IndexError):
            pass
        res["status"] = "timeout" if timed_out else ("ok" if rc == 0 else "crash")
        return res


def checksum_line(stdout):
    """The workload's checksum line (the whole output if it has none)."""
    lines = [ln for ln in stdout.splitlines() if "checksum=" in ln]
    return lines[-1].strip() if lines else stdout.strip()


def tree_bytes(path):
    """Apparent size of every file under path (du -sb)."""
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(d, f)).st_size
            except OSError:
                pass
    return total


def count_x_events(path):
    """Counts '"ph":"X"' in a possibly huge JSON file, streaming 4 MiB at a time."""
    n = 0
    tail = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(4 << 20)
            if not chunk:
                break
            buf = tail + chunk
            # A match lying wholly inside the tail was counted with the previous chunk.
            n += sum(1 for m in PH_X.finditer(buf) if m.end() > len(tail))
            tail = buf[-PH_X_MAXLEN:]
    return n


def fmt_ratio(cell):
    if cell is None:
        return "-"
    if isinstance(cell, str):
        return cell
    return f"{cell:.2f}"


def fmt_size(n):
    if n is None:
        return "-"
    for unit, div in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n >= div:
            return f"{n / div:.1f}{unit}"
    return str(n)


def fmt_count(n):
    if n is None:
        return "-"
    if isinstance(n, str):
        return n
    if n >= 1e6:
        return f"{n / 1e6:.2f}M"
    if n >= 1e3:
        return f"{n / 1e3:.1f}k"
    return str(n)


class Bench:
    def __init__(self, pythons):
        self.pythons = pythons
        self.bench_dir = os.environ["BENCH_DIR"]
        self.lib_dir = os.environ["BENCH_LIB_DIR"]
        # another build's libvt.so, measured in the same pairs as ours (before/after a change)
        self.base_dir = os.environ.get("BENCH_BASE_DIR", "")
        self.out_dir = os.environ["BENCH_OUT"]
        self.tmp = os.environ["BENCH_TMP"]
        self.pyenv_root = os.environ.get("BENCH_PYENV_ROOT", "")
        self.quick = os.environ.get("BENCH_QUICK", "0") == "1"
        self.pairs = 1 if self.quick else max(1, env_int("BENCH_PAIRS", 3))
        self.stat = os.environ.get("BENCH_STAT", "min")
        if self.stat not in ("min", "pairs"):
            sys.stderr.write("bench: BENCH_STAT must be min or pairs\n")
            sys.exit(2)
        self.convert = os.environ.get("BENCH_CONVERT", "1") != "0"
        self.converter = os.path.join(self.lib_dir, "vt-convert")
        if not os.access(self.converter, os.X_OK):
            self.converter = None
        self.runner = Runner(self.tmp, env_int("BENCH_TIMEOUT", 600))
        self.failures = []  # vt crashes and output mismatches: make the run fail

        only = os.environ.get("BENCH_WORKLOADS", "").split()
        names = sorted(f[:-3] for f in os.listdir(self.bench_dir) if f.endswith(".py"))
        for w in only:
            if w not in names:
                log(f"no workload {w}.py in {self.bench_dir}")
        self.workloads = [w for w in names if not only or w in only]

        # The environment every run starts from: no inherited preloads, and the two
        # VT_* settings this script controls removed; other VT_* pass through.
        self.base_env = {k: v for k, v in os.environ.items()
                         if not k.startswith("BENCH_") and k not in
                         ("LD_PRELOAD", "VT_OUTPUT", "VT_IGNORE_C", "VT_START",
                              "VT_LOG_ARGS", "VT_LOG_RETURN", "VT_EXCLUDE_FILES")}
        self.vt_passthrough = sorted(k for k in self.base_env if k.startswith("VT_"))

        os.makedirs(self.out_dir, exist_ok=True)
        self.tsv = open(os.path.join(self.out_dir, "results.tsv"), "w")
        self.tsv.write("\t".join([
            "python", "version", "source", "workload", "args", "pairs", "plain_cpu_s",
            "cprofile", "floor", "vt", "vt_over_floor", "vt_ignore_c", "floor_ignore_c",
            "vt_idle", "vt_args", "vt_excluded", "vt_clock2",
            "trace_bytes", "events", "bytes_per_event", "rss_plain_kib", "rss_vt_kib",
            "convert_events_per_s", "ns_per_record", "clock_ns_per_record", "vt_base",
            "problems"]) + "\n")
        self.runs_tsv = open(os.path.join(self.out_dir, "runs.tsv"), "w")
        self.runs_tsv.write("python\tworkload\tvariant\tpair\tstatus\trc\tcpu_s\twall_s\n")
        self.cpu = cpu_model()
        self.clock_name, self.clock_ns = self.clock_cost()
        self.costs = []  # (label, row) of each fib run: the cost-per-call table

    def clock_cost(self):
        """(name, ns) of one read of the clock vt uses here, back to back (clock-cost)."""
        want = "mono" if self.base_env.get("VT_CLOCK") == "ns" or not tsc_invariant() else "tsc"
        ns, why = clock_read_ns(self.lib_dir, want)
        if why:
            log(f"no clock cost ({why}): the cost per call is given in ns only")
        return want, ns

    # ---- one run of one variant ----

    def variant_cmd(self, py, variant, script, args):
        """Returns (argv, env, trace_dir or None) for one run."""
        env = dict(self.base_env)
        trace = None
        if variant == "cprofile":
            argv = [py, "-m", "cProfile", "-o", "/dev/null", script] + args
        else:
            argv = [py, script] + args
        if variant in VT_VARIANTS:
            lib = ("libvt-nop.so" if variant in NOP_VARIANTS else
                   "libvt-clock2.so" if variant == "vt_clock2" else "libvt.so")
            lib_dir = self.base_dir if variant == "vt_base" else self.lib_dir
            env["LD_PRELOAD"] = os.path.join(lib_dir, lib)
            trace = os.path.join(self.tmp, "trace")
            shutil.rmtree(trace, ignore_errors=True)
            os.mkdir(trace)
            env["VT_OUTPUT"] = trace
            if variant in ("vt_ignore_c", "floor_ignore_c"):
                env["VT_IGNORE_C"] = "1"
            if variant == "vt_idle":
                env["VT_START"] = "signal"  # started, waiting for a signal that never comes
            if variant == "vt_args":
                env["VT_LOG_ARGS"] = "1"
                env["VT_LOG_RETURN"] = "1"
            if variant == "vt_excluded":
                env["VT_EXCLUDE_FILES"] = os.path.dirname(os.path.abspath(script))
        return argv, env, trace

    def run_one(self, label, wl, variant, pair, py, script, args):
        argv, env, trace = self.variant_cmd(py, variant, script, args)
        try:
            res = self.runner.run(argv, env)
        except KeyboardInterrupt:
            self.runner.kill()
            if trace:
                shutil.rmtree(trace, ignore_errors=True)
            raise
        res["trace"] = trace
        self.runs_tsv.write(f"{label}\t{wl}\t{variant}\t{pair}\t{res['status']}\t{res['rc']}"
                            f"\t{res['cpu']:.4f}\t{res['wall']:.4f}\n")
        self.runs_tsv.flush()
        progress("." if res["status"] == "ok" else "x")
        return res

    def count_events(self, trace):
        """Converts trace to JSON and counts X events; returns (count or an error word,
        X events written per second of the converter's wall time)."""
        out = os.path.join(self.tmp, "trace.json")
        try:
            t0 = time.monotonic()
            r = subprocess.run([self.converter, trace, "-o", out], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               timeout=3600)
            secs = time.monotonic() - t0
            if r.returncode != 0:
                err = r.stderr.decode("utf-8", "replace").strip().splitlines()
                note(f"vt-convert failed (rc {r.returncode}): "
                     f"{err[-1] if err else ''}")
                return "conv-fail", None
            n = count_x_events(out)
            return n, (n / secs if isinstance(n, int) and secs > 0 else None)
        except subprocess.TimeoutExpired:
            return "conv-timeout", None
        finally:
            if os.path.exists(out):
                os.unlink(out)

    # ---- one workload under one interpreter ----

    def bench_workload(self, label, py, wl):
        script = os.path.join(self.bench_dir, wl + ".py")
        env_args = os.environ.get("BENCH_ARGS_" + wl)
        if env_args is not None:
            args = shlex.split(env_args)
        elif self.quick:
            args = QUICK_ARGS.get(wl, [])
        else:
            args = []
        row = {"workload": wl, "args": " ".join(args), "problems": []}
        variants = [v for v, _ in VARIANTS
                    if (v not in ("vt_ignore_c", "floor_ignore_c") or wl in IGNORE_C_WORKLOADS)
                    and (v != "vt_idle" or wl in IDLE_WORKLOADS)
                    and (v != "vt_clock2" or wl in CLOCK2_WORKLOADS)
                    and (v not in ("vt_args", "vt_excluded") or wl in RICH_WORKLOADS)
                    and (v != "vt_base" or self.base_dir)]
        log(f"{label}: {wl} {row['args'] or '(default args)'} ", end="")

        warm = self.run_one(label, wl, "warmup", 0, py, script, args)
        if warm["status"] != "ok":
            note(f"{label}: plain {wl} failed ({warm['status']}, rc {warm['rc']}); "
                 f"skipping it:\n{warm['stderr'][-2000:]}")
            row["error"] = "plain-" + warm["status"]
            self.failures.append(f"{label} {wl}: plain run failed")
            return row
        ref = checksum_line(warm["stdout"])

        plain_cpu = []
        ratios = {v: [] for v in variants}
        cpus = {v: [] for v in variants}
        dead = {}  # variant -> 'crash' / 'timeout'
        mismatch = set()
        trace_bytes = {}
        events = rate = None
        events_py = None
        rss = {"plain": [], "vt": []}
        for pair in range(self.pairs):
            for v in variants:
                if v in dead:
                    continue
                p = self.run_one(label, wl, "plain", pair, py, script, args)
                if p["status"] != "ok":
                    note(f"{label}: plain {wl} failed in pair {pair} "
                         f"({p['status']}); pair dropped")
                    continue
                r = self.run_one(label, wl, v, pair, py, script, args)
                if r["status"] != "ok":
                    dead[v] = r["status"]
                    tail = r["stderr"].strip().splitlines()[-3:]
                    note(f"{label}: {v} on {wl}: {r['status']} (rc {r['rc']})"
                         + "".join("\n    " + t for t in tail))
                    if v in VT_VARIANTS:
                        self.failures.append(f"{label} {wl}: {v} {r['status']}")
                    if r["trace"]:
                        shutil.rmtree(r["trace"], ignore_errors=True)
                    continue
                got = checksum_line(r["stdout"])
                if got != ref and v not in mismatch:
                    mismatch.add(v)
                    note(f"*** OUTPUT MISMATCH *** {label} {wl} under {v}:\n"
                         f"    plain:  {ref}\n    {v}: {got}")
                    self.failures.append(f"{label} {wl}: output changed under {v}")
                plain_cpu.append(p["cpu"])
                if v == "vt" and p["maxrss"] and r["maxrss"]:
                    rss["plain"].append(p["maxrss"])
                    rss["vt"].append(r["maxrss"])
                ratios[v].append(r["cpu"] / p["cpu"] if p["cpu"] > 0 else float("nan"))
                cpus[v].append(r["cpu"])
                if r["trace"]:
                    trace_bytes[v] = tree_bytes(r["trace"])
                    if (v == "vt" and pair == self.pairs - 1 and self.convert
                            and self.converter):
                        events, rate = self.count_events(r["trace"])
                        self.check_fib_calls(label, wl, r["stdout"], events)
                    if (v == "vt_ignore_c" and pair == self.pairs - 1 and self.convert
                            and self.converter):
                        events_py = self.count_events(r["trace"])[0]
                    shutil.rmtree(r["trace"], ignore_errors=True)
        end_progress()

        fastest = self.stat == "min"
        if plain_cpu:
            row["plain_cpu"] = min(plain_cpu) if fastest else statistics.median(plain_cpu)
        else:
            row["plain_cpu"] = None
        for v in variants:
            if v in dead:
                row[v] = dead[v]
            elif ratios[v]:
                if fastest and row["plain_cpu"]:
                    row[v] = min(cpus[v]) / row["plain_cpu"]
                else:
                    row[v] = statistics.median(ratios[v])
                row[v + "_min"], row[v + "_max"] = min(ratios[v]), max(ratios[v])
            else:
                row[v] = None
        for v in mismatch:
            row["problems"].append("mismatch:" + v)
        for v, st in dead.items():
            row["problems"].append(f"{st}:{v}")
        if isinstance(row.get("vt"), float) and isinstance(row.get("floor"), float):
            row["vt_over_floor"] = row["vt"] / row["floor"]
        row["trace_bytes"] = trace_bytes.get("vt")
        row["events"] = events
        row["conv_rate"] = rate
        for k in rss:
            row["rss_" + k] = statistics.median(rss[k]) if rss[k] else None
        if isinstance(events, int) and events > 0 and row["trace_bytes"] is not None:
            row["bytes_per_event"] = row["trace_bytes"] / events
        # what a record (a call or a return: two per X event) costs: the ratios' difference
        # times the plain run's cpu time, per record
        plain = row.get("plain_cpu")
        for key, hi, lo in (("ns_rec", "vt", "floor"), ("clk_ns", "vt_clock2", "vt")):
            if (isinstance(events, int) and events > 0 and isinstance(plain, float)
                    and isinstance(row.get(hi), float) and isinstance(row.get(lo), float)):
                row[key] = (row[hi] - row[lo]) * plain / (2 * events) * 1e9
        # what a recorded call (its call and return records) costs above the floor, per mode
        for key, hi, lo, n in (("call_ns", "vt", "floor", events),
                               ("call_ns_py", "vt_ignore_c", "floor_ignore_c", events_py)):
            if (isinstance(n, int) and n > 0 and isinstance(plain, float)
                    and isinstance(row.get(hi), float) and isinstance(row.get(lo), float)):
                row[key] = (row[hi] - row[lo]) * plain / n * 1e9
        row["mismatch"] = mismatch
        return row

    def check_fib_calls(self, label, wl, stdout, events):
        """fib.py prints how many calls it made: the trace must hold at least that many."""
        m = re.search(r"calls=(\d+)", stdout)
        if wl == "fib" and m and isinstance(events, int) and events < int(m.group(1)):
            note(f"{label}: fib made {m.group(1)} calls but the trace has only "
                 f"{events} X events (events lost?)")

    # ---- output ----

    def print_table(self, head, rows):
        cols = [("workload", 22), ("plain_cpu", 9), ("cProfile", 8), ("floor", 6), ("vt", 6),
                ("vt/floor", 8), ("vt(2clk)", 9), ("vt(IGNORE_C)", 12), ("floor(IGN_C)", 12), ("vt(idle)", 8),
                ("vt(args)", 8), ("vt(excl)", 8), ("trace", 8), ("events", 8),
                ("bytes/event", 11), ("RSS MiB", 11), ("conv ev/s", 9), ("ns/rec", 6),
                ("clk ns", 6)]
        if self.base_dir:
            cols.insert(5, ("vt(base)", 8))
        print()
        print(head)
        print("  ".join(f"{n:<{w}}" if i == 0 else f"{n:>{w}}"
                        for i, (n, w) in enumerate(cols)))
        for r in rows:
            name = (r["workload"] + " " + r["args"]).strip()
            if "error" in r:
                print(f"{name:<22}  {r['error']}")
                continue

            def cell(v):
                s = fmt_ratio(r.get(v))
                return s + "!" if v in r["mismatch"] else s

            bpe = r.get("bytes_per_event")
            rp, rv, cr = r.get("rss_plain"), r.get("rss_vt"), r.get("conv_rate")
            vals = [
                name,
                f"{r['plain_cpu']:.2f}s" if r.get("plain_cpu") is not None else "-",
                cell("cprofile"), cell("floor"), cell("vt"),
                fmt_ratio(r.get("vt_over_floor")), cell("vt_clock2"), cell("vt_ignore_c"), cell("floor_ignore_c"),
                cell("vt_idle"), cell("vt_args"), cell("vt_excluded"),
                fmt_size(r.get("trace_bytes")), fmt_count(r.get("events")),
                f"{bpe:.2f}" if bpe is not None else "-",
                f"{rp / 1024:.0f}->{rv / 1024:.0f}" if rp and rv else "-",
                f"{cr / 1e6:.1f}M" if cr else "-",
                f"{r['ns_rec']:.1f}" if r.get("ns_rec") is not None else "-",
                f"{r['clk_ns']:.1f}" if r.get("clk_ns") is not None else "-",
            ]
            if self.base_dir:
                vals.insert(5, cell("vt_base"))
            print("  ".join(f"{v:<{w}}" if i == 0 else f"{v:>{w}}"
                            for i, (v, (_, w)) in enumerate(zip(vals, cols))))
        sys.stdout.flush()

    def write_tsv(self, label, version, source, r):
        def num(v, digits=4):
            if v is None:
                return ""
            if isinstance(v, float):
                return f"{v:.{digits}f}"
            return str(v)

        fields = [label, version, source, r["workload"], r["args"], str(self.pairs)]
        if "error" in r:
            fields += [""] * 20 + [r["error"]]
        else:
            fields += [num(r.get("plain_cpu")), num(r.get("cprofile")), num(r.get("floor")),
                       num(r.get("vt")), num(r.get("vt_over_floor")),
                       num(r.get("vt_ignore_c")), num(r.get("floor_ignore_c")),
                       num(r.get("vt_idle")),
                       num(r.get("vt_args")), num(r.get("vt_excluded")),
                       num(r.get("vt_clock2")),
                       num(r.get("trace_bytes")),
                       num(r.get("events")), num(r.get("bytes_per_event"), 3),
                       num(r.get("rss_plain")), num(r.get("rss_vt")), num(r.get("conv_rate"), 0),
                       num(r.get("ns_rec"), 2), num(r.get("clk_ns"), 2),
                       num(r.get("vt_base")),
                       ",".join(r["problems"])]
        self.tsv.write("\t".join(fields) + "\n")
        self.tsv.flush()

    # ---- driver ----

    def describe(self, py):
        """Returns (version, source), or a string saying why py does not run."""
        try:
            r = subprocess.run([py, "-c", "import platform; print(platform.python_version())"],
                               env=self.base_env, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            return str(e)
        if r.returncode != 0:
            err = r.stderr.strip().splitlines()
            return err[0] if err else f"exit status {r.returncode}"
        real = os.path.realpath(py)
        if "/sid-bin/" in py:
            source = "sid"
        elif self.pyenv_root and real.startswith(os.path.realpath(self.pyenv_root) + "/"):
            source = "pyenv"
        elif os.path.exists("/etc/debian_version") and real.startswith("/usr/bin/"):
            source = "debian"
        else:
            source = "system"
        return r.stdout.strip(), source

    def main(self):
        log(f"CPU: {self.cpu}; one clock read ({self.clock_name}): "
            f"{self.clock_ns if self.clock_ns else '?'} ns")
        log(f"{len(self.workloads)} workloads from {self.bench_dir}, {self.pairs} pair(s) "
            f"per variant{' (quick)' if self.quick else ''}, libs from {self.lib_dir}")
        if self.vt_passthrough:
            log("passing to traced runs: " + " ".join(
                f"{k}={self.base_env[k]}" for k in self.vt_passthrough))
        if not self.converter:
            log(f"no {self.lib_dir}/vt-convert: event counts skipped")
        elif not self.convert:
            log("BENCH_CONVERT=0: event counts skipped")
        t0 = time.monotonic()
        for py in self.pythons:
            d = self.describe(py)
            if isinstance(d, str):
                log(f"skipping {py} (does not run: {d})")
                continue
            version, source = d
            label = f"python {version} ({source})"
            rows = []
            for wl in self.workloads:
                r = self.bench_workload(label, py, wl)
                self.write_tsv(label, version, source, r)
                rows.append(r)
                if wl == "fib" and "error" not in r:
                    self.costs.append((label, r))
            self.print_table(f"{label}  {py}", rows)
        self.print_legend()
        self.print_costs()
        log(f"done in {time.monotonic() - t0:.0f} s; results in "
            f"{os.path.join(self.out_dir, 'results.tsv')} (per-run data: runs.tsv)")
        if self.failures:
            log("FAILED:")
            for f in self.failures:
                log("  " + f)
            return 1
        return 0

    def print_costs(self):
        """The cost of one recorded call above the floor, per interpreter and mode, in ns
        and in clock reads of this machine (fib: one X event = one call and its return)."""
        if not self.costs:
            return
        clk = f"{self.clock_ns:.1f} ns" if self.clock_ns else "not measured"
        print(f"\ncost of a recorded call above the floor (fib), CPU: {self.cpu}")
        print(f"one clock read ({'rdtsc' if self.clock_name == 'tsc' else 'clock_gettime'}, "
              f"back to back, build/clock-cost): {clk}")
        print(f"{'python':<28}  {'C calls on':>10}  {'reads':>5}  {'Python only':>11}  {'reads':>5}")
        with open(os.path.join(self.out_dir, "cost.tsv"), "w") as tsv:
            tsv.write("python\tcpu\tclock\tclock_ns\tcall_ns\tcall_reads\tcall_ns_py\t"
                      "call_reads_py\n")
            for label, r in self.costs:
                cells, fields = [], [label, self.cpu, self.clock_name,
                                     f"{self.clock_ns:.2f}" if self.clock_ns else ""]
                for key in ("call_ns", "call_ns_py"):
                    ns = r.get(key)
                    reads = ns / self.clock_ns if ns is not None and self.clock_ns else None
                    cells += [f"{ns:.1f} ns" if ns is not None else "-",
                              f"{reads:.2f}" if reads is not None else "-"]
                    fields += [f"{ns:.2f}" if ns is not None else "",
                               f"{reads:.3f}" if reads is not None else ""]
                print(f"{label:<28}  {cells[0]:>10}  {cells[1]:>5}  {cells[2]:>11}  {cells[3]:>5}")
                tsv.write("\t".join(fields) + "\n")
        print("(vt - floor) x plain_cpu / calls, for C calls on (vt, floor) and Python only "
              "(vt(IGNORE_C), floor(IGN_C)); a difference of two fastest runs, so it moves by "
              "a few ns between runs on a noisy host")
        sys.stdout.flush()

    def print_legend(self):
        print(f"""
legend (ratios: {"the fastest of " + str(self.pairs) + " run(s) of each variant over the fastest plain run" if self.stat == "min" else "medians over " + str(self.pairs) + " pair(s) of cpu(variant)/cpu(plain run just before)"};
cpu = user+sys of the whole process tree, interpreter start-up included):
  plain_cpu     cpu seconds of the plain runs (python W.py): the fastest, or the median
                with BENCH_STAT=pairs
  cProfile      python -m cProfile -o /dev/null W.py
  floor         LD_PRELOAD=libvt-nop.so: the same hooks with recording compiled out
  vt            LD_PRELOAD=libvt.so (recording to a temp VT_OUTPUT dir)
  vt/floor      vt / floor: the cost of recording itself on top of the hook
  vt(2clk)      LD_PRELOAD=libvt-clock2.so (fib only): vt reading the clock twice per
                event (the same records); vt(2clk) - vt is what one clock read per event costs
  vt(IGNORE_C)  vt with VT_IGNORE_C=1 (fib and builtin_heavy only): Python functions only,
                through the frame-evaluation hook on 3.8-3.11 (3.11.4+), sys.monitoring on 3.12+
  floor(IGN_C)  libvt-nop.so with VT_IGNORE_C=1: the floor of that hook
  vt(idle)      vt with VT_START=signal and no signal: a started service that does not record
  vt(args)      vt with VT_LOG_ARGS=1 VT_LOG_RETURN=1 (fib only)
  vt(excl)      vt with the workload's own file excluded (VT_EXCLUDE_FILES): filtered events (fib only)
  vt(base)      with BENCH_BASE_DIR only: that directory's libvt.so (another build, e.g. before
                a change), measured in the same rounds as vt
  trace         size of the vt run's VT_OUTPUT dir (apparent bytes, like du -sb)
  events        "ph":"X" events in vt-convert's JSON (one X = one call + its return)
  bytes/event   trace bytes per X event (halve it for bytes per call or return record)
  RSS MiB       peak RSS of the traced process: plain -> vt (medians; the main process only)
  conv ev/s     X events vt-convert wrote per second (wall time of one conversion to JSON)
  ns/rec        what vt adds above the floor per record (a call or a return; two per X
                event): (vt - floor) x plain_cpu / records. A difference of two ratios:
                it moves by a few ns between runs on a noisy host
  clk ns        (vt(2clk) - vt) x plain_cpu / records: one clock read in place (fib only)
  crash/timeout the variant failed; '!' = its output differs from plain; '-' = not run""")
        sys.stdout.flush()


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: bench.py PYTHON... (run it through scripts/bench.sh)\n")
        return 2
    b = Bench(sys.argv[1:])
    try:
        return b.main()
    except KeyboardInterrupt:
        b.runner.kill()
        note("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
