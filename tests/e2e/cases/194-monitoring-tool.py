# A coverage-like sys.monitoring tool (tool 1) beside vt: LINE and CALL callbacks that
# return DISABLE (on 3.15 that turns the event off for the whole code object, for that
# tool), and the branch events (BRANCH_LEFT and BRANCH_RIGHT from 3.14 on, renumbered
# with the others; BRANCH before). The tool's counts must be the same with and without
# vt, and vt must still record every call, C calls included (194-monitoring-tool.sh).
import sys

m = sys.monitoring
E = m.events
TOOL = m.COVERAGE_ID
counts = {"line": 0, "call": 0, "left": 0, "right": 0}


def on_line(code, line):
    counts["line"] += 1
    return m.DISABLE


def on_call(code, offset, callable, arg0):
    counts["call"] += 1
    return m.DISABLE


def on_left(code, src, dst):
    counts["left"] += 1


def on_right(code, src, dst):
    counts["right"] += 1


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def lengths():
    for s in ("a", "bb", "ccc"):
        len(s)


def main():
    m.use_tool_id(TOOL, "cov")
    m.register_callback(TOOL, E.LINE, on_line)
    m.register_callback(TOOL, E.CALL, on_call)
    events = E.LINE | E.CALL
    if hasattr(E, "BRANCH_LEFT"):
        m.register_callback(TOOL, E.BRANCH_LEFT, on_left)
        m.register_callback(TOOL, E.BRANCH_RIGHT, on_right)
        events |= E.BRANCH_LEFT | E.BRANCH_RIGHT
    else:
        m.register_callback(TOOL, E.BRANCH, on_left)
        events |= E.BRANCH
    m.set_events(TOOL, events)
    fib(4)
    lengths()
    m.set_events(TOOL, 0)
    m.free_tool_id(TOOL)
    print(sorted(counts.items()))


main()
