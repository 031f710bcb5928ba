# monitoring.py IDS: a sys.monitoring tool of the program's own (3.12+) on each tool id
# of IDS (comma-separated): it counts PY_START events of f. Then it frees them and calls
# f again. f: 10 calls before, 100 with the tools, 10 after.
import sys

M = sys.monitoring


def f(i):
    return i


def work(n):
    for i in range(n):
        f(i)


work(10)
got = []
for tid in [int(x) for x in sys.argv[1].split(",")]:
    try:
        M.use_tool_id(tid, "mine%d" % tid)
        got.append(tid)
        print("use_tool_id(%d): ok" % tid)
    except ValueError as e:
        print("use_tool_id(%d): ValueError: %s" % (tid, e))
count = {}


def make(tid):
    def on_start(code, off):
        if code.co_name == "f":
            count[tid] = count.get(tid, 0) + 1
    return on_start


for tid in got:
    M.register_callback(tid, M.events.PY_START, make(tid))
    M.set_events(tid, M.events.PY_START)
work(100)
print("tools saw", sorted(count.items()))
for tid in got:
    M.set_events(tid, 0)
    M.free_tool_id(tid)
work(10)
