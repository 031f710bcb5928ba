# monitoring-free.py: the program frees every sys.monitoring tool id (3.12+), as a test
# harness resetting state might; f: 50 calls before, 70 after
import sys

M = sys.monitoring


def f(i):
    return i


for i in range(50):
    f(i)
for i in range(6):
    M.set_events(i, 0) if M.get_tool(i) else None
    M.free_tool_id(i)
for i in range(70):
    f(i)
print("tools", [M.get_tool(i) for i in range(6)])
