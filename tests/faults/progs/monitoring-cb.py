# monitoring-cb.py: the callbacks of vt's sys.monitoring tool (3.12+), looked at by taking
# each one out and putting it back: each should be a vt.callback object (vt's own type,
# called through its vectorcall slot), not the builtin-function fallback. Then f is called
# 100 times, which vt must record as usual.
import sys

M = sys.monitoring
E = M.events
tool = next((t for t in range(6) if M.get_tool(t) == "vt"), None)
if tool is None:
    print("no vt tool")
else:
    for name in ("PY_START", "PY_RETURN", "CALL", "C_RETURN"):
        ev = getattr(E, name)
        cb = M.register_callback(tool, ev, None)
        M.register_callback(tool, ev, cb)
        print(name, "%s.%s" % (type(cb).__module__, type(cb).__qualname__))


def f(i):
    return i


for i in range(100):
    f(i)
