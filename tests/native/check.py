"""check.py TRACE.json WFD RFD: the native calls of prog.py, each in the Python function
that made it, with its arguments and result. Prints one line per check ("ok ..." or
"FAIL ..."); exit status 1 on a failure."""
import json
import sys

trace, wfd, rfd = sys.argv[1], sys.argv[2], sys.argv[3]
ev = [e for e in json.load(open(trace))["traceEvents"] if e["ph"] == "X"]
py = [e for e in ev if e["cat"] == "py"]
nat = [e for e in ev if e["cat"] == "native"]
failed = 0


def caller(n):
    """the innermost Python frame of the same thread around native event n"""
    best = None
    for p in py:
        if p["tid"] == n["tid"] and p["ts"] <= n["ts"] and n["ts"] + n["dur"] <= p["ts"] + p["dur"]:
            if best is None or p["ts"] >= best["ts"] and p["dur"] <= best["dur"]:
                best = p
    return best["name"].rsplit(".", 1)[-1] if best else None


def check(what, name, where, args, ret, count=1):
    global failed
    got = [n for n in nat if n["name"] == name and caller(n) == where and
           all(n["args"].get("func_args", {}).get(k) == v for k, v in args.items()) and
           (ret is None or n["args"].get("return_value") == ret)]
    if len(got) >= count:
        print("ok", what)
    else:
        failed = 1
        near = [(n["name"], caller(n), n["args"].get("func_args"), n["args"].get("return_value"))
                for n in nat if n["name"] == name][:6]
        print("FAIL", what, "- found:", near)


check("write(fd, buf, 18) = 18 in do_write", "write", "do_write", {"fd": wfd, "n": "18"}, "18")
check("read(fd, buf, 100) = 18 in do_read", "read", "do_read", {"fd": rfd, "n": "100"}, "18")
check("open64 in do_write and do_read (variadic)", "open64", "do_write", {}, wfd)
check("open64 in do_read", "open64", "do_read", {}, rfd)
check("close(fd) = 0 in do_write", "close", "do_write", {"fd": wfd}, "0")
check("close(-1) = -1 in bad_close", "close", "bad_close", {"fd": "-1"}, "-1")
check("deflate in do_zip", "deflate", "do_zip", {}, None)
check("vtdemo_work(5, buf, 16) = 21 in call_demo (a C extension)", "vtdemo_work", "call_demo",
      {"a": "5", "n": "16"}, "21")
check("vtdemo_work(-1, buf, 8) = -1 in call_demo", "vtdemo_work", "call_demo",
      {"a": "-1", "n": "8"}, "-1")
own = [n for n in nat if n["name"] in ("write", "read") and int(n["args"]["func_args"]["fd"]) >= 512]
if own:
    failed = 1
    print("FAIL vt's own writes are in the trace:", own[:3])
else:
    print("ok none of vt's own writes (descriptors 512 and up) is in the trace")
sys.exit(failed)
