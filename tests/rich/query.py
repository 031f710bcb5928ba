#!/usr/bin/env python3
"""Questions about a converted trace, for run.sh: query.py WHAT TRACE.json [ARGS...]"""
import json
import sys

what, path = sys.argv[1], sys.argv[2]
ev = json.load(open(path))["traceEvents"]
xs = [e for e in ev if e["ph"] == "X"]
tname = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev
         if e["ph"] == "M" and e["name"] == "thread_name"}

if what == "args":
    # the main thread's take/gen calls: their arguments or return values
    main = [e for e in xs if tname.get((e["pid"], e["tid"])) == "MainThread"]
    for e in sorted(main, key=lambda e: e["ts"]):
        a = e.get("args", {})
        if e["name"] == "take" and "func_args" in a:
            fa = a["func_args"]
            print("take", "objs=" + fa["objs"], "kw=" + fa["kw"])
            if "return_value" in a:
                print("take ret=" + a["return_value"])
        if e["name"] == "gen" and "func_args" in a:
            print("gen n=" + a["func_args"]["n"])
elif what == "count":
    name = sys.argv[3]
    thread = sys.argv[4] if len(sys.argv) > 4 else None
    print(sum(1 for e in xs if e["name"] == name and
              (thread is None or tname.get((e["pid"], e["tid"])) == thread)))
elif what == "api":
    rows = []
    for e in ev:
        a = {k: v for k, v in e.get("args", {}).items() if k != "file"}
        if e["ph"] == "C":
            rows.append("C %s %s" % (e["name"], json.dumps(a)))
        elif e["ph"] == "i" and e.get("cat") == "app":
            rows.append("i %s %s" % (e["name"], json.dumps(a)))
        elif e["ph"] == "X" and e["name"] in ("batch", "decorated") and e.get("cat") == "span":
            track = tname.get((e["pid"], e["tid"]), "")
            rows.append("X %s %s%s" % (e["name"], json.dumps(a), " spans" if track.endswith("spans") else ""))
        elif e["ph"] == "X" and e["name"] == "work":
            rows.append("work %s" % e["args"].get("func_args", {}).get("n", "?") if "func_args" in e["args"] else "work")
    names = [n for (p, t), n in tname.items() if not n.endswith("spans")]
    rows.append("thread " + names[-1] if names else "thread ?")
    # work's argument is not logged here: tell the calls apart by duration order instead
    print("\n".join(sorted(r for r in rows if not r.startswith("work"))))
    works = sorted((e for e in xs if e["name"] == "work"), key=lambda e: e["ts"])
    # work(100), work(10) (decorated), work(8): pause() hid work(7)
    print("\n".join("work %s" % n for n, _ in zip(("100", "10", "8"), works)) if len(works) == 3 else "works %d" % len(works))
elif what == "names":
    keep = sys.argv[3:]
    print(" ".join(sorted({e["name"] for e in xs if any(e["name"].startswith(k) for k in keep)})))
elif what == "dur_ok":
    # NAME took at least MIN ms, less than 5 s, and holds its callees' spans
    name, lo = sys.argv[3], float(sys.argv[4])
    es = [e for e in xs if e["name"] == name]
    inner = [e for e in xs if e["ts"] > es[0]["ts"] and e["ts"] < es[0]["ts"] + es[0]["dur"]] if es else []
    ok = (len(es) == 1 and lo * 1000 <= es[0]["dur"] < 5e6 and inner and
          all(e["ts"] + e["dur"] <= es[0]["ts"] + es[0]["dur"] for e in inner))
    print("ok" if ok else "bad %s" % [(e["ts"], e["dur"]) for e in es])
elif what == "pynames":
    print(" ".join(sorted({e["name"] for e in xs if e.get("cat") == "py"})))
elif what == "frozen":
    print(sum(1 for e in xs if e.get("args", {}).get("file", "").startswith("<frozen")))
elif what == "exc":
    for e in ev:
        a = e.get("args", {})
        if e["ph"] == "i" and e["name"] == "exception" and a.get("type") == "KeyError" and "hostile" in a.get("where", ""):
            print(a["type"], a["message"], a["where"].rsplit("/", 1)[-1])
elif what == "cnames":
    # the C calls, by name
    print(" ".join(sorted({e["name"] for e in xs if e.get("cat") == "c"})))
elif what == "own":
    # vt's own functions in the trace: its module and finder (file <vt>, or a copy of the
    # module: ARG "copy"), _vt's builtins
    copy = len(sys.argv) > 3 and sys.argv[3] == "copy"
    own = sorted({e["name"] for e in xs if e.get("args", {}).get("file", "").startswith("<vt>")
                  or (copy and "/vt/__init__.py:" in e.get("args", {}).get("file", ""))
                  or e["name"].startswith("_vt.") or "VtFinder" in e["name"]})
    print(" ".join(own) if own else "none")
elif what == "tree":
    # the Python calls under each thread's outermost ROOT frame, one per line, indented
    # by depth, bare names (3.8-3.10 have no qualified names); "*" marks a cut frame
    root = sys.argv[3]
    for th in sorted({(e["pid"], e["tid"]) for e in xs}):
        es = sorted((e for e in xs if (e["pid"], e["tid"]) == th and e.get("cat") == "py"),
                    key=lambda e: (e["ts"], -e["dur"]))
        st, on = [], None
        for e in es:
            # a call that starts where another ends (ns, as JSON rounds them) follows it
            while st and round(e["ts"], 3) >= st[-1]:
                st.pop()
            if on is None and e["name"].split(".")[-1] == root:
                on = len(st)
            if on is not None and len(st) < on:
                on = None
            if on is not None:
                print("%s%s%s" % ("  " * (len(st) - on), e["name"].split(".")[-1],
                                  "*" if e.get("args", {}).get("cut") else ""))
            st.append(round(e["ts"] + e["dur"], 3))
